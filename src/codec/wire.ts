/**
 * The wire format of `/meshgd/params/1.0.0` (pure).
 *
 *   frame    = uvarint(bodyLength) body                     (unsigned LEB128, as js-libp2p's length prefix)
 *   body     = u16be(envLength) envelope payload
 *   envelope = msgpack map {swarm, round, from, kind, codec, dim[, stop]}
 *   payload  = f64: dim IEEE-754 float64, little-endian (8 dim bytes)
 *              f32: dim IEEE-754 float32, little-endian (4 dim bytes)
 *
 * The envelope never carries the vector (msgpackr would turn a Float64Array into its own extension); the payload is
 * raw bytes after it. floats.ts reads and writes them with bulk copies on a little-endian host, whatever the payload's
 * alignment inside a received chunk, and element by element through a DataView on a big-endian one. Every decoded
 * envelope is `unknown` until `guardEnvelope` accepts it.
 */
import { Packr } from 'msgpackr'
import { isAssembled } from './bodies.js'
import { firstNonFinite, floatAt, HOST_LITTLE_ENDIAN, readFloats, writeF32, writeF64 } from './floats.js'
import { MeshgdError } from '../util/errors.js'

export type MessageKind = 'params' | 'centre' | 'grad' | 'final' | 'hello'
export type CodecName = 'f64' | 'f32' | 'qsgd' | 'uniform'

export interface Envelope {
  swarm: string
  round: number
  from: number
  kind: MessageKind
  codec: CodecName
  dim: number
  /**
   * `params` frames of a run with `run.target` and a reference: the sender's window of "within the target" bits
   * (src/exchange/target-stop.ts), of a size fixed by the experiment
   */
  stop?: Uint8Array
}

export type WireErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'BAD_VARINT'
  | 'TRUNCATED'
  | 'BAD_ENVELOPE'
  | 'WRONG_SWARM'
  | 'WRONG_LENGTH'
  | 'NON_FINITE'
  | 'UNKNOWN_CODEC'
  | 'ROUND_OUT_OF_WINDOW'

/** A frame refused: the peer counts and logs it and goes on (it never reaches the command line). */
export class WireError extends MeshgdError<WireErrorCode> {
  override readonly name = 'WireError'
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true })
const KINDS: readonly MessageKind[] = ['params', 'centre', 'grad', 'final', 'hello']
const CODECS: readonly CodecName[] = ['f64', 'f32', 'qsgd', 'uniform']
/** Allowance for the envelope and its length prefixes, on top of the payload, in the frame cap. */
export const ENVELOPE_ALLOWANCE = 512

