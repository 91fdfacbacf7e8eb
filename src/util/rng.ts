/**
 * Seeded pseudo-random numbers for everything random in meshgd (data, topologies, sampling, quantization).
 *
 * xoshiro128** (Blackman & Vigna) on four uint32 words, seeded through splitmix32 from a 32-bit hash of
 * `(run seed, peer index, purpose)` as docs/algorithms.md "Determinism: summation order and random streams" requires, so that a peer's stream depends only on
 * those three things and the simulator and a networked peer draw the same numbers. The state is four integers plus
 * the spare Gaussian, so it can be checkpointed exactly (`state()` / `Rng.fromState`). Pure: no clock, no I/O.
 */
import { cos, log, sin } from './fdlibm.js'
import { jumpState } from './rng-jump.js'

export interface RngState {
  readonly s: readonly [number, number, number, number]
  /** Second Box-Muller variate kept for the next `gaussian()` call, or null. */
  readonly spare: number | null
}

/** FNV-1a over the UTF-8-ish code units of a string, for turning a purpose name into a seed word. */
function hashString(text: string, h = 0x811c9dc5): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) >>> 0
  let z = state.x
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

const TWO_POW_32 = 4294967296

export class Rng {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private spare: number | null = null

  private constructor(s: readonly [number, number, number, number]) {
    this.s0 = s[0] >>> 0
    this.s1 = s[1] >>> 0
    this.s2 = s[2] >>> 0
    this.s3 = s[3] >>> 0
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1 // the all-zero state is a fixed point
  }

