/**
 * `dsgd`'s step: decentralized parallel SGD (D-PSGD, Lian et al. 2017; docs/algorithms.md "6. `dsgd`: decentralized SGD"):
 * w_i <- sum_j W_ij w_j - eta g_i(w_i), or with `adapt_then_combine` w_i <- sum_j W_ij (w_j - eta g_j(w_j)). W is
 * round t's mixing matrix (Metropolis-Hastings on a fixed undirected graph, where CHOCO difference mode and the
 * robust options apply through BaseStep). With eta 0 it is plain gossip averaging.
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import { metropolisWeights, type MixingWeights } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { gradientStep } from './mixing.js'
import { RoundMixer } from './round-mixer.js'
import { stochasticGradient } from './sampling.js'
import { BaseStep, type Algorithm } from './step-base.js'

export class DsgdStep extends BaseStep {
  private readonly adaptFirst: boolean
  private readonly message: Float64Array
  /** a fixed undirected graph: its Metropolis weights (BaseStep.mixNeighbours); else round by round */
  private readonly fixed: MixingWeights | null
  private readonly mixer: RoundMixer

  constructor(experiment: Experiment, algorithm: Algorithm<'dsgd'>, problem: Problem, graph: Graph, index: number) {
    super(experiment, problem, graph, index)
    this.adaptFirst = algorithm.adapt_then_combine
    this.message = new Float64Array(algorithm.adapt_then_combine ? problem.paramDim : 0)
    this.fixed = graph.dynamics ? null : metropolisWeights(graph)
    this.mixer = new RoundMixer(graph, index)
  }

  prepare(): Float64Array {
    stochasticGradient(this.context, this.params, this.gradient)
    if (!this.adaptFirst) return this.params
    for (let k = 0; k < this.message.length; k++) this.message[k] = this.params[k]! - this.eta * this.gradient[k]!
    return this.message
  }

  combine(round: number, inbox: ReadonlyArray<Float64Array | null>, own?: Float64Array): void {
    const sent = this.adaptFirst ? this.message : this.params
    if (this.fixed) this.mixNeighbours(this.spare, sent, inbox, own, this.fixed)
    else this.mixer.mix(this.spare, round, sent, inbox)
    if (!this.adaptFirst) gradientStep(this.spare, this.gradient, this.eta)
    this.swap()
  }
}
