/**
 * `push-sum`'s step: stochastic gradient push (SGP, Assran et al. 2019; docs/algorithms.md "8. `push-sum`"), for
 * graphs whose links go one way. Each peer holds a numerator x_i and a weight s_i (x_i^0 = w_i^0, s_i^0 = 1); its
 * iterate is the de-biased ratio z_i = x_i / s_i. A round: the gradient at z_i, the local step x_i - eta g_i(z_i),
 * then [x_i - eta g; s_i] pushed with column-stochastic shares (src/topology/round-weights.ts), each message scaled
 * by its sender's share P_ji = 1 / (1 + receivers), so that a peer can leave out a receiver it knows is down:
 *
 *   x_i <- sum_j P_ij (x_j - eta g_j(z_j)),    s_i <- sum_j P_ij s_j,    z_i = x_i / s_i
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { RoundMixer } from './round-mixer.js'
import { stochasticGradient } from './sampling.js'
import { BaseStep } from './step-base.js'

export class PushSumStep extends BaseStep {
  private readonly mixer: RoundMixer
  private readonly numerator: Float64Array
  private readonly weight = Float64Array.of(1)
  /** [x - eta g; s] of this round */
  private readonly message: Float64Array
  private readonly mixed: Float64Array

  constructor(experiment: Experiment, problem: Problem, graph: Graph, index: number) {
    super(experiment, problem, graph, index)
    const d = problem.paramDim
    this.mixer = new RoundMixer(graph, index)
    this.numerator = Float64Array.from(this.params)
    this.message = new Float64Array(d + 1)
    this.mixed = new Float64Array(d + 1)
  }

  protected override extraState(): Record<string, Float64Array> {
    return { numerator: this.numerator, weight: this.weight }
  }

  prepare(round: number, receivers?: readonly number[]): Float64Array {
    const d = this.params.length
    const share = this.mixer.share(round, receivers)
    stochasticGradient(this.context, this.params, this.gradient)
    for (let k = 0; k < d; k++) this.message[k] = share * (this.numerator[k]! - this.eta * this.gradient[k]!)
    this.message[d] = share * this.weight[0]!
    return this.message
  }

  combine(round: number, inbox: ReadonlyArray<Float64Array | null>): void {
    const d = this.params.length
    this.mixer.push(this.mixed, round, this.message, inbox)
    this.numerator.set(this.mixed.subarray(0, d))
    this.weight[0] = this.mixed[d]!
    ratioInto(this.params, this.numerator, this.weight[0]!)
  }

  override iterateOf(message: Float64Array, scratch: Float64Array): Float64Array {
    const d = this.params.length
    return ratioInto(scratch, message.subarray(0, d), message[d]!)
  }

  override finalMessage(): Float64Array {
    const final = new Float64Array(this.messageLength)
    final.set(this.numerator)
    final[this.params.length] = this.weight[0]!
    return final
  }
}

/** out = x / s. */
export function ratioInto(out: Float64Array, x: Float64Array, s: number): Float64Array {
  for (let k = 0; k < out.length; k++) out[k] = x[k]! / s
  return out
}
