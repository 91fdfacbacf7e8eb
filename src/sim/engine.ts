/**
 * The in-process simulator: the whole swarm in one process, deterministic, the reference twin of a networked run.
 *
 * Every peer's update is the same pure kernel the networked peer calls (src/algorithms); the only difference is
 * how neighbours' vectors arrive: here they are read straight out of the round-t buffers. Round t reads only
 * round-t values (double-buffered), so the order peers are visited in does not matter.
 *
 * No file system here: the caller gets records through `onRecord` and the final state in the result. The clock is
 * injected (`now`) so the engine stays deterministic apart from the reported times.
 */
import { createPeerStep, type PeerStep } from '../algorithms/peer-step.js'
import { distance, norm, withinBounds } from '../linalg/kernels.js'
import { measuredRateFromPoints } from '../observe/measured-rate.js'
import type { Channel } from './channel.js'
import { evaluationOf, recordInterval, type RoundRecord } from '../exchange/records.js'
import type { Experiment } from '../config/schema.js'
import { objectiveOf, peersOf } from '../problems/objective.js'
import type { Problem } from '../problems/types.js'
import { roundEdges } from '../topology/index.js'
import type { Graph } from '../topology/types.js'

export interface SimulationInput {
  readonly experiment: Experiment
  readonly graph: Graph
  readonly problem: Problem
  /** The solution every w_i should reach, or null. */
  readonly reference: Float64Array | null
  /** Bytes one peer puts on the wire to send its round-`round` vector to one neighbour (frame included). */
  readonly messageBytes: (round: number, from: number) => number
  /** A lossy codec between peers (src/sim/channel.ts); it also gives the bytes. Absent: float64, untouched. */
  readonly channel?: Channel | null
  /**
   * Rounds the run goes on after every peer is within `run.target` (src/exchange/target-stop.ts): `meshgd sim` passes
   * the graph's `targetLag`, so it stops on the round a swarm can know to stop on. Absent: 0, stop at once.
   */
  readonly targetLag?: number
}

export interface SimulationHooks {
  /** Milliseconds since some fixed origin (performance.now in the CLI). */
  readonly now?: () => number
  readonly onRecord?: (records: readonly RoundRecord[]) => void
  /** Called about every `progressEvery` rounds with the round just reached and the relative max error. */
  readonly onProgress?: (round: number, relError: number | null) => void
  readonly progressEvery?: number
  /** Checked between rounds; a set flag stops the run where it is. */
  readonly shouldStop?: () => boolean
}

export interface SimulationResult {
  /** Rounds (updates) actually run. */
  readonly rounds: number
  /** run.target was set and reached (within it on the last round). */
  readonly converged: boolean
  /** the first round at which every peer was within run.target (null: never, or no target) */
  readonly targetRound: number | null
  readonly interrupted: boolean
  readonly params: readonly Float64Array[]
  /** max_i |w_i^t - w_ref| for t = 0..rounds (empty without a reference). */
  readonly maxErrorHistory: Float64Array
  readonly bytesSent: Float64Array
  readonly bytesReceived: Float64Array
  /** Messages sent (one per neighbour per communicating round), all peers. */
  readonly messagesSent: number
  readonly wallMs: number
  /** Whether any parameter became NaN or infinite (the run was stopped there). */
  readonly diverged: boolean
}

export { initialParams } from '../algorithms/peer-step.js'

export function simulate(input: SimulationInput, hooks: SimulationHooks = {}): SimulationResult {
  const { problem, graph } = input
  if (peersOf(problem) !== graph.n) {
    throw new RangeError(`simulate: a problem for ${peersOf(problem)} peers on a graph of ${graph.n}`)
  }
  const now = hooks.now ?? (() => 0)
  const start = now()
  const engine = new Engine(input, hooks, start)
  const progressEvery = hooks.progressEvery ?? 100
  const stop = engine.run((t) => {
    if (hooks.onProgress && t % progressEvery === 0) hooks.onProgress(t, engine.relativeError())
  })
  if (!stop.diverged && !engine.peers.every((p) => withinBounds(p.params))) stop.diverged = true
  engine.record(stop.rounds, false)
  hooks.onProgress?.(stop.rounds, engine.relativeError())
  return {
    ...stop,
    params: engine.peers.map((p) => p.params),
    maxErrorHistory: Float64Array.from(engine.maxErrors),
    bytesSent: engine.bytesSent,
    bytesReceived: engine.bytesReceived,
    messagesSent: engine.messagesSent,
    wallMs: now() - start,
  }
}

