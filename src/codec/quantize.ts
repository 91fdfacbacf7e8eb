/**
 * Quantizers of docs/algorithms.md "Compression" (pure, RNG passed in).
 *
 * - `qsgd` (Kalan et al. 2019, Sec. 2.2, after Alistarh et al. 2017): Q_s(v)_k = |v|_2 sgn(v_k) xi_k with r = |v_k| s / |v|_2, h = floor(r) (h = s - 1 when
 *   r = s), xi_k = (h + 1)/s with probability r - h, else h/s. Unbiased; E|Q|^2 <= (1 + omega)|v|^2,
 *   omega = min(d/s^2, sqrt(d)/s). Represented as the norm (rounded to float32, as on the wire) and a signed
 *   level in {-s..s} per coordinate.
 * - `uniform` with b bits, deterministic: U_b(v) = |v|_inf round(v L / |v|_inf) / L, L = 2^(b-1) - 1; the scale is
 *   rounded to float32 (as on the wire) and |U_b(v) - v|_inf <= |v|_inf / (2L) still holds up to that rounding.
 *
 * Both return the integer levels and the scale, which is exactly what goes on the wire; `dequantize` turns them
 * back into a vector, so the sender and the receivers compute the same bits.
 *
 * The float32 scale bounds what can be sent: a vector whose norm overflows float32 (above ~3.4e38) is refused with a
 * RangeError (the swarm has diverged), and one whose norm underflows float32 (below ~1.4e-45) is sent as zero.
 */
import type { Rng } from '../util/rng.js'
import {
  CODE_CHUNK,
  codeChunk,
  loadWords,
  packCodeWords,
  storeWords,
  throwUnpackError,
  unpackBytewise,
  unpackCodes,
  UNPACK_OK,
  wordKernelsFit,
  wordScratch,
  wordsFor,
} from './bit-pack.js'
import { HOST_LITTLE_ENDIAN } from './floats.js'

export interface Quantized {
  /** Scale as a float32 value (|v|_2 for qsgd, |v|_inf for uniform). */
  scale: number
  /** Signed integer level per coordinate, in [-maxLevel, maxLevel]. */
  levels: Int32Array
  /** Denominator: the value of coordinate k is scale * levels[k] / denominator. */
  denominator: number
}

const f32 = Math.fround

/** qsgd variance factor omega = min(d / s^2, sqrt(d) / s) (Kalan et al. 2019; Alistarh et al. 2017; docs/algorithms.md "Compression"). */
export function qsgdOmega(d: number, s: number): number {
  return Math.min(d / (s * s), Math.sqrt(d) / s)
}

/** Bits per signed level in {-m..m}: ceil(log2(2m + 1)). */
export function bitsForLevels(maxLevel: number): number {
  return Math.ceil(Math.log2(2 * maxLevel + 1))
}

/** qsgdQuantize's check of s (also run by the fused encoder of packed.ts, so both throw alike). */
export function checkQsgdLevels(s: number): void {
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`qsgdQuantize: levels s must be a positive integer, got ${s}`)
}

/** |v|_2, summed in index order, and the float32 scale it is sent as; throws if that scale overflows. */
export function qsgdNorm(v: Float64Array): { norm: number; scale: number } {
  let sq = 0
  for (let start = 0; start < v.length; start += CODE_CHUNK)
    sq = addSquares(v, start, Math.min(start + CODE_CHUNK, v.length), sq)
  const norm = Math.sqrt(sq)
  const scale = f32(norm)
  if (!Number.isFinite(scale)) throw new RangeError(`qsgdQuantize: norm ${norm} does not fit the float32 scale`)
  return { norm, scale }
}

export function qsgdQuantize(
  v: Float64Array,
  s: number,
  rng: Rng,
  levels: Int32Array = new Int32Array(v.length),
): Quantized {
  checkQsgdLevels(s)
  if (levels.length !== v.length)
    throw new RangeError(`qsgdQuantize: levels buffer ${levels.length} for d = ${v.length}`)
  const { norm, scale } = qsgdNorm(v)
  if (!(norm > 0) || !(scale > 0)) {
    levels.fill(0)
    return { scale: 0, levels, denominator: s }
  }
  for (let k = 0; k < v.length; k++) {
    const a = Math.abs(v[k]!)
    const r = Math.min(s, (a * s) / norm)
    let h = Math.floor(r)
    if (h === s) h = s - 1
    // One uniform draw per coordinate, always (even when r is an integer), so the stream position does not depend
    // on the data: sender and simulator stay in step.
    const u = rng.uniform()
    const level = u < r - h ? h + 1 : h
    levels[k] = v[k]! < 0 ? -level : level
  }
  return { scale, levels, denominator: s }
}

/**
 * sq + v_start^2 + ... + v_(end-1)^2, added in index order. Long loops are cut into chunks of CODE_CHUNK (bit-pack.ts
 * explains why).
 */
function addSquares(v: Float64Array, start: number, end: number, sq: number): number {
  for (let k = start; k < end; k++) sq += v[k]! * v[k]!
  return sq
}

/** uniformQuantize's check of b (also run by the fused encoder of packed.ts). */
export function checkUniformBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16)
    throw new RangeError(`uniformQuantize: bits must be 2..16, got ${bits}`)
}

/** The float32 scale of U_b: |v|_inf rounded up to float32; throws if it overflows. */
export function uniformScale(v: Float64Array): number {
  const inf = maxAbs(v)
  // The scale is sent as float32; round it up so |v_k| / scale <= 1 and levels stay within [-L, L].
  let scale = f32(inf)
  if (scale < inf) scale = nextFloat32Up(scale)
  if (!Number.isFinite(scale)) throw new RangeError(`uniformQuantize: max-norm ${inf} does not fit the float32 scale`)
  return scale
}