  /** A stream determined by `(seed, index, purpose)`; `index` is the peer index, or -1 for swarm-wide draws. */
  static derive(seed: number, index: number, purpose: string): Rng {
    if (!Number.isFinite(seed) || !Number.isFinite(index)) {
      throw new RangeError(`Rng.derive: seed and index must be finite, got ${seed}, ${index}`)
    }
    let h = hashString(purpose)
    // Mix the full double of seed and index (seeds may exceed 2^32), word by word.
    const words = new Uint32Array(new Float64Array([seed, index]).buffer)
    for (const w of words) h = Math.imul(h ^ w, 0x01000193) >>> 0
    const st = { x: h }
    return new Rng([splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st)])
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(state.s)
    r.spare = state.spare
    return r
  }

  /** Continue from a saved state (a checkpoint), in place. */
  setState(state: RngState): void {
    const [a, b, c, d] = state.s
    this.s0 = a >>> 0
    this.s1 = b >>> 0
    this.s2 = c >>> 0
    this.s3 = d >>> 0
    this.spare = state.spare
  }

  state(): RngState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare }
  }

  /**
   * Where `steps` calls of nextUint32 would leave the stream, at the cost of a few hundred word operations
   * (rng-jump.ts); the spare Gaussian is dropped. A uniform is 2 steps, a pair of Gaussians 4 (when no u = 0 is redrawn).
   */
  advance(steps: number): void {
    const s = new Uint32Array([this.s0, this.s1, this.s2, this.s3])
    jumpState(s, steps)
    this.s0 = s[0]!
    this.s1 = s[1]!
    this.s2 = s[2]!
    this.s3 = s[3]!
    this.spare = null
  }

  /** Next uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0
    const t = (this.s1 << 9) >>> 0
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    this.s0 >>>= 0
    this.s1 >>>= 0
    this.s2 >>>= 0
    return result
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5 // 27 bits
    const lo = this.nextUint32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992
  }

  /**
   * The next `count` values of `uniform()` into out[0..count), bit for bit and leaving the state where `count`
   * calls would: the same xoshiro128** step on int32 locals (every operation is on 32-bit patterns, so int32 and
   * uint32 views agree) instead of on the fields, which lets the loop run without touching the object.
   */
  fillUniform(out: Float64Array, count: number = out.length): Float64Array {
    if (!Number.isInteger(count) || count < 0 || count > out.length)
      throw new RangeError(`Rng.fillUniform: count ${count} for ${out.length} entries`)
    let s0 = this.s0 | 0
    let s1 = this.s1 | 0
    let s2 = this.s2 | 0
    let s3 = this.s3 | 0
    for (let k = 0; k < count; k++) {
      let t = s1 << 9
      const hi = Math.imul(rotl32(Math.imul(s1, 5), 7), 9) >>> 5
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 ^= t
      s3 = rotl32(s3, 11)
      t = s1 << 9
      const lo = Math.imul(rotl32(Math.imul(s1, 5), 7), 9) >>> 6
      s2 ^= s0
      s3 ^= s1
      s1 ^= s2
      s0 ^= s3
      s2 ^= t
      s3 = rotl32(s3, 11)
      out[k] = (hi * 67108864 + lo) / 9007199254740992
    }
    this.s0 = s0 >>> 0
    this.s1 = s1 >>> 0
    this.s2 = s2 >>> 0
    this.s3 = s3 >>> 0
    return out
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32)
      throw new RangeError(`Rng.int: n must be in 1..2^32, got ${n}`)
    const limit = TWO_POW_32 - (TWO_POW_32 % n)
    for (;;) {
      const x = this.nextUint32()
      if (x < limit) return x % n
    }
  }

  /** Keep a second Box-Muller variate for the next `gaussian()` (fillGaussian's last pair). */
  setSpare(v: number): void {
    this.spare = v
  }

  /** Standard normal variate (Box-Muller, polar-free form; the second variate is kept for the next call). */
  gaussian(): number {
    if (this.spare !== null) {
      const v = this.spare
      this.spare = null
      return v
    }
    let u = 0
    while (u === 0) u = this.uniform()
    const v = this.uniform()
    const r = Math.sqrt(-2 * log(u))
    const theta = 2 * Math.PI * v
    this.spare = r * sin(theta)
    return r * cos(theta)
  }

  /**
   * The next `count` values of `gaussian()` into out[0..count), bit for bit, leaving the state (and the spare
   * variate) where `count` calls would. The uniforms come from `fillUniform` in chunks no larger than what is still
   * certain to be drawn (two per pair, more only when a u = 0 is redrawn), so the stream is never read ahead.
   */
  fillGaussian(out: Float64Array, count: number = out.length): Float64Array {
    if (!Number.isInteger(count) || count < 0 || count > out.length)
      throw new RangeError(`Rng.fillGaussian: count ${count} for ${out.length} entries`)
    let k = 0
    if (count > 0 && this.spare !== null) {
      out[k++] = this.spare
      this.spare = null
    }
    const uniforms = GAUSSIAN_UNIFORMS
    while (k < count) {
      const n = Math.min(uniforms.length, 2 * Math.ceil((count - k) / 2))
      this.fillUniform(uniforms, n)
      k = boxMuller(uniforms, n, out, k, count, this)
    }
    return out
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/** Uniforms drawn at a time by `fillGaussian` (32 kB). */
const GAUSSIAN_CHUNK = 4096
/**
 * fillGaussian's uniforms, one buffer for the process (a thread): fillGaussian runs to its end without calling
 * anything that could call it again. A fresh buffer per call cost 30% when gaussians are drawn 2,048 at a time.
 */
const GAUSSIAN_UNIFORMS = new Float64Array(GAUSSIAN_CHUNK)

/**
 * Turn uniforms[0..n) into gaussians at out[k..count) as `gaussian()` would, pair by pair (a u of 0 is skipped, as
 * the scalar loop redraws it); a pair left half-used by the end of the chunk draws its missing uniforms one by one
 * from `rng`, so nothing is read ahead. The second variate of the last pair becomes rng's spare when out is full.
 */
function boxMuller(uniforms: Float64Array, n: number, out: Float64Array, k: number, count: number, rng: Rng): number {
  let j = 0
  while (k < count && j < n) {
    let u = uniforms[j++]!
    while (u === 0) u = j < n ? uniforms[j++]! : rng.uniform()
    const v = j < n ? uniforms[j++]! : rng.uniform()
    const r = Math.sqrt(-2 * log(u))
    const theta = 2 * Math.PI * v
    out[k++] = r * cos(theta)
    if (k < count) out[k++] = r * sin(theta)
    else rng.setSpare(r * sin(theta))
  }
  return k
}

/** rotl on an int32 pattern, kept int32 (for the loop of `fillUniform`). */
function rotl32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

// Run fillUniform once, whole, at load: its first real call is a long loop that V8 compiles on the stack (OSR) before
// the state write-back after the loop has ever run, and that compiled loop then deoptimizes at the write-back on
// every later call for a while (seen as ~75 deoptimizations in a benchmark). Values of the size real states have.
Rng.fromState({ s: [0x9e3779b9, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f], spare: null }).fillUniform(new Float64Array(2))
