/**
 * `allreduce-sgd`'s step: quantized gradient averaging over the complete graph (Kalan et al. 2019; docs/algorithms.md
 * "5. `allreduce-sgd`: quantized gradient averaging").
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { averagedStep } from './mixing.js'
import { stochasticGradient } from './sampling.js'
import { AlgorithmError, BaseStep } from './step-base.js'

export class AllreduceStep extends BaseStep {
  private readonly n: number
  private readonly all: Float64Array[]

  constructor(experiment: Experiment, problem: Problem, graph: Graph, index: number) {
    super(experiment, problem, graph, index)
    this.n = graph.n
    this.all = new Array<Float64Array>(graph.n)
  }

  prepare(): Float64Array {
    return stochasticGradient(this.context, this.params, this.gradient)
  }

  combine(_round: number, received: ReadonlyArray<Float64Array | null>, own?: Float64Array): void {
    const inbox = this.screen(received, null)
    const ns = this.neighbourIndices
    this.all[this.index] = own ?? this.gradient
    for (let k = 0; k < ns.length; k++) {
      const g = inbox[k]
      if (!g)
        throw new AlgorithmError(
          'MISSING_GRADIENT',
          `allreduce-sgd: peer ${this.index} has no round gradient from peer ${ns[k]}`,
        )
      this.all[ns[k]!] = g
    }
    averagedStep(this.spare, this.params, this.all.slice(0, this.n), this.eta)
    this.swap()
  }
}