export function uvarintLength(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

function writeUvarint(value: number, out: Uint8Array, at: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  out[at++] = value
  return at
}

export function payloadBytes(codec: CodecName, dim: number): number {
  switch (codec) {
    case 'f64':
      return 8 * dim
    case 'f32':
      return 4 * dim
    default:
      throw new WireError('UNKNOWN_CODEC', `no fixed payload size for codec ${codec}`)
  }
}

/**
 * The largest frame body a peer accepts for vectors of dimension `dim` (float64 payload plus the allowance, and the
 * `stop` window's bytes where frames carry one).
 */
export function frameCapForDim(dim: number, stopBytes = 0): number {
  return 8 * dim + ENVELOPE_ALLOWANCE + stopBytes
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const fields = {
    swarm: envelope.swarm,
    round: envelope.round,
    from: envelope.from,
    kind: envelope.kind,
    codec: envelope.codec,
    dim: envelope.dim,
  }
  return packr.pack(envelope.stop ? { ...fields, stop: envelope.stop } : fields)
}

/** A whole frame (prefix + body) holding `envelope` and `payload`. */
export function encodeFrame(envelope: Envelope, payload: Uint8Array): Uint8Array {
  const { frame, payloadAt } = frameFor(envelope, payload.length)
  frame.set(payload, payloadAt)
  return frame
}

/**
 * A frame for `envelope` and a payload of `payloadLength` bytes, all but the payload written; where it goes. A
 * `spare` frame of exactly the size needed (one its sender has finished with) is written over instead of a new one.
 */
export function frameFor(
  envelope: Envelope,
  payloadLength: number,
  spare?: Uint8Array,
): { frame: Uint8Array; payloadAt: number } {
  const env = encodeEnvelope(envelope)
  if (env.length > 0xffff) throw new WireError('BAD_ENVELOPE', `envelope of ${env.length} bytes`)
  const bodyLength = 2 + env.length + payloadLength
  const size = uvarintLength(bodyLength) + bodyLength
  const frame = spare?.length === size ? spare : new Uint8Array(size)
  let at = writeUvarint(bodyLength, frame, 0)
  frame[at++] = env.length >> 8
  frame[at++] = env.length & 0xff
  frame.set(env, at)
  return { frame, payloadAt: at + env.length }
}

/** Bytes on the wire of one frame carrying a float vector of `envelope.dim` under `envelope.codec`. */
export function wireBytesOfVector(envelope: Envelope): number {
  const bodyLength = 2 + encodeEnvelope(envelope).length + payloadBytes(envelope.codec, envelope.dim)
  return uvarintLength(bodyLength) + bodyLength
}

/** v as an f64 payload. `littleEndian` is the host's byte order; tests pass false to run the big-endian path. */
export function encodeF64(v: Float64Array, littleEndian: boolean = HOST_LITTLE_ENDIAN): Uint8Array {
  const out = new Uint8Array(v.length * 8)
  writeF64(v, out, littleEndian)
  return out
}

/** v rounded to float32 (round to nearest) as an f32 payload. */
export function encodeF32(v: Float64Array, littleEndian: boolean = HOST_LITTLE_ENDIAN): Uint8Array {
  const out = new Uint8Array(v.length * 4)
  writeF32(v, out, littleEndian)
  return out
}

/**
 * Decode a float payload into `out` (length dim), rejecting wrong lengths and non-finite values. On a NON_FINITE
 * payload, out[0..index) already holds the values before the offending one and the rest of `out` is untouched.
 * Without `out`, a float64 payload of a body FrameDecoder assembled is returned in place (a view on that body).
 */
export function decodeFloats(
  codec: 'f64' | 'f32',
  payload: Uint8Array,
  dim: number,
  out?: Float64Array,
  littleEndian: boolean = HOST_LITTLE_ENDIAN,
): Float64Array {
  const width = codec === 'f64' ? 8 : 4
  if (payload.length !== width * dim) {
    throw new WireError(
      'WRONG_LENGTH',
      `${codec} payload of ${payload.length} bytes, expected ${width * dim} for dim ${dim}`,
    )
  }
  if (out && out.length !== dim) throw new RangeError(`decodeFloats: out has ${out.length} entries for dim ${dim}`)
  if (!out && width === 8 && littleEndian && readsInPlace(payload)) {
    const inPlace = new Float64Array(payload.buffer, payload.byteOffset, dim)
    const at = firstNonFiniteOf(inPlace)
    if (at >= 0) throw new WireError('NON_FINITE', `${codec} payload: value ${inPlace[at]} at index ${at}`)
    return inPlace
  }
  const bad = firstNonFinite(payload, width, dim)
  out ??= new Float64Array(dim)
  readFloats(payload, width, bad < 0 ? dim : bad, out, littleEndian)
  if (bad >= 0)
    throw new WireError('NON_FINITE', `${codec} payload: value ${floatAt(payload, width, bad)} at index ${bad}`)
  return out
}

/** Whether decodeFloats reads this float64 payload in place (a body FrameDecoder assembled, 8-byte aligned). */
export function readsInPlace(payload: Uint8Array): boolean {
  return HOST_LITTLE_ENDIAN && payload.byteOffset % 8 === 0 && isAssembled(payload.buffer)
}

export interface EnvelopeLimits {
  swarm: string
  dim: number
  maxPeers: number
  roundWindow?: { own: number; behind: number; ahead: number }
  /** the size of the `stop` window a params frame carries (absent or 0: none may) */
  stopBytes?: number
}

/** Accept an untrusted decoded envelope or throw a WireError naming the field. */
export function guardEnvelope(x: unknown, limits: EnvelopeLimits): Envelope {
  if (x === null || typeof x !== 'object' || Array.isArray(x))
    throw new WireError('BAD_ENVELOPE', 'envelope is not a map')
  const e = x as Record<string, unknown>
  const keys = Object.keys(e)
  const stopBytes = limits.stopBytes ?? 0
  const expected = 'stop' in e ? 7 : 6
  if (keys.length !== expected)
    throw new WireError('BAD_ENVELOPE', `envelope has ${keys.length} fields, expected ${expected}`)
  if (
    'stop' in e &&
    (stopBytes === 0 || e.kind !== 'params' || !(e.stop instanceof Uint8Array) || e.stop.length !== stopBytes)
  ) {
    throw new WireError(
      'BAD_ENVELOPE',
      stopBytes === 0
        ? 'envelope.stop where this run has no target window'
        : `envelope.stop is not a params frame's ${stopBytes}-byte window`,
    )
  }
  if (typeof e.swarm !== 'string' || e.swarm.length > 64)
    throw new WireError('BAD_ENVELOPE', 'envelope.swarm is not a short string')
  if (e.swarm !== limits.swarm) throw new WireError('WRONG_SWARM', `envelope.swarm "${e.swarm}" is not this swarm`)
  if (typeof e.round !== 'number' || !Number.isSafeInteger(e.round) || e.round < 0) {
    throw new WireError('BAD_ENVELOPE', 'envelope.round is not a non-negative integer')
  }
  if (typeof e.from !== 'number' || !Number.isInteger(e.from) || e.from < 0 || e.from >= limits.maxPeers) {
    throw new WireError('BAD_ENVELOPE', `envelope.from is not a peer index in 0..${limits.maxPeers - 1}`)
  }
  if (typeof e.kind !== 'string' || !KINDS.includes(e.kind as MessageKind))
    throw new WireError('BAD_ENVELOPE', 'envelope.kind is unknown')
  if (typeof e.codec !== 'string' || !CODECS.includes(e.codec as CodecName))
    throw new WireError('UNKNOWN_CODEC', 'envelope.codec is unknown')
  if (e.dim !== limits.dim) throw new WireError('WRONG_LENGTH', `envelope.dim ${String(e.dim)} is not ${limits.dim}`)
  const w = limits.roundWindow
  if (w && (e.round < w.own - w.behind || e.round > w.own + w.ahead)) {
    throw new WireError(
      'ROUND_OUT_OF_WINDOW',
      `envelope.round ${e.round} outside ${w.own - w.behind}..${w.own + w.ahead}`,
    )
  }
  const envelope: Envelope = {
    swarm: e.swarm,
    round: e.round,
    from: e.from,
    kind: e.kind as MessageKind,
    codec: e.codec as CodecName,
    dim: e.dim,
  }
  // a copy: msgpackr's bin is a view on the body, whose buffer a BodyPool may reuse for a later frame
  if (e.stop instanceof Uint8Array) envelope.stop = e.stop.slice()
  return envelope
}

/** Split a frame body into its guarded envelope and its payload bytes. */
export function decodeBody(body: Uint8Array, limits: EnvelopeLimits): { envelope: Envelope; payload: Uint8Array } {
  if (body.length < 2) throw new WireError('TRUNCATED', `frame body of ${body.length} bytes`)
  const envLength = (body[0]! << 8) | body[1]!
  if (2 + envLength > body.length)
    throw new WireError('TRUNCATED', `envelope of ${envLength} bytes in a ${body.length}-byte body`)
  let raw: unknown
  try {
    raw = packr.unpack(body.subarray(2, 2 + envLength))
  } catch {
    throw new WireError('BAD_ENVELOPE', 'envelope is not valid msgpack')
  }
  return { envelope: guardEnvelope(raw, limits), payload: body.subarray(2 + envLength) }
}

/** Index of the first NaN or infinity in v, or -1 (x - x is 0 for every finite x, NaN otherwise). */
function firstNonFiniteOf(v: Float64Array): number {
  for (let k = 0; k < v.length; k++) if (v[k]! - v[k]! !== 0) return k
  return -1
}
