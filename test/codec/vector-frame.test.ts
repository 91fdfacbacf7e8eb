/**
 * encodeVectorFrame (the payload encoded straight into the frame) against the two-step oracle
 * encodeFrame(envelope, encodeVector(...)): the same bytes, the payload where decodeBody finds it, and the qsgd
 * random stream left in the same place, for every codec and a range of dimensions.
 */
import { describe, expect, it } from 'vitest'
import {
  decodeBody,
  encodeFrame,
  encodeVector,
  encodeVectorFrame,
  FrameDecoder,
  type Envelope,
  type VectorCodec,
} from '../../src/codec/index.js'
import { Rng } from '../../src/util/rng.js'

const CODECS: VectorCodec[] = [
  { codec: 'f64' },
  { codec: 'f32' },
  { codec: 'qsgd', levels: 16 },
  { codec: 'qsgd', levels: 3 },
  { codec: 'uniform', bits: 3 },
  { codec: 'uniform', bits: 8 },
]

describe('encodeVectorFrame', () => {
  for (const c of CODECS) {
    it(`${JSON.stringify(c)}: the bytes of encodeFrame(encodeVector(...)) and the same random stream after`, () => {
      const data = Rng.derive(5, 0, 'vector-frame')
      for (const d of [1, 7, 100, 1023, 4097, 100_000]) {
        const v = Float64Array.from({ length: d }, () => data.gaussian() * 3)
        const envelope: Envelope = { swarm: 'vf', round: d, from: 2, kind: 'params', codec: c.codec, dim: d }
        const a = Rng.derive(9, d, 'q')
        const b = Rng.derive(9, d, 'q')
        const oneStep = encodeVectorFrame(envelope, c, v, a)
        const twoStep = encodeFrame(envelope, encodeVector(c, v, b))
        expect(Buffer.from(oneStep.frame).equals(Buffer.from(twoStep)), `d = ${d}`).toBe(true)
        expect(a.uniform()).toBe(b.uniform())
        const [body] = [...new FrameDecoder(1 << 24).push(oneStep.frame)]
        const { payload } = decodeBody(body!, { swarm: 'vf', dim: d, maxPeers: 4 })
        expect(Buffer.from(payload).equals(Buffer.from(oneStep.payload))).toBe(true)
      }
    })
  }
})
