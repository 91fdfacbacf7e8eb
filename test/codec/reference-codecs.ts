/**
 * The element-wise codecs as they were before the fast paths (src/codec at commit 9fd8b4d, copied, not imported): the
 * oracle test/codec/fast-paths.test.ts holds the fast paths to, bit for bit, in what they produce, what they reject
 * and with which error.
 */
import { WireError } from '../../src/codec/wire.js'
import type { VectorCodec } from '../../src/codec/vector.js'
import type { Rng } from '../../src/util/rng.js'

const f32 = Math.fround

export function encodeF64Ref(v: Float64Array): Uint8Array {
  const out = new Uint8Array(v.length * 8)
  const view = new DataView(out.buffer)
  for (let k = 0; k < v.length; k++) view.setFloat64(8 * k, v[k]!, true)
  return out
}

export function encodeF32Ref(v: Float64Array): Uint8Array {
  const out = new Uint8Array(v.length * 4)
  const view = new DataView(out.buffer)
  for (let k = 0; k < v.length; k++) view.setFloat32(4 * k, v[k]!, true)
  return out
}

export function decodeFloatsRef(
  codec: 'f64' | 'f32',
  payload: Uint8Array,
  dim: number,
  out: Float64Array = new Float64Array(dim),
): Float64Array {
  const width = codec === 'f64' ? 8 : 4
  if (payload.length !== width * dim) {
    throw new WireError(
      'WRONG_LENGTH',
      `${codec} payload of ${payload.length} bytes, expected ${width * dim} for dim ${dim}`,
    )
  }
  if (out.length !== dim) throw new RangeError(`decodeFloats: out has ${out.length} entries for dim ${dim}`)
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length)
  for (let k = 0; k < dim; k++) {
    const x = codec === 'f64' ? view.getFloat64(8 * k, true) : view.getFloat32(4 * k, true)
    if (!Number.isFinite(x)) throw new WireError('NON_FINITE', `${codec} payload: value ${x} at index ${k}`)
    out[k] = x
  }
  return out
}

interface QuantizedRef {
  scale: number
  levels: Int32Array
  denominator: number
}

export function qsgdQuantizeRef(v: Float64Array, s: number, rng: Rng): QuantizedRef {
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`qsgdQuantize: levels s must be a positive integer, got ${s}`)
  const levels = new Int32Array(v.length)
  let sq = 0
  for (let k = 0; k < v.length; k++) sq += v[k]! * v[k]!
  const norm = Math.sqrt(sq)
  const scale = f32(norm)
  if (!Number.isFinite(scale)) throw new RangeError(`qsgdQuantize: norm ${norm} does not fit the float32 scale`)
  if (!(norm > 0) || !(scale > 0)) return { scale: 0, levels, denominator: s }
  for (let k = 0; k < v.length; k++) {
    const a = Math.abs(v[k]!)
    const r = Math.min(s, (a * s) / norm)
    let h = Math.floor(r)
    if (h === s) h = s - 1
    const u = rng.uniform()
    const level = u < r - h ? h + 1 : h
    levels[k] = v[k]! < 0 ? -level : level
  }
  return { scale, levels, denominator: s }
}

export function uniformQuantizeRef(v: Float64Array, bits: number): QuantizedRef {
  if (!Number.isInteger(bits) || bits < 2 || bits > 16)
    throw new RangeError(`uniformQuantize: bits must be 2..16, got ${bits}`)
  const levels = new Int32Array(v.length)
  const L = 2 ** (bits - 1) - 1
  let inf = 0
  for (let k = 0; k < v.length; k++) inf = Math.max(inf, Math.abs(v[k]!))
  let scale = f32(inf)
  if (scale < inf) scale = nextFloat32Up(scale)
  if (!Number.isFinite(scale)) throw new RangeError(`uniformQuantize: max-norm ${inf} does not fit the float32 scale`)
  if (!(scale > 0)) return { scale: 0, levels, denominator: L }
  for (let k = 0; k < v.length; k++) {
    const level = Math.round((v[k]! * L) / scale)
    levels[k] = Math.max(-L, Math.min(L, level))
  }
  return { scale, levels, denominator: L }
}

function nextFloat32Up(x: number): number {
  const f = new Float32Array([x])
  const u = new Uint32Array(f.buffer)
  u[0] = u[0]! + 1
  return f[0]!
}

