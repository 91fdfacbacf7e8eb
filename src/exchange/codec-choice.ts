/**
 * What the simulator and the peer share about messages: the codec an experiment's compression section means, and
 * CHOCO difference mode's public copies, updated in one fixed order on both sides so their bits agree.
 */
import { qsgdOmega, type VectorCodec } from '../codec/index.js'
import type { Experiment } from '../config/schema.js'

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

/**
 * CHOCO difference mode (docs/algorithms.md "`mode: difference` (CHOCO-gossip)"): peer `from` sends q = C(v - c_from) and everyone, itself included, adds
 * q (qsgd scaled by 1 / (1 + omega), so the compressor is contractive) to the public copy c_from. Every copy of c_from
 * receives the same bits, so the simulator keeps one per peer; what a neighbour (and the peer's own coupling
 * term) sees is c_from.
 */
export interface DifferenceState {
  /** public copy per peer */
  readonly copies: Float64Array[]
}

export function differenceScale(codec: VectorCodec, dim: number): number {
  return codec.codec === 'qsgd' ? 1 / (1 + qsgdOmega(dim, codec.levels)) : 1
}

/** Apply a decoded difference to a public copy: copy += scale * q (one fixed order, shared with the network). */
export function applyDifference(copy: Float64Array, q: Float64Array, scale: number): void {
  for (let k = 0; k < copy.length; k++) copy[k] = copy[k]! + scale * q[k]!
}

/**
 * A peer's round in difference mode: each neighbour's received difference added to that neighbour's public copy;
 * the copies (null where nothing came) are what the round combines.
 */
export function intoPublicCopies(
  received: ReadonlyArray<Float64Array | null>,
  copies: readonly Float64Array[],
  scale: number,
): Array<Float64Array | null> {
  return received.map((q, k) => {
    if (!q) return null
    applyDifference(copies[k]!, q, scale)
    return copies[k]!
  })
}
