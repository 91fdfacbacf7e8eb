// @ts-check
/**
 * Seeded pseudo-random numbers for the MNIST example's own draws (the shuffle that deals images to peers, and the
 * common starting point), so that every process of a swarm computes the same shards and the same start from the
 * run's seed alone. xoshiro128** (Blackman & Vigna 2018) on four uint32 words, seeded through splitmix32 from an
 * FNV-1a hash of the seed and a purpose name; Gaussians by the Box-Muller transform (Box & Muller 1958).
 */

const TWO_POW_32 = 4294967296

/** FNV-1a over a purpose name and the two 32-bit words of the seed's double. */
function seedWord(seed, purpose) {
  let h = 0x811c9dc5
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193) >>> 0
  for (const word of new Uint32Array(new Float64Array([seed]).buffer)) h = Math.imul(h ^ word, 0x01000193) >>> 0
  return h
}

/** @param {{ x: number }} state */
function splitmix32(state) {
  state.x = (state.x + 0x9e3779b9) >>> 0
  let z = state.x
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * A stream determined by `(seed, purpose)`.
 * @param {number} seed
 * @param {string} purpose
 * @returns {{ uniform(): number, gaussian(): number, below(n: number): number }}
 */
export function seededRandom(seed, purpose) {
  const st = { x: seedWord(seed, purpose) }
  const s = new Uint32Array([splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st) | 1])
  /** @type {number | null} */
  let spare = null
  const next = () => {
    const result = Math.imul(((Math.imul(s[1], 5) << 7) | (Math.imul(s[1], 5) >>> 25)) >>> 0, 9) >>> 0
    const t = s[1] << 9
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << 11) | (s[3] >>> 21)
    return result
  }
  const uniform = () => next() / TWO_POW_32
  return {
    uniform,
    gaussian() {
      if (spare !== null) {
        const g = spare
        spare = null
        return g
      }
      const u = 1 - uniform() // in (0, 1], so the logarithm is finite
      const radius = Math.sqrt(-2 * Math.log(u))
      const angle = 2 * Math.PI * uniform()
      spare = radius * Math.sin(angle)
      return radius * Math.cos(angle)
    },
    below: (n) => Math.floor(uniform() * n),
  }
}