/**
 * max_k |v_k| (NaN if any is NaN), over four interleaved running maxima, a chunk at a time: every |v_k| is +0 or more
 * (or NaN, which Math.max propagates), so the order of the comparisons cannot change the result.
 */
function maxAbs(v: Float64Array): number {
  let m = 0
  for (let start = 0; start < v.length; start += CODE_CHUNK)
    m = Math.max(m, maxAbsChunk(v, start, Math.min(start + CODE_CHUNK, v.length)))
  return m
}

function maxAbsChunk(v: Float64Array, start: number, end: number): number {
  let m0 = 0
  let m1 = 0
  let m2 = 0
  let m3 = 0
  let k = start
  for (; k + 4 <= end; k += 4) {
    m0 = Math.max(m0, Math.abs(v[k]!))
    m1 = Math.max(m1, Math.abs(v[k + 1]!))
    m2 = Math.max(m2, Math.abs(v[k + 2]!))
    m3 = Math.max(m3, Math.abs(v[k + 3]!))
  }
  for (; k < end; k++) m0 = Math.max(m0, Math.abs(v[k]!))
  return Math.max(Math.max(m0, m1), Math.max(m2, m3))
}

export function uniformQuantize(
  v: Float64Array,
  bits: number,
  levels: Int32Array = new Int32Array(v.length),
): Quantized {
  checkUniformBits(bits)
  if (levels.length !== v.length)
    throw new RangeError(`uniformQuantize: levels buffer ${levels.length} for d = ${v.length}`)
  const L = 2 ** (bits - 1) - 1
  const scale = uniformScale(v)
  if (!(scale > 0)) {
    levels.fill(0)
    return { scale: 0, levels, denominator: L }
  }
  for (let k = 0; k < v.length; k++) {
    const level = Math.round((v[k]! * L) / scale)
    levels[k] = Math.max(-L, Math.min(L, level))
  }
  return { scale, levels, denominator: L }
}

/** out_k = scale * levels_k / denominator. */
export function dequantize(q: Quantized, out: Float64Array = new Float64Array(q.levels.length)): Float64Array {
  if (out.length !== q.levels.length) throw new RangeError(`dequantize: out ${out.length} for d = ${q.levels.length}`)
  const { scale, levels, denominator } = q
  for (let k = 0; k < levels.length; k++) out[k] = (scale * levels[k]!) / denominator
  return out
}

const f32buf = new Float32Array(1)
const u32buf = new Uint32Array(f32buf.buffer)
function nextFloat32Up(x: number): number {
  f32buf[0] = x
  u32buf[0] = u32buf[0]! + 1 // x > 0 here
  return f32buf[0]!
}

/**
 * Pack signed levels in [-maxLevel, maxLevel] into `bits` bits each (offset binary: level + maxLevel), little-endian
 * bit order within the byte stream (bit-pack.ts, a word at a time). bits 1..16. Writes out[0..ceil(d bits / 8)).
 */
export function packLevels(levels: Int32Array, maxLevel: number, bits: number, out?: Uint8Array): Uint8Array {
  if (bits < 1 || bits > 16) throw new RangeError(`packLevels: bits must be 1..16, got ${bits}`)
  if (2 * maxLevel + 1 > 2 ** bits)
    throw new RangeError(`packLevels: ${bits} bits cannot hold levels -${maxLevel}..${maxLevel}`)
  const bytes = Math.ceil((levels.length * bits) / 8)
  const buf = out ?? new Uint8Array(bytes)
  if (buf.length < bytes) throw new RangeError(`packLevels: out has ${buf.length} bytes, need ${bytes}`)
  for (let k = 0; k < levels.length; k++) {
    const level = levels[k]!
    if (level < -maxLevel || level > maxLevel)
      throw new RangeError(`packLevels: level ${level} at ${k} outside -${maxLevel}..${maxLevel}`)
  }
  const words = wordScratch(wordsFor(levels.length, bits))
  for (let start = 0, w = 0; start < levels.length; start += CODE_CHUNK) {
    const n = Math.min(CODE_CHUNK, levels.length - start)
    for (let j = 0; j < n; j++) codeChunk[j] = levels[start + j]! + maxLevel
    w = packCodeWords(codeChunk, n, bits, words, w)
  }
  storeWords(words, buf, 0, bytes, HOST_LITTLE_ENDIAN)
  return buf
}

/** Inverse of packLevels; throws RangeError if a packed value exceeds 2 * maxLevel (a corrupt payload). */
export function unpackLevels(
  bytes: Uint8Array,
  count: number,
  maxLevel: number,
  bits: number,
  out?: Int32Array,
): Int32Array {
  const need = Math.ceil((count * bits) / 8)
  if (bytes.length !== need)
    throw new RangeError(`unpackLevels: ${bytes.length} bytes, expected ${need} for ${count} x ${bits} bits`)
  const levels = out ?? new Int32Array(count)
  if (!wordKernelsFit(maxLevel, bits)) return unpackBytewise(bytes, count, maxLevel, bits, levels)
  const words = loadWords(bytes, wordScratch(Math.ceil(need / 4)), HOST_LITTLE_ENDIAN)
  const status = unpackCodes(words, count, bits, maxLevel, levels)
  if (status !== UNPACK_OK) throwUnpackError(status, words, count, bits, maxLevel)
  return levels
}
