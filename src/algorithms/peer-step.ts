/**
 * One peer's side of a synchronous round, shared by the simulator and the networked peer (docs/design.md "Decide in a pure function, act in the runtime": decide in a
 * pure function, act in the runtime). A round t has two phases:
 *
 *   1. `prepare(t)`: compute what this round needs from the peer's own state (the stochastic gradient, local
 *      steps) and return the vector it sends to every neighbour this round (or null: no message this round);
 *   2. `combine(t, inbox)`: given the round-t messages of its neighbours, in ascending neighbour index, move the
 *      state to round t + 1.
 *
 * The runtime's only job between the two is to deliver messages. Everything here is deterministic given the
 * experiment, the peer's data and its seeded random stream.
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { Rng, type RngState } from '../util/rng.js'
import { norm } from '../linalg/kernels.js'
import { localGradient } from '../problems/losses.js'
import { metropolisWeights, type MixingWeights } from '../topology/index.js'
import { elasticUpdate } from './elastic.js'
import { clipNorm, clipTowards, robustAggregate } from './robust.js'
import { averagedStep, copyMixInto, easgdLocalUpdate, easgdMessage, gradientStep, mixInto, quorumUpdate } from './mixing.js'
import { stochasticGradient, type GradientContext } from './sampling.js'

export interface PeerStep {
  readonly index: number
  /** The peer's parameters w_i^t (read-only for callers; replaced on combine). */
  readonly params: Float64Array
  /** The gradient used in the last prepared round (for metrics). */
  readonly gradient: Float64Array
  prepare(round: number): Float64Array | null
  /**
   * `inbox[k]` is the round-t message of neighbour `graph.neighbours[index][k]`, or null when that neighbour sent
   * none (it is down, or the algorithm sends nothing this round): its terms are left out.
   */
  combine(round: number, inbox: ReadonlyArray<Float64Array | null>, own?: Float64Array): void
  /** Everything the next rounds depend on (parameters, centre copy, random streams), for a checkpoint. */
  snapshot(): StepState
  /**
   * The random streams alone (cheap: a few words each). `prepare` draws from them and changes nothing else, so
   * these taken before `prepare(t)`, with `snapshot()`'s vectors, are the state at the start of round t.
   */
  randomStates(): Record<string, RngState>
  /** Continue from a snapshot of the same algorithm, peer and dimension (throws RangeError otherwise). */
  restore(state: StepState): void
}

export interface StepState {
  vectors: Record<string, Float64Array>
  rngs: Record<string, RngState>
}

/** Each peer's starting point w_i^0 (docs/algorithms.md "Notation": zeros, or a seeded draw per peer). */
export function initialParams(experiment: Experiment, index: number, paramDim: number): Float64Array {
  const w = new Float64Array(paramDim)
  const init = experiment.run.init
  if (init.kind === 'gaussian') {
    const rng = Rng.derive(experiment.run.seed, index, 'init')
    for (let k = 0; k < paramDim; k++) w[k] = init.scale * rng.gaussian()
  }
  return w
}

export function gradientContext(experiment: Experiment, problem: Problem, index: number): GradientContext {
  return {
    loss: problem.loss,
    shard: problem.shards[index]!,
    classes: problem.classes,
    sampling: experiment.algorithm.sampling,
    rng: Rng.derive(experiment.run.seed, index, 'sampling'),
    scratch: new Float64Array(Math.max(problem.classes, 1)),
    noise: experiment.algorithm.gradient_noise,
    noiseRng: Rng.derive(experiment.run.seed, index, 'gradient-noise'),
  }
}

/** The messages that arrived and their weights, in neighbour order (no copy when all arrived). */
function present(
  inbox: ReadonlyArray<Float64Array | null>,
  weights: readonly number[],
): { vectors: readonly Float64Array[]; weights: readonly number[] } {
  if (inbox.every((v) => v !== null)) return { vectors: inbox as readonly Float64Array[], weights }
  const vectors: Float64Array[] = []
  const kept: number[] = []
  inbox.forEach((v, k) => {
    if (v !== null) {
      vectors.push(v)
      kept.push(weights[k]!)
    }
  })
  return { vectors, weights: kept }
}

/** Step size of peer i: eta_per_peer[i] when given (Boffi & Slotine 2020 Sec. 3.3), else eta. */
function stepOf(experiment: Experiment, index: number): number {
  return experiment.algorithm.eta_per_peer?.[index] ?? experiment.algorithm.eta
}

type Algorithm<K extends Experiment['algorithm']['kind']> = Extract<Experiment['algorithm'], { kind: K }>

