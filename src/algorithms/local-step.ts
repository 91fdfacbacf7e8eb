/**
 * `local`'s step: local steps, then gossip averaging (Zhang & Li 2022 Algorithm 1; docs/algorithms.md "4. `local`:
 * local steps, then gossip averaging").
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { norm } from '../linalg/kernels.js'
import { type MixingWeights } from '../topology/index.js'
import { gradientStep } from './mixing.js'
import { stochasticGradient } from './sampling.js'
import { BaseStep, type Algorithm } from './step-base.js'

export class LocalStep extends BaseStep {
  private readonly mixing: MixingWeights
  private readonly algorithm: Algorithm<'local'>
  private readonly u: Float64Array
  private readonly full: Float64Array
  private readonly work: Float64Array
  /** Local steps taken in the last round (for metrics). */
  stepsTaken = 0

  constructor(
    experiment: Experiment,
    algorithm: Algorithm<'local'>,
    problem: Problem,
    graph: Graph,
    index: number,
    mixing: MixingWeights,
  ) {
    super(experiment, problem, graph, index)
    this.mixing = mixing
    this.algorithm = algorithm
    this.u = new Float64Array(problem.paramDim)
    this.full = new Float64Array(problem.paramDim)
    this.work = new Float64Array(problem.paramDim)
  }

  /** Local steps from w_i^t; `gradient` keeps the first one's gradient, g_i(w_i^t), for the metrics. */
  prepare(): Float64Array {
    const u = this.u
    u.set(this.params)
    const a = this.algorithm
    const limit = a.local_steps === 'infinity' ? a.max_steps : a.local_steps
    let steps = 0
    for (; steps < limit; steps++) {
      if (a.local_steps === 'infinity') {
        this.context.objective.gradient(u, this.full)
        if (norm(this.full) ** 2 <= a.tol) break
      }
      const g = stochasticGradient(this.context, u, steps === 0 ? this.gradient : this.work)
      gradientStep(u, g, this.eta)
    }
    if (steps === 0) this.gradient.set(this.full) // already below tol: the gradient at w_i^t is the full one
    this.stepsTaken = steps
    return u
  }

  combine(_round: number, received: ReadonlyArray<Float64Array | null>, own?: Float64Array): void {
    this.mixNeighbours(this.spare, this.u, received, own, this.mixing)
    this.swap()
  }
}

/**
 * `allreduce-sgd` (Kalan et al. 2019 Eq. 2.2): send g_i (quantized by the codec in `direct` mode); every peer applies the
 * same averaged step with all n gradients, its own (as sent) included.
 */
