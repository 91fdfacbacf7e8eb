/**
 * `elastic`'s step: the graph elastic penalty update, Mitra 2018 Eq. 14 (docs/algorithms.md "1. `elastic`: graph
 * elastic penalty").
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { elasticUpdate } from './elastic.js'
import { BaseStep, present, type Algorithm } from './step-base.js'

export class ElasticStep extends BaseStep {
  private readonly weights: readonly number[]
  private readonly mu: number
  private readonly steps: number
  private readonly u: Float64Array
  private base: Float64Array

  constructor(experiment: Experiment, algorithm: Algorithm<'elastic'>, problem: Problem, graph: Graph, index: number) {
    super(experiment, problem, graph, index)
    this.weights = graph.weights[index]!
    this.mu = algorithm.mu
    this.steps = algorithm.local_steps
    this.u = new Float64Array(algorithm.local_steps > 1 ? problem.paramDim : 0)
    this.base = this.params
  }

  prepare(): Float64Array {
    this.base = this.localSteps(this.u, this.steps)
    return this.base
  }

  combine(_round: number, inbox: ReadonlyArray<Float64Array | null>, own?: Float64Array): void {
    const self = this.selfFor(this.base, own)
    const { vectors, weights } = present(this.screen(inbox, self), this.weights)
    elasticUpdate(this.spare, this.base, this.gradient, vectors, weights, { eta: this.eta, mu: this.mu }, self)
    this.swap()
  }
}

/** `quorum` (Boffi & Slotine 2020 Eq. 7, neighbour-only quorum z_i = sum W_ij w_j), with an optional k schedule. */