/** State every algorithm keeps: parameters, a spare buffer for double-buffering, the gradient and its context. */
abstract class BaseStep implements PeerStep {
  params: Float64Array
  protected spare: Float64Array
  readonly gradient: Float64Array
  protected readonly context: GradientContext
  protected readonly eta: number
  protected readonly neighbourIndices: readonly number[]
  /** CHOCO difference mode: combine gets public copies, and `own` is this peer's public copy. */
  protected readonly difference: boolean
  protected readonly robust: Experiment['algorithm']['robust']
  private clipBuffers: Float64Array[] = []
  private aggregateScratch = new Float64Array(0)

  constructor(experiment: Experiment, problem: Problem, graph: Graph, readonly index: number) {
    const d = problem.paramDim
    this.params = initialParams(experiment, index, d)
    this.spare = new Float64Array(d)
    this.gradient = new Float64Array(d)
    this.context = gradientContext(experiment, problem, index)
    this.eta = stepOf(experiment, index)
    this.neighbourIndices = graph.neighbours[index]!
    this.difference = 'mode' in experiment.compression && experiment.compression.mode === 'difference'
    this.robust = experiment.algorithm.robust
  }

  /**
   * `robust.clip`: each neighbour's vector pulled to within tau of `self` (or, with `self` null, a gradient clipped
   * to norm tau). Without a clip the inbox is returned as it is.
   */
  protected screen(inbox: ReadonlyArray<Float64Array | null>, self: Float64Array | null): ReadonlyArray<Float64Array | null> {
    const tau = this.robust.clip
    if (tau === null) return inbox
    return inbox.map((v, k) => {
      if (!v) return null
      const buffer = (this.clipBuffers[k] ??= new Float64Array(v.length))
      return self ? clipTowards(buffer, v, self, tau) : clipNorm(buffer, v, tau)
    })
  }

  /** `robust.aggregate` other than `weighted`: out = coordinate-wise trimmed mean / median of self and the inbox. */
  protected aggregateInto(out: Float64Array, self: Float64Array, inbox: ReadonlyArray<Float64Array | null>): boolean {
    const kind = this.robust.aggregate
    if (kind === 'weighted') return false
    const vectors = [self, ...inbox.filter((v): v is Float64Array => v !== null)]
    if (this.aggregateScratch.length < vectors.length) this.aggregateScratch = new Float64Array(vectors.length)
    const trim = Math.min(this.robust.trim, Math.floor((vectors.length - 1) / 2))
    robustAggregate(out, vectors, kind, trim, this.aggregateScratch)
    return true
  }

  /** The peer's own vector where the coupling uses it: `own` (its public copy) in difference mode, else `exact`. */
  protected selfFor(exact: Float64Array, own: Float64Array | undefined): Float64Array {
    return this.difference && own ? own : exact
  }

  abstract prepare(round: number): Float64Array | null
  abstract combine(round: number, inbox: ReadonlyArray<Float64Array | null>, own?: Float64Array): void

  /** Vectors beyond the parameters that carry state from round to round (easgd: the centre copy). */
  protected extraState(): Record<string, Float64Array> {
    return {}
  }

  randomStates(): Record<string, RngState> {
    const rngs: Record<string, RngState> = { sampling: this.context.rng.state() }
    if (this.context.noiseRng) rngs.noise = this.context.noiseRng.state()
    return rngs
  }

  snapshot(): StepState {
    const rngs = this.randomStates()
    const vectors: Record<string, Float64Array> = { params: Float64Array.from(this.params) }
    for (const [name, v] of Object.entries(this.extraState())) vectors[name] = Float64Array.from(v)
    return { vectors, rngs }
  }

  restore(state: StepState): void {
    const targets: Record<string, Float64Array> = { params: this.params, ...this.extraState() }
    for (const [name, target] of Object.entries(targets)) {
      const v = state.vectors[name]
      if (!v || v.length !== target.length) throw new RangeError(`checkpoint: vector ${name} missing or of the wrong length`)
    }
    if (!state.rngs.sampling) throw new RangeError('checkpoint: sampling stream missing')
    for (const [name, target] of Object.entries(targets)) target.set(state.vectors[name]!)
    this.context.rng.setState(state.rngs.sampling)
    if (this.context.noiseRng && state.rngs.noise) this.context.noiseRng.setState(state.rngs.noise)
  }

  /** Adopt `spare` as the new parameters. */
  protected swap(): void {
    const old = this.params
    this.params = this.spare
    this.spare = old
  }

  /** T - 1 plain local steps from w into `u` (Zhang & Li 2022), then the gradient at u; returns u (w itself when T = 1). */
  protected localSteps(u: Float64Array, steps: number): Float64Array {
    if (steps <= 1) {
      stochasticGradient(this.context, this.params, this.gradient)
      return this.params
    }
    u.set(this.params)
    for (let s = 1; s < steps; s++) gradientStep(u, stochasticGradient(this.context, u, this.gradient), this.eta)
    stochasticGradient(this.context, u, this.gradient)
    return u
  }
}

