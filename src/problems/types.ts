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

/**
 * Peer i's own objective f_i, as the algorithms and the metrics see it: a built-in loss over a shard, or a problem
 * module's functions (docs/problems.md). Loss and gradient are means over the peer's samples.
 */
export interface Objective {
  /** Samples m_i the peer holds (at least 1). */
  readonly samples: number
  /** f_i(w), the mean loss over all the peer's samples. */
  loss(w: Float64Array): number
  /** out = grad f_i(w) over all the peer's samples; returns out. */
  gradient(w: Float64Array, out: Float64Array): Float64Array
  /** out = scale * sum over s in batch of grad l_s(w) (a sample drawn twice counts twice); returns out. */
  batchGradient(w: Float64Array, batch: Int32Array, scale: number, out: Float64Array): Float64Array
}

/** A problem is built-in data (planted or CSV) with a loss, or an ES module of the user's (docs/problems.md). */
export type Problem = DataProblem | ModuleProblem

export interface DataProblem {
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

/** A problem module, loaded and checked (src/problems/module.ts). */
export interface ModuleProblem {
  readonly loss: 'module'
  /** The module file, for messages. */
  readonly path: string
  readonly peers: number
  readonly paramDim: number
  /** One objective per peer, built when first asked for. */
  objective(i: number): Objective
  /** The module's starting point for peer i, or null where it gives none (then `run.init`). */
  init(i: number): Float64Array | null
  /** The module's extra figures at w (`evaluate`), or null where it has none. */
  readonly evaluate: ((w: Float64Array) => Record<string, number>) | null
  /**
   * A module that declares itself quadratic gives peer i's Hessian (d x d, row-major), so that the elastic theory
   * applies to it; null otherwise.
   */
  readonly hessian: ((i: number) => Float64Array) | null
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
  | {
      kind: 'module'
      path: string
      options: Record<string, unknown>
    }
