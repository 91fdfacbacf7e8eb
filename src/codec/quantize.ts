/**
 * Quantizers of ALGORITHMS.md "Compression of what is sent" (pure, RNG passed in).
 *
 * - `qsgd` (003_... Sec. 2.2): Q_s(v)_k = |v|_2 sgn(v_k) xi_k with r = |v_k| s / |v|_2, h = floor(r) (h = s - 1 when
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

export interface Quantized {
  /** Scale as a float32 value (|v|_2 for qsgd, |v|_inf for uniform). */
  scale: number
  /** Signed integer level per coordinate, in [-maxLevel, maxLevel]. */
  levels: Int32Array
  /** Denominator: the value of coordinate k is scale * levels[k] / denominator. */
  denominator: number
}

const f32 = Math.fround

/** qsgd variance factor omega = min(d / s^2, sqrt(d) / s) (003_... Lemma / Alistarh et al.). */
export function qsgdOmega(d: number, s: number): number {
  return Math.min(d / (s * s), Math.sqrt(d) / s)
}

/** Bits per signed level in {-m..m}: ceil(log2(2m + 1)). */
export function bitsForLevels(maxLevel: number): number {
  return Math.ceil(Math.log2(2 * maxLevel + 1))
}

export function qsgdQuantize(v: Float64Array, s: number, rng: Rng, levels: Int32Array = new Int32Array(v.length)): Quantized {
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`qsgdQuantize: levels s must be a positive integer, got ${s}`)
  if (levels.length !== v.length) throw new RangeError(`qsgdQuantize: levels buffer ${levels.length} for d = ${v.length}`)
  let sq = 0
  for (let k = 0; k < v.length; k++) sq += v[k]! * v[k]!
  const norm = Math.sqrt(sq)
  const scale = f32(norm)
  if (!Number.isFinite(scale)) throw new RangeError(`qsgdQuantize: norm ${norm} does not fit the float32 scale`)
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

export function uniformQuantize(v: Float64Array, bits: number, levels: Int32Array = new Int32Array(v.length)): Quantized {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16) throw new RangeError(`uniformQuantize: bits must be 2..16, got ${bits}`)
  if (levels.length !== v.length) throw new RangeError(`uniformQuantize: levels buffer ${levels.length} for d = ${v.length}`)
  const L = 2 ** (bits - 1) - 1
  let inf = 0
  for (let k = 0; k < v.length; k++) inf = Math.max(inf, Math.abs(v[k]!))
  // The scale is sent as float32; round it up so |v_k| / scale <= 1 and levels stay within [-L, L].
  let scale = f32(inf)
  if (scale < inf) scale = nextFloat32Up(scale)
  if (!Number.isFinite(scale)) throw new RangeError(`uniformQuantize: max-norm ${inf} does not fit the float32 scale`)
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
 * bit order within the byte stream. bits 1..16.
 */
export function packLevels(levels: Int32Array, maxLevel: number, bits: number, out?: Uint8Array): Uint8Array {
  if (bits < 1 || bits > 16) throw new RangeError(`packLevels: bits must be 1..16, got ${bits}`)
  if (2 * maxLevel + 1 > 2 ** bits) throw new RangeError(`packLevels: ${bits} bits cannot hold levels -${maxLevel}..${maxLevel}`)
  const bytes = Math.ceil((levels.length * bits) / 8)
  const buf = out ?? new Uint8Array(bytes)
  if (buf.length < bytes) throw new RangeError(`packLevels: out has ${buf.length} bytes, need ${bytes}`)
  buf.fill(0, 0, bytes)
  let acc = 0
  let accBits = 0
  let pos = 0
  for (let k = 0; k < levels.length; k++) {
    const level = levels[k]!
    if (level < -maxLevel || level > maxLevel || !Number.isInteger(level)) {
      throw new RangeError(`packLevels: level ${level} at ${k} outside -${maxLevel}..${maxLevel}`)
    }
    acc |= (level + maxLevel) << accBits
    accBits += bits
    while (accBits >= 8) {
      buf[pos++] = acc & 0xff
      acc >>>= 8
      accBits -= 8
    }
  }
  if (accBits > 0) buf[pos] = acc & 0xff
  return buf
}

/** Inverse of packLevels; throws RangeError if a packed value exceeds 2 * maxLevel (a corrupt payload). */
export function unpackLevels(bytes: Uint8Array, count: number, maxLevel: number, bits: number, out?: Int32Array): Int32Array {
  const need = Math.ceil((count * bits) / 8)
  if (bytes.length !== need) throw new RangeError(`unpackLevels: ${bytes.length} bytes, expected ${need} for ${count} x ${bits} bits`)
  const levels = out ?? new Int32Array(count)
  const mask = (1 << bits) - 1
  let acc = 0
  let accBits = 0
  let pos = 0
  for (let k = 0; k < count; k++) {
    while (accBits < bits) {
      acc |= bytes[pos++]! << accBits
      accBits += 8
    }
    const raw = acc & mask
    acc >>>= bits
    accBits -= bits
    if (raw > 2 * maxLevel) throw new RangeError(`unpackLevels: value ${raw} at ${k} exceeds ${2 * maxLevel}`)
    levels[k] = raw - maxLevel
  }
  if (acc !== 0) throw new RangeError('unpackLevels: nonzero padding bits')
  return levels
}
