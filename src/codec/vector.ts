/**
 * Vector payloads for every codec of docs/algorithms.md "Compression" (pure, RNG passed in):
 *   f64      8 d bytes, little-endian float64 (lossless)
 *   f32      4 d bytes, little-endian float32 (round to nearest)
 *   qsgd     float32 LE |v|_2, then d signed levels in {-s..s}, bit-packed in ceil(log2(2s + 1)) bits
 *   uniform  float32 LE |v|_inf (rounded up), then d levels in {-L..L}, L = 2^(b-1) - 1, packed in b bits
 * The receiver knows s or b from the experiment; the payload length is checked exactly.
 */
import type { Rng } from '../util/rng.js'
import { storeWords, wordKernelsFit, wordScratch, wordsFor } from './bit-pack.js'
import { HOST_LITTLE_ENDIAN, writeF32, writeF64 } from './floats.js'
import { qsgdPackWords, uniformPackWords, unpackScaled } from './packed.js'
import { bitsForLevels, dequantize, packLevels, qsgdQuantize, unpackLevels } from './quantize.js'
import { decodeFloats, frameFor, WireError, type CodecName, type Envelope } from './wire.js'

export type VectorCodec =
  { codec: 'f64' } | { codec: 'f32' } | { codec: 'qsgd'; levels: number } | { codec: 'uniform'; bits: number }

function packedShape(c: VectorCodec): { maxLevel: number; bits: number } {
  if (c.codec === 'qsgd') return { maxLevel: c.levels, bits: bitsForLevels(c.levels) }
  if (c.codec === 'uniform') return { maxLevel: 2 ** (c.bits - 1) - 1, bits: c.bits }
  throw new RangeError(`packedShape: ${c.codec} is not quantized`)
}

/** Payload bytes of a d-vector under the codec. */
export function vectorPayloadBytes(c: VectorCodec, dim: number): number {
  if (c.codec === 'f64') return 8 * dim
  if (c.codec === 'f32') return 4 * dim
  return 4 + Math.ceil((dim * packedShape(c).bits) / 8)
}

/**
 * The payload of v under the codec. Quantized codecs go through packed.ts (quantize and pack in one pass) and draw
 * from `rng` exactly as qsgdQuantize does. `littleEndian` is the host's byte order; tests pass false.
 */
export function encodeVector(
  c: VectorCodec,
  v: Float64Array,
  rng: Rng | null,
  littleEndian: boolean = HOST_LITTLE_ENDIAN,
): Uint8Array {
  const out = new Uint8Array(vectorPayloadBytes(c, v.length))
  encodeVectorInto(c, v, rng, out, littleEndian)
  return out
}

/**
 * A whole frame carrying v under the codec, the payload encoded straight into it (no payload buffer, no second
 * copy: at d = 100,000 that was an 800 kB allocation, zeroing and copy per round). The same bytes as
 * `encodeFrame(envelope, encodeVector(c, v, rng))`; returns the frame and the payload inside it. A `spare` frame of
 * the same size, no longer held by any socket, is written over (wire.ts frameFor).
 */
export function encodeVectorFrame(
  envelope: Envelope,
  c: VectorCodec,
  v: Float64Array,
  rng: Rng | null,
  spare?: Uint8Array,
): { frame: Uint8Array; payload: Uint8Array } {
  const { frame, payloadAt } = frameFor(envelope, vectorPayloadBytes(c, v.length), spare)
  const payload = frame.subarray(payloadAt)
  encodeVectorInto(c, v, rng, payload, HOST_LITTLE_ENDIAN)
  return { frame, payload }
}

/** Encode v into `out` (exactly its payload length). */
function encodeVectorInto(
  c: VectorCodec,
  v: Float64Array,
  rng: Rng | null,
  out: Uint8Array,
  littleEndian: boolean,
): void {
  switch (c.codec) {
    case 'f64':
      return writeF64(v, out, littleEndian)
    case 'f32':
      return writeF32(v, out, littleEndian)
    case 'qsgd':
    case 'uniform': {
      if (c.codec === 'qsgd' && !rng) throw new RangeError('encodeVector: qsgd needs the peer random stream')
      const { maxLevel, bits } = packedShape(c)
      // more levels than 16 bits hold: quantize (drawing as always), then packLevels refuses the width
      if (c.codec === 'qsgd' && bits > 16) packLevels(qsgdQuantize(v, c.levels, rng!).levels, maxLevel, bits)
      const words = wordScratch(wordsFor(v.length, bits))
      const scale =
        c.codec === 'qsgd' ? qsgdPackWords(v, c.levels, bits, rng!, words) : uniformPackWords(v, c.bits, words)
      new DataView(out.buffer, out.byteOffset, 4).setFloat32(0, scale, true)
      storeWords(words, out, 4, out.length - 4, littleEndian)
    }
  }
}

/** Decode a payload into `out` (length dim); on a rejected quantized payload `out` may be partly overwritten. */
export function decodeVector(
  c: VectorCodec,
  payload: Uint8Array,
  dim: number,
  out?: Float64Array,
  littleEndian: boolean = HOST_LITTLE_ENDIAN,
): Float64Array {
  if (c.codec === 'f64' || c.codec === 'f32') return decodeFloats(c.codec, payload, dim, out, littleEndian)
  out ??= new Float64Array(dim)
  const expected = vectorPayloadBytes(c, dim)
  if (payload.length !== expected)
    throw new WireError(
      'WRONG_LENGTH',
      `${c.codec} payload of ${payload.length} bytes, expected ${expected} for dim ${dim}`,
    )
  const scale = new DataView(payload.buffer, payload.byteOffset, 4).getFloat32(0, true)
  if (!Number.isFinite(scale) || scale < 0) throw new WireError('NON_FINITE', `${c.codec} payload: scale ${scale}`)
  const { maxLevel, bits } = packedShape(c)
  const denominator = c.codec === 'qsgd' ? c.levels : maxLevel
  let levels: Int32Array | null = null
  try {
    // a wrong-sized out: unpack alone first (a corrupt payload is reported as such), then dequantize refuses out;
    // and a shape no codec has (bits above 24, a fractional maxLevel) takes the two-step path as well
    if (out.length !== dim || !wordKernelsFit(maxLevel, bits))
      levels = unpackLevels(payload.subarray(4), dim, maxLevel, bits)
    else unpackScaled(payload.subarray(4), dim, maxLevel, bits, scale, denominator, out, littleEndian)
  } catch (err) {
    throw new WireError('WRONG_LENGTH', `${c.codec} payload: ${(err as Error).message}`)
  }
  return levels ? dequantize({ scale, levels, denominator }, out) : out
}

export function codecName(c: VectorCodec): CodecName {
  return c.codec
}
