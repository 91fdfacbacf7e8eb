/**
 * A float64 frame that FrameDecoder assembles from several chunks is read in place (one copy on its way in): its
 * payload is 8-byte aligned in a buffer of its own, decodeFloats returns a view on it with the sender's values bit
 * for bit, and a payload the decoder did not assemble, or one with a NaN, is still copied or refused as before.
 */
import { describe, expect, it } from 'vitest'
import {
  decodeBody,
  decodeFloats,
  encodeVectorFrame,
  FrameDecoder,
  WireError,
  type Envelope,
} from '../../src/codec/index.js'

const envelope = (round: number, dim: number): Envelope => ({
  swarm: 'inplace',
  round,
  from: 3,
  kind: 'params',
  codec: 'f64',
  dim,
})

function frameOf(round: number, v: Float64Array): Uint8Array {
  return encodeVectorFrame(envelope(round, v.length), { codec: 'f64' }, v, null).frame
}

describe('float64 frames read in place', () => {
  it('assembled bodies: aligned view, same bits, for envelopes of every length mod 8', () => {
    const dim = 1000
    for (let round = 0; round < 300_000; round = 2 * round + 1) {
      // rounds of growing size change the envelope's length (msgpack ints of 1 to 5 bytes)
      const v = Float64Array.from({ length: dim }, (_, k) => Math.sin(k + round) * 1e-3)
      const frame = frameOf(round, v)
      const decoder = new FrameDecoder(1 << 24)
      const bodies = [
        ...decoder.push(frame.subarray(0, 7)),
        ...decoder.push(frame.subarray(7, 5000)),
        ...decoder.push(frame.subarray(5000)),
      ]
      expect(bodies).toHaveLength(1)
      const { payload } = decodeBody(bodies[0]!, { swarm: 'inplace', dim, maxPeers: 8 })
      const w = decodeFloats('f64', payload, dim)
      expect(w.buffer).toBe(bodies[0]!.buffer)
      expect(w.byteOffset % 8).toBe(0)
      expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(v.buffer))).toBe(true)
    }
  })

  it('a body inside one chunk is copied; with out given, the values go to out; a NaN is refused', () => {
    const dim = 64
    const v = Float64Array.from({ length: dim }, (_, k) => k / 7)
    const frame = frameOf(5, v)
    const [body] = [...new FrameDecoder(1 << 20).push(frame)]
    const { payload } = decodeBody(body!, { swarm: 'inplace', dim, maxPeers: 8 })
    const copied = decodeFloats('f64', payload, dim)
    expect(copied.buffer).not.toBe(frame.buffer)
    expect([...copied]).toEqual([...v])
    const out = new Float64Array(dim)
    expect(decodeFloats('f64', payload, dim, out)).toBe(out)
    v[9] = Number.NaN
    const bad = frameOf(6, v)
    const decoder = new FrameDecoder(1 << 20)
    const bodies = [...decoder.push(bad.subarray(0, 100)), ...decoder.push(bad.subarray(100))]
    const { payload: badPayload } = decodeBody(bodies[0]!, { swarm: 'inplace', dim, maxPeers: 8 })
    expect(() => decodeFloats('f64', badPayload, dim)).toThrow(WireError)
  })
})