/** Mixing weights of peer i with missing neighbours' weights moved onto W_ii, so the row still sums to 1. */
function presentMixing(
  inbox: ReadonlyArray<Float64Array | null>,
  indices: readonly number[],
  weights: Float64Array,
  ownWeight: number,
): { indices: readonly number[]; vectors: readonly Float64Array[]; weights: ArrayLike<number>; ownWeight: number } {
  if (inbox.every((v) => v !== null)) return { indices, vectors: inbox as readonly Float64Array[], weights, ownWeight }
  const kept = { indices: [] as number[], vectors: [] as Float64Array[], weights: [] as number[], ownWeight }
  inbox.forEach((v, k) => {
    if (v === null) kept.ownWeight += weights[k]!
    else {
      kept.indices.push(indices[k]!)
      kept.vectors.push(v)
      kept.weights.push(weights[k]!)
    }
  })
  return kept
}

/**
 * `elastic` (Mitra 2018 Eq. 14): send w_i^t; combine with the a_ij-weighted differences. With local_steps T > 1,
 * T - 1 plain gradient steps come first and the coupled step starts from their result u_i (which is sent).
 */
class ElasticStep extends BaseStep {
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
class QuorumStep extends BaseStep {
  private readonly mixing: MixingWeights
  private readonly algorithm: Algorithm<'quorum'>
  private readonly z: Float64Array
  private readonly u: Float64Array
  private base: Float64Array

  constructor(experiment: Experiment, algorithm: Algorithm<'quorum'>, problem: Problem, graph: Graph, index: number, mixing: MixingWeights) {
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
      const m = presentMixing(inbox, this.neighbourIndices, this.mixing.neighbour[this.index]!, this.mixing.self[this.index]!)
      mixInto(this.z, this.index, self, m.ownWeight, m.indices, m.vectors, m.weights)
    }
    quorumUpdate(this.spare, this.base, this.gradient, this.z, this.eta, couplingAt(this.algorithm, round), self)
    this.swap()
  }
}

/** k at a round: the last schedule entry whose start round has been reached, else k. */
export function couplingAt(algorithm: { k: number; k_schedule: ReadonlyArray<readonly [number, number]> | null }, round: number): number {
  let k = algorithm.k
  for (const [from, value] of algorithm.k_schedule ?? []) if (round >= from) k = value
  return k
}

/**
 * `easgd` without a server (Boffi & Slotine 2020 Eqs. 5-6, adapt-then-combine): x_i and a centre copy c_i; the message is
 * c_i + beta (x_i - c_i); only rounds with t mod period = 0 communicate and couple.
 */
class EasgdStep extends BaseStep {
  private readonly mixing: MixingWeights
  private readonly alpha: number
  private readonly beta: number
  private readonly period: number
  centre: Float64Array
  private centreSpare: Float64Array
  private readonly message: Float64Array

  constructor(experiment: Experiment, algorithm: Algorithm<'easgd'>, problem: Problem, graph: Graph, index: number, mixing: MixingWeights) {
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
    const inbox = this.screen(received, this.difference && own ? own : this.message)
    if (this.aggregateInto(this.centreSpare, this.message, inbox)) {
      // robust centre: trimmed mean / median of the messages
    } else if (this.difference && own) {
      const { vectors, weights } = present(inbox, Array.from(this.mixing.neighbour[this.index]!))
      copyMixInto(this.centreSpare, this.message, own, vectors, weights)
    } else {
      const m = presentMixing(inbox, this.neighbourIndices, this.mixing.neighbour[this.index]!, this.mixing.self[this.index]!)
      mixInto(this.centreSpare, this.index, this.message, m.ownWeight, m.indices, m.vectors, m.weights)
    }
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
class LocalStep extends BaseStep {
  private readonly mixing: MixingWeights
  private readonly algorithm: Algorithm<'local'>
  private readonly u: Float64Array
  private readonly full: Float64Array
  private readonly work: Float64Array
  private readonly problem: Problem
  /** Local steps taken in the last round (for metrics). */
  stepsTaken = 0

  constructor(experiment: Experiment, algorithm: Algorithm<'local'>, problem: Problem, graph: Graph, index: number, mixing: MixingWeights) {
    super(experiment, problem, graph, index)
    this.mixing = mixing
    this.algorithm = algorithm
    this.problem = problem
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
        localGradient(this.problem.loss, this.context.shard, u, this.problem.classes, this.full)
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
    const inbox = this.screen(received, this.difference && own ? own : this.u)
    if (this.aggregateInto(this.spare, this.u, inbox)) {
      // robust mixing: trimmed mean / median of the local iterates
    } else if (this.difference && own) {
      const { vectors, weights } = present(inbox, Array.from(this.mixing.neighbour[this.index]!))
      copyMixInto(this.spare, this.u, own, vectors, weights)
    } else {
      const m = presentMixing(inbox, this.neighbourIndices, this.mixing.neighbour[this.index]!, this.mixing.self[this.index]!)
      mixInto(this.spare, this.index, this.u, m.ownWeight, m.indices, m.vectors, m.weights)
    }
    this.swap()
  }
}


/**
 * `allreduce-sgd` (Kalan et al. 2019 Eq. 2.2): send g_i (quantized by the codec in `direct` mode); every peer applies the
 * same averaged step with all n gradients, its own (as sent) included.
 */
class AllreduceStep extends BaseStep {
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
      if (!g) throw new AlgorithmError('MISSING_GRADIENT', `allreduce-sgd: peer ${this.index} has no round gradient from peer ${ns[k]}`)
      this.all[ns[k]!] = g
    }
    averagedStep(this.spare, this.params, this.all.slice(0, this.n), this.eta)
    this.swap()
  }
}