/** How a simulation ended. */
interface Ending {
  rounds: number
  converged: boolean
  targetRound: number | null
  interrupted: boolean
  diverged: boolean
}

/** The whole swarm's state, round after round. */
class Engine {
  readonly peers: PeerStep[]
  readonly bytesSent: Float64Array
  readonly bytesReceived: Float64Array
  readonly maxErrors: number[] = []
  messagesSent = 0
  private readonly outbox: Array<Float64Array | null>
  private readonly inboxes: Array<Array<Float64Array | null>>
  private readonly errorScale: number
  private readonly scratch: Float64Array
  /** records every this many rounds (run.record_every) */
  private readonly every: number

  constructor(
    private readonly input: SimulationInput,
    private readonly hooks: SimulationHooks,
    private readonly start: number,
  ) {
    const { experiment, problem, graph, reference } = input
    const n = graph.n
    this.peers = Array.from({ length: n }, (_, i) => createPeerStep(experiment, problem, graph, i))
    this.outbox = new Array<Float64Array | null>(n).fill(null)
    this.inboxes = graph.neighbours.map((ns) => ns.map(() => null))
    this.bytesSent = new Float64Array(n)
    this.bytesReceived = new Float64Array(n)
    const refNorm = reference ? norm(reference) : 0
    this.errorScale = refNorm > 0 ? refNorm : 1
    this.scratch = new Float64Array(problem.paramDim)
    this.every = recordInterval(experiment)
  }

  /** max_i |w_i - w_ref| now (NaN without a reference). */
  maxError(): number {
    const reference = this.input.reference
    if (!reference) return NaN
    let m = 0
    for (const p of this.peers) m = Math.max(m, distance(p.params, reference))
    return m
  }

  relativeError(): number | null {
    return this.input.reference ? this.maxError() / this.errorScale : null
  }

  record(t: number, gradsValid: boolean): void {
    const { onRecord, now } = this.hooks
    if (!onRecord) return
    const tMs = (now ?? (() => 0))() - this.start
    const { input, peers, bytesSent, bytesReceived, scratch } = this
    onRecord(roundRecords({ input, peers, bytesSent, bytesReceived, scratch }, t, gradsValid, tMs))
  }

  /** Rounds until the target (plus its lag), run.rounds, a stop or divergence; `after(t)` once each round is done. */
  run(after: (t: number) => void): Ending {
    const { experiment, reference, targetLag } = this.input
    const { rounds, target } = experiment.run
    const ending: Ending = { rounds: 0, converged: false, targetRound: null, interrupted: false, diverged: false }
    for (let t = 0; ; t++) {
      ending.rounds = t
      const e = this.maxError()
      if (reference) this.maxErrors.push(e)
      const within = reference !== null && target !== null && e <= target * this.errorScale
      if (within && ending.targetRound === null) ending.targetRound = t
      if (ending.targetRound !== null && t >= ending.targetRound + (targetLag ?? 0)) {
        ending.converged = true
        return ending
      }
      if (t >= rounds) return { ...ending, converged: within }
      if (this.hooks.shouldStop?.()) return { ...ending, interrupted: true }
      if (t % 16 === 0 && !this.peers.every((p) => withinBounds(p.params))) return { ...ending, diverged: true }
      if (!this.round(t)) return { ...ending, diverged: true }
      after(t + 1)
    }
  }

