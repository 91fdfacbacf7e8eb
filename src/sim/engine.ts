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
import { recordInterval, type RoundRecord } from '../exchange/records.js'
import type { Experiment } from '../config/schema.js'
import { localGradient, localLoss } from '../problems/losses.js'
import type { Problem } from '../problems/types.js'
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
  const { experiment, graph, problem, reference } = input
  const n = graph.n
  const d = problem.paramDim
  if (problem.shards.length !== n) {
    throw new RangeError(`simulate: ${problem.shards.length} data shards for ${n} peers`)
  }
  const now = hooks.now ?? (() => 0)
  const start = now()
  const rounds = experiment.run.rounds
  const target = experiment.run.target
  const every = recordInterval(experiment)
  const progressEvery = hooks.progressEvery ?? 100
  const scratch = new Float64Array(d)

  const peers = Array.from({ length: n }, (_, i) => createPeerStep(experiment, problem, graph, i))
  const current = (i: number): Float64Array => peers[i]!.params
  const outbox: Array<Float64Array | null> = new Array<Float64Array | null>(n).fill(null)
  const inboxes: Array<Array<Float64Array | null>> = graph.neighbours.map((ns) => ns.map(() => null))
  const bytesSent = new Float64Array(n)
  const bytesReceived = new Float64Array(n)
  const refNorm = reference ? norm(reference) : 0
  const errorScale = refNorm > 0 ? refNorm : 1
  const maxErrors: number[] = []

  const maxError = (): number => {
    if (!reference) return NaN
    let m = 0
    for (let i = 0; i < n; i++) m = Math.max(m, distance(current(i), reference))
    return m
  }

  const record = (t: number, gradsValid: boolean): void => {
    if (hooks.onRecord)
      hooks.onRecord(roundRecords({ input, peers, bytesSent, bytesReceived, scratch }, t, gradsValid, now() - start))
  }

  let t = 0
  let messagesSent = 0
  let converged = false
  let targetRound: number | null = null
  let interrupted = false
  let diverged = false
  const lag = input.targetLag ?? 0
  for (;;) {
    const e = maxError()
    if (reference) maxErrors.push(e)
    const within = reference !== null && target !== null && e <= target * errorScale
    if (within && targetRound === null) targetRound = t
    if (targetRound !== null && t >= targetRound + lag) {
      converged = true
      break
    }
    if (t >= rounds) {
      converged = within
      break
    }
    if (hooks.shouldStop?.()) {
      interrupted = true
      break
    }
    if (t % 16 === 0 && !peers.every((p) => withinBounds(p.params))) {
      diverged = true
      break
    }
    // Round t: every peer prepares its message from its own round-t state, messages are delivered, and every
    // peer combines the round-t messages of its neighbours (never a round-(t+1) value).
    for (let i = 0; i < n; i++) outbox[i] = peers[i]!.prepare(t)
    if (t % every === 0) record(t, true)
    const delivered = deliver(input, t, outbox, bytesSent, bytesReceived)
    messagesSent += delivered.messages
    diverged = delivered.diverged
    if (diverged) break
    for (let i = 0; i < n; i++) {
      const ns = graph.neighbours[i]!
      const inbox = inboxes[i]!
      for (let k = 0; k < ns.length; k++) inbox[k] = outbox[ns[k]!]!
      peers[i]!.combine(t, inbox, outbox[i] ?? undefined)
    }
    t++
    if (hooks.onProgress && t % progressEvery === 0) {
      hooks.onProgress(t, reference ? maxError() / errorScale : null)
    }
  }
  if (!diverged && !peers.every((p) => withinBounds(p.params))) diverged = true
  record(t, false)
  hooks.onProgress?.(t, reference ? maxError() / errorScale : null)
  return {
    rounds: t,
    converged,
    targetRound,
    interrupted,
    params: peers.map((p) => p.params),
    maxErrorHistory: Float64Array.from(maxErrors),
    bytesSent,
    bytesReceived,
    messagesSent,
    wallMs: now() - start,
    diverged,
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
    const g = gradsValid
      ? peer.gradient
      : localGradient(problem.loss, problem.shards[i]!, w, problem.classes, c.scratch)
    return {
      round: t,
      peer: i,
      loss: localLoss(problem.loss, problem.shards[i]!, w, problem.classes),
      grad_norm: norm(g),
      disagreement,
      error: reference ? distance(w, reference) : null,
      bytes_sent: c.bytesSent[i]!,
      bytes_received: c.bytesReceived[i]!,
      t_ms: Math.round(tMs * 1000) / 1000,
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
    const ns = input.graph.neighbours[i]!
    bytesSent[i]! += bytes * ns.length
    messages += ns.length
    for (const j of ns) bytesReceived[j]! += bytes
  }
  return { messages, diverged: false }
}
