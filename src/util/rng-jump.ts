/**
 * Jumping a xoshiro128** state (rng.ts) ahead by any number of steps at once, so that a long stream can be cut into
 * pieces drawn side by side (theory/planted-gram.ts draws each piece of every peer's features in its own worker).
 *
 * The state update of xoshiro128** is linear over GF(2) (shifts, rotations and xors of the 128 state bits; the
 * output scrambler is not part of the state), so k steps are the 128 x 128 bit matrix T^k. T^(2^i) is formed by
 * squaring, once per process, and a jump by k multiplies the state by the T^(2^i) of k's set bits: about 64
 * matrix-vector products of 512 word operations for any k below 2^64. Pure.
 */

/** A 128 x 128 bit matrix as 128 columns of four uint32 words (column j is the image of state bit j). */
type BitMatrix = Uint32Array

const WORDS = 4
const BITS = 128

/** One xoshiro128** state update in place (the same operations as Rng.nextUint32, without the output). */
export function xoshiroStep(s: Uint32Array): void {
  const t = (s[1]! << 9) >>> 0
  s[2]! ^= s[0]!
  s[3]! ^= s[1]!
  s[1]! ^= s[2]!
  s[0]! ^= s[3]!
  s[2]! ^= t
  s[3] = ((s[3]! << 11) | (s[3]! >>> 21)) >>> 0
}

/** out = M v (out and v distinct). */
function apply(M: BitMatrix, v: Uint32Array, out: Uint32Array): void {
  out.fill(0)
  for (let j = 0; j < BITS; j++) {
    if (((v[j >>> 5]! >>> (j & 31)) & 1) === 0) continue
    const c = j * WORDS
    out[0]! ^= M[c]!
    out[1]! ^= M[c + 1]!
    out[2]! ^= M[c + 2]!
    out[3]! ^= M[c + 3]!
  }
}

/** A B: column j is A times column j of B. */
function multiply(A: BitMatrix, B: BitMatrix): BitMatrix {
  const C = new Uint32Array(BITS * WORDS)
  for (let j = 0; j < BITS; j++)
    apply(A, B.subarray(j * WORDS, (j + 1) * WORDS), C.subarray(j * WORDS, (j + 1) * WORDS))
  return C
}

function oneStep(): BitMatrix {
  const T = new Uint32Array(BITS * WORDS)
  for (let j = 0; j < BITS; j++) {
    const column = T.subarray(j * WORDS, (j + 1) * WORDS)
    column[j >>> 5] = 1 << (j & 31)
    xoshiroStep(column)
  }
  return T
}

/** powers[i] = T^(2^i), grown as far as a jump needs. */
const powers: BitMatrix[] = []

function power(i: number): BitMatrix {
  while (powers.length <= i)
    powers.push(powers.length === 0 ? oneStep() : multiply(powers[powers.length - 1]!, powers[powers.length - 1]!))
  return powers[i]!
}

/** Advance the state s (four uint32 words) by `steps` updates, in place; steps a non-negative safe integer. */
export function jumpState(s: Uint32Array, steps: number): void {
  if (!Number.isSafeInteger(steps) || steps < 0)
    throw new RangeError(`jumpState: steps must be a non-negative safe integer, got ${steps}`)
  const scratch = new Uint32Array(WORDS)
  for (let i = 0, rest = steps; rest > 0; i++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 0) continue
    apply(power(i), s, scratch)
    s.set(scratch)
  }
}