  /**
   * Round t: every peer prepares its message from its own round-t state, messages are delivered, and every peer
   * combines the round-t messages of its neighbours (never a round-(t+1) value). False when a message diverged.
   */
  private round(t: number): boolean {
    const { graph } = this.input
    const n = graph.n
    for (let i = 0; i < n; i++) this.outbox[i] = this.peers[i]!.prepare(t)
    if (t % this.every === 0) this.record(t, true)
    const delivered = deliver(this.input, t, this.outbox, this.bytesSent, this.bytesReceived)
    this.messagesSent += delivered.messages
    if (delivered.diverged) return false
    const round = roundEdges(graph, t)
    for (let i = 0; i < n; i++) {
      const ns = graph.neighbours[i]!
      const inbox = this.inboxes[i]!
      const from = round.in[i]!
      // a neighbour that does not send to i this round (a graph that changes or points one way) leaves null
      for (let k = 0, at = 0; k < ns.length; k++) {
        while (at < from.length && from[at]! < ns[k]!) at++
        inbox[k] = from[at] === ns[k] ? this.outbox[ns[k]!]! : null
      }
      this.peers[i]!.combine(t, inbox, this.outbox[i] ?? undefined)
    }
    return true
  }
}

/**
 * The measured linear rate of a run with a max-error value every round (src/observe/measured-rate.ts: the one
 * definition the swarm and the dashboard use too). Null when there is no reference or too few rounds.
 */
export function measuredRate(maxErrorHistory: Float64Array, refNorm: number): number | null {
  return measuredRateFromPoints(
    Array.from(maxErrorHistory, (error, round) => ({ round, error })),
    refNorm,
  )
}

/** Every peer's record of round t (`gradsValid`: the round's gradients are there; after the last, the full one). */
function roundRecords(
  c: {
    input: SimulationInput
    peers: readonly PeerStep[]
    bytesSent: Float64Array
    bytesReceived: Float64Array
    scratch: Float64Array
  },
  t: number,
  gradsValid: boolean,
  tMs: number,
): RoundRecord[] {
  const { graph, problem, reference } = c.input
  return c.peers.map((peer, i) => {
    const w = peer.params
    let disagreement = 0
    for (const j of graph.neighbours[i]!) disagreement = Math.max(disagreement, distance(w, c.peers[j]!.params))
    // grad_norm is |g_i(w_i^t)|, the gradient used in round t; at the last state (no round follows) the full local
    // gradient stands in for it.
    const objective = objectiveOf(problem, i)
    const g = gradsValid ? peer.gradient : objective.gradient(w, c.scratch)
    return {
      round: t,
      peer: i,
      loss: objective.loss(w),
      grad_norm: norm(g),
      disagreement,
      error: reference ? distance(w, reference) : null,
      bytes_sent: c.bytesSent[i]!,
      bytes_received: c.bytesReceived[i]!,
      t_ms: Math.round(tMs * 1000) / 1000,
      ...evaluationOf(problem, w),
    }
  })
}

/**
 * Round t's messages through the channel (a lossy codec: `outbox` gets what the neighbours decode), their bytes
 * counted; returns the messages sent, and whether the codec met one it cannot represent (its scale overflows: the
 * swarm has diverged, and the round stops there).
 */
function deliver(
  input: SimulationInput,
  t: number,
  outbox: Array<Float64Array | null>,
  bytesSent: Float64Array,
  bytesReceived: Float64Array,
): { messages: number; diverged: boolean } {
  let messages = 0
  for (let i = 0; i < outbox.length; i++) {
    const message = outbox[i]
    if (message === null || message === undefined) continue
    let bytes: number
    if (input.channel) {
      try {
        const sent = input.channel(t, i, message)
        outbox[i] = sent.decoded
        bytes = sent.bytes
      } catch (err) {
        if (err instanceof RangeError) return { messages, diverged: true }
        throw err
      }
    } else bytes = input.messageBytes(t, i)
    const ns = roundEdges(input.graph, t).out[i]!
    bytesSent[i]! += bytes * ns.length
    messages += ns.length
    for (const j of ns) bytesReceived[j]! += bytes
  }
  return { messages, diverged: false }
}
