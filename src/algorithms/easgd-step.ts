/**
 * `easgd`'s step: elastic averaging without a server (Boffi & Slotine 2020 Eqs. 5-6; docs/algorithms.md "3. `easgd`:
 * elastic averaging without a server").
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { type MixingWeights } from '../topology/index.js'
import { easgdLocalUpdate, easgdMessage } from './mixing.js'
import { stochasticGradient } from './sampling.js'
import { BaseStep, type Algorithm } from './step-base.js'

export class EasgdStep extends BaseStep {
  private readonly mixing: MixingWeights
  private readonly alpha: number
  private readonly beta: number
  private readonly period: number
  centre: Float64Array
  private centreSpare: Float64Array
  private readonly message: Float64Array

  constructor(
    experiment: Experiment,
    algorithm: Algorithm<'easgd'>,
    problem: Problem,
    graph: Graph,
    index: number,
    mixing: MixingWeights,
  ) {
    super(experiment, problem, graph, index)
    this.mixing = mixing
    this.alpha = algorithm.alpha
    this.beta = algorithm.beta ?? Math.min(0.9, graph.n * algorithm.alpha)
    this.period = algorithm.period
    this.centre = Float64Array.from(this.params) // c_i^0 = x_i^0
    this.centreSpare = new Float64Array(problem.paramDim)
    this.message = new Float64Array(problem.paramDim)
  }

  protected override extraState(): Record<string, Float64Array> {
    return { centre: this.centre }
  }

  private communicates(round: number): boolean {
    return round % this.period === 0
  }

  prepare(round: number): Float64Array | null {
    stochasticGradient(this.context, this.params, this.gradient)
    if (!this.communicates(round)) return null
    return easgdMessage(this.message, this.params, this.centre, this.beta)
  }

  combine(round: number, received: ReadonlyArray<Float64Array | null>, own?: Float64Array): void {
    if (!this.communicates(round)) {
      easgdLocalUpdate(this.spare, this.params, this.gradient, this.centre, this.eta, 0)
      this.swap()
      return
    }
    easgdLocalUpdate(this.spare, this.params, this.gradient, this.centre, this.eta, this.alpha)
    this.mixNeighbours(this.centreSpare, this.message, received, own, this.mixing)
    const old = this.centre
    this.centre = this.centreSpare
    this.centreSpare = old
    this.swap()
  }
}

/**
 * `local` (Zhang & Li 2022 Algorithm 1, neighbour-only): T local steps (or, with T = infinity, until |grad l_i(u)|^2 <= tol,
 * at most max_steps), then w_i = sum W_ij u_j.
 */
