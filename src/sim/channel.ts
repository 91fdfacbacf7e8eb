/**
 * What the simulator does to a message between two peers: the real encoder and decoder of src/codec, so
 * compression changes values exactly as on the network, and bytes are counted as encoded frames.
 */
import { decodeVector, encodeFrame, encodeVector } from '../codec/index.js'
import { applyDifference, differenceScale, vectorCodecOf } from '../exchange/codec-choice.js'
import { isDifferenceMode, type Experiment } from '../config/schema.js'
import { Rng } from '../util/rng.js'

export type Channel = (round: number, from: number, v: Float64Array) => { decoded: Float64Array; bytes: number }

/**
 * A channel for lossy codecs (null for float64 direct, which the engine passes through untouched); `extra` is what
 * the envelope carries besides (the target window: its size counts in the bytes).
 */
export function createChannel(
  experiment: Experiment,
  peers: number,
  dim: number,
  extra: { stop?: Uint8Array } = {},
): Channel | null {
  const codec = vectorCodecOf(experiment)
  const c = experiment.compression
  const difference = isDifferenceMode(c)
  if (codec.codec === 'f64') return null
  const rngs = Array.from({ length: peers }, (_, i) => Rng.derive(experiment.run.seed, i, 'quantize'))
  const decoded = Array.from({ length: peers }, () => new Float64Array(dim))
  if (difference) {
    const copies = Array.from({ length: peers }, () => new Float64Array(dim))
    const delta = new Float64Array(dim)
    const scale = differenceScale(codec, dim)
    return (round, from, v) => {
      const copy = copies[from]!
      for (let k = 0; k < dim; k++) delta[k] = v[k]! - copy[k]!
      const payload = encodeVector(codec, delta, rngs[from]!)
      const frame = encodeFrame(
        { swarm: experiment.swarm.id, round, from, kind: 'params', codec: codec.codec, dim, ...extra },
        payload,
      )
      applyDifference(copy, decodeVector(codec, payload, dim, decoded[from]!), scale)
      return { decoded: copy, bytes: frame.length }
    }
  }
  return (round, from, v) => {
    const payload = encodeVector(codec, v, rngs[from]!)
    const frame = encodeFrame(
      { swarm: experiment.swarm.id, round, from, kind: 'params', codec: codec.codec, dim, ...extra },
      payload,
    )
    return { decoded: decodeVector(codec, payload, dim, decoded[from]!), bytes: frame.length }
  }
}
