/**
 * What every algorithm's step shares (docs/algorithms.md "A round: prepare and combine"): the `PeerStep` contract
 * that the simulator and the networked peer both drive, the starting point, the gradient context, and `BaseStep`
 * with the peer's parameters, random stream and the mixing of what neighbours sent.
 */
import { isDifferenceMode } from '../config/compression.js'
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { Rng, type RngState } from '../util/rng.js'
import { clipNorm, clipTowards, robustAggregate } from './robust.js'
import { copyMixInto, gradientStep, mixInto } from './mixing.js'
import type { MixingWeights } from '../topology/index.js'
import { gradientContext, stochasticGradient, type GradientContext } from './sampling.js'
import { MeshgdError } from '../util/errors.js'

export interface PeerStep {
  readonly index: number
  /** The peer's parameters w_i^t (read-only for callers; replaced on combine). */
  readonly params: Float64Array
  /** The gradient used in the last prepared round (for metrics). */
  readonly gradient: Float64Array
  /** Entries of a message: the dimension, or more where the message carries more than the iterate. */
  readonly messageLength: number
  /**
   * `receivers`: the peers this round's message will reach, when fewer than the round's out-neighbours (a networked
   * push-sum peer leaves out those it has marked down, so that no share of its mass goes to them).
   */
  prepare(round: number, receivers?: readonly number[]): Float64Array | null
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
  /** The iterate a neighbour's message stands for (the message itself, a part of it, or a ratio into `scratch`). */
  iterateOf(message: Float64Array, scratch: Float64Array): Float64Array
  /** What a finished peer leaves its neighbours: a message whose iterate is its final parameters. */
  finalMessage(): Float64Array
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

/** Peer i's starting point: the problem module's `init` where it has one, else `run.init`. */
export function startingPoint(experiment: Experiment, problem: Problem, index: number): Float64Array {
  return (problem.loss === 'module' ? problem.init(index) : null) ?? initialParams(experiment, index, problem.paramDim)
}

/** The messages that arrived and their weights, in neighbour order (no copy when all arrived). */
export function present(
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

/** Entries of one message of the algorithm for iterates of dimension d (what frames carry as `dim`). */
export function messageLength(algorithm: Experiment['algorithm'], d: number): number {
  switch (algorithm.kind) {
    case 'gradient-tracking':
      return 2 * d
    case 'push-sum':
      return d + 1
    case 'push-diging':
      return 2 * d + 1
    default:
      return d
  }
}

/** Step size of peer i: eta_per_peer[i] when given (Boffi & Slotine 2020 Sec. 3.3), else eta. */
export function stepOf(experiment: Experiment, index: number): number {
  return experiment.algorithm.eta_per_peer?.[index] ?? experiment.algorithm.eta
}

export type Algorithm<K extends Experiment['algorithm']['kind']> = Extract<Experiment['algorithm'], { kind: K }>

/** State every algorithm keeps: parameters, a spare buffer for double-buffering, the gradient and its context. */
export abstract class BaseStep implements PeerStep {
  params: Float64Array
  protected spare: Float64Array
  readonly gradient: Float64Array
  protected readonly context: GradientContext
  protected readonly eta: number
  protected readonly neighbourIndices: readonly number[]
  /** CHOCO difference mode: combine gets public copies, and `own` is this peer's public copy. */
  protected readonly difference: boolean
  protected readonly robust: Experiment['algorithm']['robust']
  private readonly wireLength: number
  private clipBuffers: Float64Array[] = []
  private aggregateScratch = new Float64Array(0)

  constructor(
    experiment: Experiment,
    problem: Problem,
    graph: Graph,
    readonly index: number,
  ) {
    const d = problem.paramDim
    this.params = startingPoint(experiment, problem, index)
    this.spare = new Float64Array(d)
    this.gradient = new Float64Array(d)
    this.context = gradientContext(experiment, problem, index)
    this.eta = stepOf(experiment, index)
    this.neighbourIndices = graph.neighbours[index]!
    this.difference = isDifferenceMode(experiment.compression)
    this.robust = experiment.algorithm.robust
    this.wireLength = messageLength(experiment.algorithm, d)
  }

  /**
   * `robust.clip`: each neighbour's vector pulled to within tau of `self` (or, with `self` null, a gradient clipped
   * to norm tau). Without a clip the inbox is returned as it is.
   */
  protected screen(
    inbox: ReadonlyArray<Float64Array | null>,
    self: Float64Array | null,
  ): ReadonlyArray<Float64Array | null> {
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

  /**
   * out = W's row i applied to `exact` (this peer's vector) and its neighbours' messages (`mixing`: Metropolis-
   * Hastings weights; a missing neighbour's weight falls to W_ii); in difference mode through the public copies,
   * `own` being this peer's; with `robust.aggregate`, the coordinate-wise trimmed mean or median instead. The
   * combine of `easgd` (the centre) and `local` (the parameters).
   */
  protected mixNeighbours(
    out: Float64Array,
    exact: Float64Array,
    received: ReadonlyArray<Float64Array | null>,
    own: Float64Array | undefined,
    mixing: MixingWeights,
  ): void {
    const inbox = this.screen(received, this.difference && own ? own : exact)
    if (this.aggregateInto(out, exact, inbox)) return
    const neighbourWeights = mixing.neighbour[this.index]!
    if (this.difference && own) {
      const { vectors, weights } = present(inbox, Array.from(neighbourWeights))
      copyMixInto(out, exact, own, vectors, weights)
      return
    }
    const m = presentMixing(inbox, this.neighbourIndices, neighbourWeights, mixing.self[this.index]!)
    mixInto(out, this.index, exact, m.ownWeight, m.indices, m.vectors, m.weights)
  }

  /** The peer's own vector where the coupling uses it: `own` (its public copy) in difference mode, else `exact`. */
  protected selfFor(exact: Float64Array, own: Float64Array | undefined): Float64Array {
    return this.difference && own ? own : exact
  }

  get messageLength(): number {
    return this.wireLength
  }

  iterateOf(message: Float64Array, _scratch: Float64Array): Float64Array {
    return message
  }

  finalMessage(): Float64Array {
    return this.params
  }

  abstract prepare(round: number, receivers?: readonly number[]): Float64Array | null
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
      if (!v || v.length !== target.length)
        throw new RangeError(`checkpoint: vector ${name} missing or of the wrong length`)
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
export function presentMixing(
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

/** An algorithm that cannot run as configured (exit 2; a peer turns one met mid-run into a PeerError). */
export class AlgorithmError extends MeshgdError<'NOT_COMPLETE' | 'MISSING_GRADIENT' | 'BAD_OPTION'> {
  override readonly name = 'AlgorithmError'
  constructor(code: AlgorithmError['code'], message: string, field?: string) {
    super(code, message, { outcome: 'input', ...(field ? { field } : {}) })
  }
}
