/**
 * The contract of a problem module (docs/problems.md "The module contract"), as TypeScript types for module
 * authors: `import type { CreateProblem } from 'meshgd/problem'`. Types only; meshgd checks a module against them
 * when it loads it (module.ts).
 */

/** What meshgd hands the module's default export besides the experiment's `problem.options`. */
export interface ProblemContext {
  /** Peers in the swarm, n. */
  readonly peers: number
  /** `run.seed`, for any randomness of the module's own (shuffles, a common start). */
  readonly seed: number
  /** The one peer this process computes for (a networked peer), or null when it computes for all (the simulator). */
  readonly peer: number | null
  /** The absolute folder of the module file, for data beside it. */
  readonly dir: string
}

/** A seeded random stream of meshgd's, one per peer (`init`). */
export interface ProblemRng {
  /** Uniform on [0, 1). */
  uniform(): number
  /** Standard normal. */
  gaussian(): number
}

/**
 * The problem a module builds. `batch` holds sample indices of peer i, 0..samples(i)-1, in the order the sampling
 * drew them (a sample drawn twice appears twice); it is every index, in order, for `sampling: full` and for metrics.
 */
export interface ProblemInstance {
  /** The parameter dimension d. */
  readonly dim: number
  /** How many samples peer i holds (an integer, at least 1). */
  samples(i: number): number
  /** Peer i's mean loss over the samples in batch, at w (length d). */
  loss(i: number, w: Float64Array, batch: Int32Array): number
  /** Writes peer i's mean gradient over the samples in batch, at w, into out (length d, overwritten). */
  gradient(i: number, w: Float64Array, batch: Int32Array, out: Float64Array): void
  /** Peer i's starting point (length d); else `run.init`. */
  init?(i: number, rng: ProblemRng): ArrayLike<number>
  /** Extra figures at w for records and the summary, e.g. `{ test_accuracy: 0.97 }`. */
  evaluate?(w: Float64Array): Record<string, number>
  /**
   * Declares peer i's loss quadratic: its Hessian, d x d row-major (the same at every w). With it, `meshgd theory`
   * applies the elastic theory to the module.
   */
  hessian?(i: number): ArrayLike<number>
}

/** The default export of a problem module. */
export type CreateProblem = (options: Record<string, unknown>, context: ProblemContext) => ProblemInstance
