/**
 * `push-diging`'s step: Push-DIGing (Nedic, Olshevsky & Shi 2017; docs/algorithms.md "9. `push-diging`"), gradient
 * tracking over column-stochastic shares, exact on graphs whose links go one way:
 *
 *   u_i <- sum_j P_ij (u_j - eta y_j),   v_i <- sum_j P_ij v_j,   x_i = u_i / v_i,
 *   y_i <- sum_j P_ij y_j + g_i(x_i^+) - g_i(x_i),                u_i^0 = x_i^0, v_i^0 = 1, y_i^0 = g_i(x_i^0)
 *
 * One message [u - eta y; v; y] a round. As in tracking-step.ts, the gradient at the new iterate is taken in the
 * next prepare: y_i^t = (pushed tracker) + g^t - g^(t-1).
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { ratioInto } from './push-sum-step.js'
import { RoundMixer } from './round-mixer.js'
import { stochasticGradient } from './sampling.js'
import { BaseStep } from './step-base.js'

export class PushDigingStep extends BaseStep {
  private readonly mixer: RoundMixer
  private readonly numerator: Float64Array
  private readonly weight = Float64Array.of(1)
  private readonly trackerMix: Float64Array
  private readonly previousGradient: Float64Array
  private readonly message: Float64Array
  private readonly mixed: Float64Array

  constructor(experiment: Experiment, problem: Problem, graph: Graph, index: number) {
    super(experiment, problem, graph, index)
    const d = problem.paramDim
    this.mixer = new RoundMixer(graph, index)
    this.numerator = Float64Array.from(this.params)
    this.trackerMix = new Float64Array(d)
    this.previousGradient = new Float64Array(d)
    this.message = new Float64Array(2 * d + 1)
    this.mixed = new Float64Array(2 * d + 1)
  }

  protected override extraState(): Record<string, Float64Array> {
    return {
      numerator: this.numerator,
      weight: this.weight,
      trackerMix: this.trackerMix,
      previousGradient: this.previousGradient,
    }
  }

  prepare(round: number, receivers?: readonly number[]): Float64Array {
    const d = this.params.length
    const m = this.message
    const share = this.mixer.share(round, receivers)
    stochasticGradient(this.context, this.params, this.gradient)
    for (let k = 0; k < d; k++) {
      const y = this.trackerMix[k]! + this.gradient[k]! - this.previousGradient[k]!
      m[k] = share * (this.numerator[k]! - this.eta * y)
      m[d + 1 + k] = share * y
    }
    m[d] = share * this.weight[0]!
    return m
  }

  combine(round: number, inbox: ReadonlyArray<Float64Array | null>): void {
    const d = this.params.length
    this.mixer.push(this.mixed, round, this.message, inbox)
    this.numerator.set(this.mixed.subarray(0, d))
    this.weight[0] = this.mixed[d]!
    this.trackerMix.set(this.mixed.subarray(d + 1))
    this.previousGradient.set(this.gradient)
    ratioInto(this.params, this.numerator, this.weight[0]!)
  }

  override iterateOf(message: Float64Array, scratch: Float64Array): Float64Array {
    const d = this.params.length
    return ratioInto(scratch, message.subarray(0, d), message[d]!)
  }

  override finalMessage(): Float64Array {
    const d = this.params.length
    const final = new Float64Array(this.messageLength)
    final.set(this.numerator)
    final[d] = this.weight[0]!
    final.set(this.trackerMix, d + 1)
    return final
  }
}
