/** Shapes shared by losses, data generators, the simulator and the peer runtime (pure types). */

export type LossKind = 'squared' | 'relu' | 'logistic' | 'softmax' | 'quartic'

/**
 * One peer's samples S_i: `rows` x `dim` features, row-major, and one target per row (a class index 0..K-1 for
 * softmax, 0/1 for logistic, a real number otherwise).
 */
export interface Shard {
  readonly rows: number
  readonly dim: number
  readonly features: Float64Array
  readonly targets: Float64Array
  /** Row numbers in the source (CSV line order or generator order), for error messages and sharding checks. */
  readonly sourceRows: readonly number[]
}

export interface Problem {
  readonly loss: LossKind
  /** Feature dimension d. */
  readonly dim: number
  /** Number of classes K for softmax, 1 otherwise. */
  readonly classes: number
  /** Length of a parameter vector: dim * classes (softmax weights are d x K, flattened row-major). */
  readonly paramDim: number
  /** One shard per peer, index = peer index. */
  readonly shards: readonly Shard[]
  /** The planted parameter w*, when the data was generated from one. */
  readonly planted: Float64Array | null
}

/** The `problem:` section of an experiment, after defaults (src/config fills them). */
export type ProblemSpec =
  | {
      kind: 'planted'
      loss: LossKind
      dim: number
      samples_per_peer: number
      seed: number
      noise: number
      classes: number
      feature_scale: 'unit-norm' | 'standard'
    }
  | {
      kind: 'csv'
      path: string
      loss: LossKind
      target: string | number
      header: boolean
      shard: 'contiguous' | 'round-robin'
      delimiter: string
      classes: number
    }