export function dequantizeRef(q: QuantizedRef, out: Float64Array = new Float64Array(q.levels.length)): Float64Array {
  if (out.length !== q.levels.length) throw new RangeError(`dequantize: out ${out.length} for d = ${q.levels.length}`)
  for (let k = 0; k < q.levels.length; k++) out[k] = (q.scale * q.levels[k]!) / q.denominator
  return out
}

export function packLevelsRef(levels: Int32Array, maxLevel: number, bits: number): Uint8Array {
  if (bits < 1 || bits > 16) throw new RangeError(`packLevels: bits must be 1..16, got ${bits}`)
  if (2 * maxLevel + 1 > 2 ** bits)
    throw new RangeError(`packLevels: ${bits} bits cannot hold levels -${maxLevel}..${maxLevel}`)
  const buf = new Uint8Array(Math.ceil((levels.length * bits) / 8))
  let acc = 0
  let accBits = 0
  let pos = 0
  for (let k = 0; k < levels.length; k++) {
    const level = levels[k]!
    if (level < -maxLevel || level > maxLevel)
      throw new RangeError(`packLevels: level ${level} at ${k} outside -${maxLevel}..${maxLevel}`)
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

export function unpackLevelsRef(bytes: Uint8Array, count: number, maxLevel: number, bits: number): Int32Array {
  const need = Math.ceil((count * bits) / 8)
  if (bytes.length !== need)
    throw new RangeError(`unpackLevels: ${bytes.length} bytes, expected ${need} for ${count} x ${bits} bits`)
  const levels = new Int32Array(count)
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

function shapeRef(c: VectorCodec): { maxLevel: number; bits: number } {
  if (c.codec === 'qsgd') return { maxLevel: c.levels, bits: Math.ceil(Math.log2(2 * c.levels + 1)) }
  if (c.codec === 'uniform') return { maxLevel: 2 ** (c.bits - 1) - 1, bits: c.bits }
  throw new RangeError(`packedShape: ${c.codec} is not quantized`)
}

function payloadBytesRef(c: VectorCodec, dim: number): number {
  if (c.codec === 'f64') return 8 * dim
  if (c.codec === 'f32') return 4 * dim
  return 4 + Math.ceil((dim * shapeRef(c).bits) / 8)
}

export function encodeVectorRef(c: VectorCodec, v: Float64Array, rng: Rng | null): Uint8Array {
  if (c.codec === 'f64') return encodeF64Ref(v)
  if (c.codec === 'f32') return encodeF32Ref(v)
  if (c.codec === 'qsgd' && !rng) throw new RangeError('encodeVector: qsgd needs the peer random stream')
  const q = c.codec === 'qsgd' ? qsgdQuantizeRef(v, c.levels, rng!) : uniformQuantizeRef(v, c.bits)
  const { maxLevel, bits } = shapeRef(c)
  const out = new Uint8Array(payloadBytesRef(c, v.length))
  new DataView(out.buffer).setFloat32(0, q.scale, true)
  out.set(packLevelsRef(q.levels, maxLevel, bits), 4)
  return out
}

export function decodeVectorRef(
  c: VectorCodec,
  payload: Uint8Array,
  dim: number,
  out: Float64Array = new Float64Array(dim),
): Float64Array {
  if (c.codec === 'f64' || c.codec === 'f32') return decodeFloatsRef(c.codec, payload, dim, out)
  const expected = payloadBytesRef(c, dim)
  if (payload.length !== expected)
    throw new WireError(
      'WRONG_LENGTH',
      `${c.codec} payload of ${payload.length} bytes, expected ${expected} for dim ${dim}`,
    )
  const scale = new DataView(payload.buffer, payload.byteOffset, 4).getFloat32(0, true)
  if (!Number.isFinite(scale) || scale < 0) throw new WireError('NON_FINITE', `${c.codec} payload: scale ${scale}`)
  const { maxLevel, bits } = shapeRef(c)
  let levels: Int32Array
  try {
    levels = unpackLevelsRef(payload.subarray(4), dim, maxLevel, bits)
  } catch (err) {
    throw new WireError('WRONG_LENGTH', `${c.codec} payload: ${(err as Error).message}`)
  }
  return dequantizeRef({ scale, levels, denominator: c.codec === 'qsgd' ? c.levels : maxLevel }, out)
}
