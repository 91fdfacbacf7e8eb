/**
 * `quorum`'s step: quorum-sensing coupling (Boffi & Slotine 2020 Eq. 7; docs/algorithms.md "2. `quorum`:
 * quorum-sensing coupling"), and the coupling schedule `couplingAt`.
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { type MixingWeights } from '../topology/index.js'
import { mixInto, quorumUpdate } from './mixing.js'
import { BaseStep, presentMixing, type Algorithm } from './step-base.js'

export class QuorumStep extends BaseStep {
  private readonly mixing: MixingWeights
  private readonly algorithm: Algorithm<'quorum'>
  private readonly z: Float64Array
  private readonly u: Float64Array
  private base: Float64Array

  constructor(
    experiment: Experiment,
    algorithm: Algorithm<'quorum'>,
    problem: Problem,
    graph: Graph,
    index: number,
    mixing: MixingWeights,
  ) {
    super(experiment, problem, graph, index)
    this.mixing = mixing
    this.algorithm = algorithm
    this.z = new Float64Array(problem.paramDim)
    this.u = new Float64Array(algorithm.local_steps > 1 ? problem.paramDim : 0)
    this.base = this.params
  }

  prepare(): Float64Array {
    this.base = this.localSteps(this.u, this.algorithm.local_steps)
    return this.base
  }

  combine(round: number, received: ReadonlyArray<Float64Array | null>, own?: Float64Array): void {
    const self = this.selfFor(this.base, own)
    const inbox = this.screen(received, self)
    if (!this.aggregateInto(this.z, self, inbox)) {
      const m = presentMixing(
        inbox,
        this.neighbourIndices,
        this.mixing.neighbour[this.index]!,
        this.mixing.self[this.index]!,
      )
      mixInto(this.z, this.index, self, m.ownWeight, m.indices, m.vectors, m.weights)
    }
    quorumUpdate(this.spare, this.base, this.gradient, this.z, this.eta, couplingAt(this.algorithm, round), self)
    this.swap()
  }
}

/** k at a round: the last schedule entry whose start round has been reached, else k. */
export function couplingAt(
  algorithm: { k: number; k_schedule: ReadonlyArray<readonly [number, number]> | null },
  round: number,
): number {
  let k = algorithm.k
  for (const [from, value] of algorithm.k_schedule ?? []) if (round >= from) k = value
  return k
}

/**
 * `easgd` without a server (Boffi & Slotine 2020 Eqs. 5-6, adapt-then-combine): x_i and a centre copy c_i; the message is
 * c_i + beta (x_i - c_i); only rounds with t mod period = 0 communicate and couple.
 */