export class AlgorithmError extends Error {
  override readonly name = 'AlgorithmError'
  constructor(
    readonly code: 'NOT_COMPLETE' | 'MISSING_GRADIENT' | 'BAD_OPTION',
    message: string,
  ) {
    super(message)
  }
}

/** Checks an algorithm's requirements on the graph (one line naming the field). */
export function checkAlgorithm(experiment: Experiment, graph: Graph): void {
  const a = experiment.algorithm
  if (a.kind === 'allreduce-sgd' && graph.edges.length !== (graph.n * (graph.n - 1)) / 2) {
    throw new AlgorithmError(
      'NOT_COMPLETE',
      `algorithm.kind: allreduce-sgd averages every peer's gradient and needs topology.kind: complete (got ${experiment.topology.kind})`,
    )
  }
  const c = experiment.compression
  if (a.kind === 'allreduce-sgd' && 'mode' in c && c.mode === 'difference') {
    throw new AlgorithmError('BAD_OPTION', 'compression.mode: difference keeps public copies of parameter vectors; allreduce-sgd exchanges gradients, use mode: direct')
  }
  if (a.robust.aggregate !== 'weighted') {
    const field = `algorithm.robust.aggregate: ${a.robust.aggregate}`
    if (a.kind === 'elastic' || a.kind === 'allreduce-sgd') {
      throw new AlgorithmError('BAD_OPTION', `${field} replaces a mixing-matrix average; use it with quorum, easgd or local (for ${a.kind}, use robust.clip)`)
    }
    if ('mode' in c && c.mode === 'difference') {
      throw new AlgorithmError('BAD_OPTION', `${field} needs the neighbours' vectors themselves; use compression.mode: direct`)
    }
    const minDegree = Math.min(...graph.neighbours.map((ns) => ns.length))
    if (a.robust.aggregate === 'trimmed-mean' && 2 * a.robust.trim >= minDegree + 1) {
      throw new AlgorithmError(
        'BAD_OPTION',
        `algorithm.robust.trim: ${a.robust.trim} from each end leaves nothing of the ${minDegree + 1} values of a peer with ${minDegree} neighbours (need 2 * trim <= degree)`,
      )
    }
  }
  if (experiment.run.mode === 'async' && (a.kind === 'allreduce-sgd' || ('mode' in c && c.mode === 'difference'))) {
    const why = a.kind === 'allreduce-sgd' ? 'allreduce-sgd averages every peer\'s gradient of the same round' : 'compression.mode: difference keeps public copies every neighbour updates in step'
    throw new AlgorithmError('BAD_OPTION', `run.mode: async: ${why}; use run.mode: sync`)
  }
  if (a.eta_per_peer && a.eta_per_peer.length !== graph.n) {
    throw new AlgorithmError('BAD_OPTION', `algorithm.eta_per_peer: ${a.eta_per_peer.length} values for ${graph.n} peers`)
  }
}

export function createPeerStep(
  experiment: Experiment,
  problem: Problem,
  graph: Graph,
  index: number,
  mixing: MixingWeights = metropolisWeights(graph),
): PeerStep {
  const algorithm = experiment.algorithm
  switch (algorithm.kind) {
    case 'elastic':
      return new ElasticStep(experiment, algorithm, problem, graph, index)
    case 'quorum':
      return new QuorumStep(experiment, algorithm, problem, graph, index, mixing)
    case 'easgd':
      return new EasgdStep(experiment, algorithm, problem, graph, index, mixing)
    case 'local':
      return new LocalStep(experiment, algorithm, problem, graph, index, mixing)
    case 'allreduce-sgd':
      return new AllreduceStep(experiment, problem, graph, index)
  }
}
