/**
 * `gradient-tracking`'s step: DIGing (Nedic, Olshevsky & Shi 2017; docs/algorithms.md "7. `gradient-tracking`"):
 *
 *   w_i <- sum_j W_ij w_j - eta y_i,    y_i <- sum_j W_ij y_j + g_i(w_i^+) - g_i(w_i),    y_i^0 = g_i(w_i^0)
 *
 * w and y travel in one message [w; y]. The gradient at the new w is taken in the next round's prepare, so the
 * state between rounds is w, the mixed tracker sum_j W_ij y_j and the last gradient; y_i^t = mixed + g^t - g^(t-1).
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { RoundMixer } from './round-mixer.js'
import { stochasticGradient } from './sampling.js'
import { BaseStep } from './step-base.js'

export class TrackingStep extends BaseStep {
  private readonly mixer: RoundMixer
  /** [w; y] of this round */
  private readonly message: Float64Array
  private readonly mixed: Float64Array
  /** sum_j W_ij y_j of the last round (0 before the first) */
  private readonly trackerMix: Float64Array
  /** the gradient of the last round (0 before the first) */
  private readonly previousGradient: Float64Array

  constructor(experiment: Experiment, problem: Problem, graph: Graph, index: number) {
    super(experiment, problem, graph, index)
    const d = problem.paramDim
    this.mixer = new RoundMixer(graph, index)
    this.message = new Float64Array(2 * d)
    this.mixed = new Float64Array(2 * d)
    this.trackerMix = new Float64Array(d)
    this.previousGradient = new Float64Array(d)
  }

  protected override extraState(): Record<string, Float64Array> {
    return { trackerMix: this.trackerMix, previousGradient: this.previousGradient }
  }

  prepare(): Float64Array {
    const d = this.params.length
    stochasticGradient(this.context, this.params, this.gradient)
    this.message.set(this.params)
    for (let k = 0; k < d; k++)
      this.message[d + k] = this.trackerMix[k]! + this.gradient[k]! - this.previousGradient[k]!
    return this.message
  }

  combine(round: number, inbox: ReadonlyArray<Float64Array | null>): void {
    const d = this.params.length
    this.mixer.mix(this.mixed, round, this.message, inbox)
    for (let k = 0; k < d; k++) this.spare[k] = this.mixed[k]! - this.eta * this.message[d + k]!
    this.trackerMix.set(this.mixed.subarray(d))
    this.previousGradient.set(this.gradient)
    this.swap()
  }

  override iterateOf(message: Float64Array): Float64Array {
    return message.subarray(0, this.params.length)
  }

  override finalMessage(): Float64Array {
    const final = new Float64Array(this.messageLength)
    final.set(this.params)
    final.set(this.trackerMix, this.params.length)
    return final
  }
}
