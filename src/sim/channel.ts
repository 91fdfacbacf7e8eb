/**
 * What the simulator does to a message between two peers: the real encoder and decoder of src/codec, so
 * compression changes values exactly as on the network, and bytes are counted as encoded frames.
 */
import { decodeVector, encodeFrame, encodeVector, type VectorCodec } from '../codec/index.js'
import type { Experiment } from '../config/schema.js'
import { Rng } from '../util/rng.js'

export type Channel = (round: number, from: number, v: Float64Array) => { decoded: Float64Array; bytes: number }

export function vectorCodecOf(experiment: Experiment): VectorCodec {
  const c = experiment.compression
  switch (c.kind) {
    case 'none':
      return { codec: 'f64' }
    case 'float32':
      return { codec: 'f32' }
    case 'qsgd':
      return { codec: 'qsgd', levels: c.levels }
    case 'uniform':
      return { codec: 'uniform', bits: c.bits }
  }
}

/** A channel for lossy codecs (null for float64, which the engine passes through untouched). */
export function createChannel(experiment: Experiment, peers: number, dim: number): Channel | null {
  const codec = vectorCodecOf(experiment)
  if (codec.codec === 'f64') return null
  const rngs = Array.from({ length: peers }, (_, i) => Rng.derive(experiment.run.seed, i, 'quantize'))
  const decoded = Array.from({ length: peers }, () => new Float64Array(dim))
  return (round, from, v) => {
    const payload = encodeVector(codec, v, rngs[from]!)
    const frame = encodeFrame({ swarm: experiment.swarm.id, round, from, kind: 'params', codec: codec.codec, dim }, payload)
    return { decoded: decodeVector(codec, payload, dim, decoded[from]!), bytes: frame.length }
  }
}
