import { describe, expect, it } from 'vitest'
import {
  decodeBody,
  decodeVector,
  encodeF64,
  encodeFrame,
  encodeVector,
  FrameDecoder,
  vectorPayloadBytes,
  WireError,
  wireBytesOfVector,
  type Envelope,
} from '../../src/codec/index.js'
import { Rng } from '../../src/util/rng.js'
import { thrownBy } from '../helpers/errors.js'

const envelope: Envelope = { swarm: 'demo', round: 7, from: 2, kind: 'params', codec: 'f64', dim: 3 }
const limits = { swarm: 'demo', dim: 3, maxPeers: 4 }

const codeOf = (fn: () => unknown): string => thrownBy(fn, WireError).code

describe('wire format', () => {
  it('lays float64 out little-endian: [1, -2] is 00..f0 3f, 00..00 c0', () => {
    expect(Array.from(encodeF64(Float64Array.from([1, -2])))).toEqual([
      0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0xc0,
    ])
  })

  it('round-trips frames bit-exactly (-0, subnormals, extremes) through a decoder fed one byte at a time', () => {
    const v = Float64Array.from([-0, 5e-324, Number.MAX_VALUE])
    const frame = encodeFrame(envelope, encodeF64(v))
    expect(frame.length).toBe(wireBytesOfVector(envelope))
    const decoder = new FrameDecoder(1000)
    const bodies: Uint8Array[] = []
    for (const byte of frame) for (const body of decoder.push(Uint8Array.of(byte))) bodies.push(body)
    expect(bodies).toHaveLength(1)
    const { envelope: env, payload } = decodeBody(bodies[0]!, limits)
    expect(env).toEqual(envelope)
    const back = decodeVector({ codec: 'f64' }, payload, 3)
    expect(new Uint8Array(back.buffer, back.byteOffset, back.byteLength)).toEqual(new Uint8Array(v.buffer))
  })

  it('carries the run.target window on params frames of the size the run expects, and nowhere else', () => {
    // docs/protocol.md: `stop`, ceil((L + 1) / 8) bytes; a hand-counted frame: the map gains a key (5 bytes) and a bin
    const stop = Uint8Array.of(0b101)
    const frame = encodeFrame({ ...envelope, stop }, encodeF64(Float64Array.of(1, 2, 3)))
    expect(frame.length).toBe(wireBytesOfVector(envelope) + 5 + 2 + 1)
    expect(frame.length).toBe(wireBytesOfVector({ ...envelope, stop }))
    const body = frame.subarray(1)
    const { envelope: back } = decodeBody(body, { ...limits, stopBytes: 1 })
    expect(Array.from(back.stop!)).toEqual([0b101])
    // where the run has no window, or of another size, or on another kind: refused, never taken
    expect(codeOf(() => decodeBody(body, limits))).toBe('BAD_ENVELOPE')
    expect(codeOf(() => decodeBody(body, { ...limits, stopBytes: 2 }))).toBe('BAD_ENVELOPE')
    const hello = encodeFrame({ ...envelope, kind: 'hello', stop }, new Uint8Array(0)).subarray(1)
    expect(codeOf(() => decodeBody(hello, { ...limits, stopBytes: 1 }))).toBe('BAD_ENVELOPE')
    // a frame without it is still fine where the run has one (a final frame, an older peer's frame)
    expect(
      decodeBody(encodeFrame(envelope, encodeF64(Float64Array.of(1, 2, 3))).subarray(1), { ...limits, stopBytes: 1 })
        .envelope.stop,
    ).toBeUndefined()
  })

  it('rejects an oversized length prefix before buffering, and bad envelopes and payloads by code', () => {
    const decoder = new FrameDecoder(100)
    expect(codeOf(() => [...decoder.push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08))])).toBe('FRAME_TOO_LARGE') // 2 GiB
    const body = (e: Record<string, unknown>): Uint8Array => {
      const f = encodeFrame({ ...envelope, ...e } as Envelope, new Uint8Array(24))
      return f.subarray(1)
    }
    expect(codeOf(() => decodeBody(body({ swarm: 'other' }), limits))).toBe('WRONG_SWARM')
    expect(codeOf(() => decodeBody(body({ from: 9 }), limits))).toBe('BAD_ENVELOPE')
    expect(codeOf(() => decodeBody(body({ round: -1 }), limits))).toBe('BAD_ENVELOPE')
    expect(codeOf(() => decodeBody(body({ dim: 4 }), limits))).toBe('WRONG_LENGTH')
    expect(
      codeOf(() => decodeBody(body({ round: 50 }), { ...limits, roundWindow: { own: 7, behind: 2, ahead: 2 } })),
    ).toBe('ROUND_OUT_OF_WINDOW')
    expect(codeOf(() => decodeVector({ codec: 'f64' }, new Uint8Array(23), 3))).toBe('WRONG_LENGTH')
    expect(codeOf(() => decodeVector({ codec: 'f64' }, encodeF64(Float64Array.from([1, NaN, 2])), 3))).toBe(
      'NON_FINITE',
    )
  })

  it('quantized payloads decode to what the sender quantized, with exact lengths', () => {
    const v = Float64Array.from({ length: 37 }, (_, k) => Math.sin(k))
    for (const codec of [{ codec: 'qsgd', levels: 16 }, { codec: 'uniform', bits: 3 }, { codec: 'f32' }] as const) {
      const payload = encodeVector(codec, v, Rng.derive(1, 0, 'q'))
      expect(payload.length).toBe(vectorPayloadBytes(codec, 37))
      const out = decodeVector(codec, payload, 37)
      for (let k = 0; k < 37; k++) expect(Math.abs(out[k]! - v[k]!)).toBeLessThan(codec.codec === 'f32' ? 1e-7 : 1)
      expect(codeOf(() => decodeVector(codec, payload.subarray(1), 37))).toBe('WRONG_LENGTH')
    }
    expect(vectorPayloadBytes({ codec: 'uniform', bits: 3 }, 1024)).toBe(4 + 384)
  })
})
