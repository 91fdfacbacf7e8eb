/**
 * The round loop of one peer (docs/algorithms.md, through the same `PeerStep` the simulator calls), driven by what the
 * pure `NeighbourBook` says.
 *
 * Sync mode: the peer sends its round-t message to every neighbour (never waiting on the send: a queue per
 * neighbour), waits until it holds the round-t message of every live neighbour (a local barrier; early arrivals are
 * kept), then combines. Async mode: it waits only until each live neighbour's newest vector is at most
 * `run.max_staleness` rounds old, and uses that. A neighbour silent past `run.neighbour_timeout_ms` is down: the
 * peer goes on without it and takes it back when it is heard again; when every live neighbour is well ahead the
 * peer was away, and jumps to their round. A peer whose neighbours are all down waits a bounded time for one.
 */
import { AlgorithmError } from '../algorithms/peer-step.js'
import { decodeVector, encodeVectorFrame } from '../codec/index.js'
import { applyDifference, intoPublicCopies } from '../exchange/codec-choice.js'
import { recordInterval } from '../exchange/records.js'
import { windowSenders } from '../exchange/target-stop.js'
import { distance, withinBounds } from '../linalg/kernels.js'
import { roundEdges } from '../topology/index.js'
import type { PeerCore } from './context.js'
import { PeerError } from './errors.js'
import type { PeerLinks } from './links.js'
import type { Recorder } from './recorder.js'
import type { Checkpointer } from './recovery.js'
import { sleep } from './sleep.js'
import { WaitPolicy } from './wait-policy.js'

export interface LoopTiming {
  /** the start-up timeout: the first rounds after a (re)start wait this long */
  readonly startupTimeout: number
}

/** Run rounds until `run.rounds` or an interrupt; returns whether it was interrupted. */
export async function runRounds(
  core: PeerCore,
  links: PeerLinks,
  recorder: Recorder,
  checkpointer: Checkpointer,
  timing: LoopTiming,
): Promise<boolean> {
  const { opts, experiment, step } = core
  const rounds0 = experiment.run.rounds
  const every = recordInterval(experiment)
  const settings = {
    timeoutMs: experiment.run.neighbour_timeout_ms,
    startupTimeoutMs: timing.startupTimeout,
    peers: core.graph.n,
    strict: core.strict,
  }
  const wait = new WaitPolicy(settings, core.counters.round, performance.now())
  watchTarget(core, core.counters.round)
  while (core.counters.round < rounds0) {
    if (opts.signal.aborted) return true
    if (targetReached(core)) return false
    const t = core.counters.round
    core.times.beginRound()
    checkpointer.beginRound()
    const receivers = receiversOf(core, links, t)
    const message = step.prepare(t, receivers.leftOut ? receivers.peers : undefined)
    let own: Float64Array | undefined
    let jumpTo: number | null = null
    if (message) {
      own = sendRound(core, links, t, message, receivers.peers)
      core.times.beginWait()
      const waited = await awaitNeighbours(core, links, t, wait)
      core.times.endWait()
      if (waited === 'aborted') return true
      jumpTo = waited
    }
    if (jumpTo !== null) {
      // we were away (restarted, or cut off): every live neighbour is well ahead; join the slowest of them
      core.log(`peer ${core.i}: rejoining at round ${jumpTo} (was at ${t})`)
      core.counters.jump(t, jumpTo, rounds0)
      enterRound(core, checkpointer)
      core.times.endRound()
      continue
    }
    combineRound(core, recorder, t, message !== null, own, t % every === 0)
    if (message) links.frames.roundCompleted()
    core.counters.advanceTo(t + 1)
    enterRound(core, checkpointer)
    await closeRound(core, recorder, checkpointer, t % every === 0)
  }
  return false
}

/** The peer is at a new round (the next, or one it jumped to): the checkpoint's round state, the target, the book. */
function enterRound(core: PeerCore, checkpointer: Checkpointer): void {
  checkpointer.endRound()
  watchTarget(core, core.counters.round)
  core.book.prune(core.counters.round)
}

/** After a combined round: the divergence check, records, a checkpoint when due, the status, and `--delay-ms`. */
async function closeRound(
  core: PeerCore,
  recorder: Recorder,
  checkpointer: Checkpointer,
  recorded: boolean,
): Promise<void> {
  const { opts, experiment, step } = core
  const round = core.counters.round
  if (round % 16 === 0 && !withinBounds(step.params)) {
    throw new PeerError(
      'DIVERGED',
      `peer ${core.i}: the run diverged at round ${round}; lower algorithm.eta or the coupling`,
    )
  }
  if (recorded) recorder.flush()
  const checkpointEvery = experiment.run.checkpoint_every
  if (checkpointEvery !== null && round % checkpointEvery === 0 && round < experiment.run.rounds)
    void checkpointer.write(round)
  recorder.maybePublishStatus(round)
  if (opts.delayMs) await sleep(opts.delayMs, opts.signal)
  core.times.endRound()
}

/** Round t's window of "within run.target" bits (exchange/target-stop.ts): this peer's own, and its neighbours' of t - 1. */
function watchTarget(core: PeerCore, t: number): void {
  const { targetWatch, reference, experiment } = core
  if (!targetWatch || !reference || experiment.run.target === null) return
  const within = distance(core.step.params, reference.w) <= experiment.run.target * core.referenceScale
  targetWatch.advance(t, within, windowSenders(experiment, core.graph, core.i, t - 1))
}

/** Every peer was within run.target the lag ago: this round is where the simulator stops too. */
function targetReached(core: PeerCore): boolean {
  const watch = core.targetWatch
  if (!watch?.reached()) return false
  core.log(
    `peer ${core.i}: every peer was within run.target at round ${watch.metAt()}; stopping at round ${core.counters.round}, when every peer knows it`,
  )
  return true
}

/**
 * Whom round t's message goes to: the round's out-neighbours, less, for push-sum, those this peer has marked down
 * and has no connection to (gone: its share of the mass then goes to the live ones only; docs/algorithms.md
 * "Neighbours that are missing"). One marked down but still connected is only slow (waiting on a neighbour of its
 * own that is gone): it keeps getting its share, or the two would stop pushing to each other for good.
 */
function receiversOf(core: PeerCore, links: PeerLinks, t: number): { peers: readonly number[]; leftOut: boolean } {
  const out = roundEdges(core.graph, t).out[core.i]!
  if (core.experiment.algorithm.kind !== 'push-sum') return { peers: out, leftOut: false }
  const live = out.filter((j) => {
    const k = core.position.get(j)!
    return core.book.isUp(k) || links.connected(k)
  })
  return { peers: live, leftOut: live.length < out.length }
}

/** Encode and send this round's message to its receivers; returns what the peer's own terms use (or undefined). */
function sendRound(
  core: PeerCore,
  links: PeerLinks,
  t: number,
  message: Float64Array,
  receivers: readonly number[],
): Float64Array | undefined {
  const { codec, wireDim: d, quantRng } = core
  const stop = core.targetWatch ? { stop: core.targetWatch.current() } : {}
  const envelope = {
    swarm: core.swarm,
    round: t,
    from: core.i,
    kind: 'params',
    codec: codec.codec,
    dim: d,
    ...stop,
  } as const
  let encoded: { frame: Uint8Array; payload: Uint8Array }
  let own: Float64Array | undefined
  if (core.difference) {
    for (let k = 0; k < d; k++) core.delta[k] = message[k]! - core.selfCopy[k]!
    try {
      encoded = encodeVectorFrame(envelope, codec, core.delta, quantRng)
    } catch (err) {
      if (err instanceof RangeError)
        throw new PeerError('DIVERGED', `peer ${core.i}: the run diverged at round ${t} (${err.message})`)
      throw err
    }
    applyDifference(core.selfCopy, decodeVector(codec, encoded.payload, d, core.ownDecoded), core.diffScale)
    own = core.selfCopy
  } else {
    encoded = encodeVectorFrame(envelope, codec, message, quantRng)
    if (codec.codec !== 'f64') own = decodeVector(codec, encoded.payload, d, core.ownDecoded)
  }
  links.frames.sent(encoded.frame)
  const frames = [...(core.opts.inject?.(t) ?? []), encoded.frame]
  core.counters.sent(receivers.length)
  for (const j of receivers) links.sendTo(core.position.get(j)!, frames)
  return own
}

/**
 * Wait for the live neighbours (sync: their round-t vectors; async: fresh enough ones) as the wait policy says
 * (wait-policy.ts). Returns the round to jump to, null to combine round t, or 'aborted'.
 */
async function awaitNeighbours(
  core: PeerCore,
  links: PeerLinks,
  t: number,
  policy: WaitPolicy,
): Promise<number | null | 'aborted'> {
  const { opts, book, neighbours, i } = core
  const wait = policy.round(t, performance.now())
  while (!opts.signal.aborted) {
    const step = wait.next(performance.now(), book, (k) => links.connected(k))
    switch (step.do) {
      case 'combine':
        return null
      case 'jump':
        return step.to
      case 'wait':
        if (step.isolated)
          core.log(
            `peer ${i}: every neighbour is down at round ${t}; waiting up to ${Math.round(policy.isolatedLimitMs / 1000)} s for one to return`,
          )
        await core.news.wait(step.ms)
        break
      case 'markDown':
        markDown(core, t, step.positions, step.patienceMs)
        break
      case 'fail':
        if (step.code === 'ISOLATED') {
          throw new PeerError(
            'ISOLATED',
            `peer ${i}: every neighbour (${neighbours.join(', ')}) was down for ${Math.round(step.limitMs / 1000)} s at round ${t}`,
          )
        }
        throw timeoutFailure(core, t, step.positions, step.patienceMs)
    }
  }
  return 'aborted'
}

/** Where no neighbour may be left out (allreduce-sgd, difference mode), a silent one ends the run. */
function timeoutFailure(core: PeerCore, t: number, positions: readonly number[], patience: number): PeerError {
  const silent = positions.map((k) => core.neighbours[k]!)
  const kind = core.experiment.algorithm.kind
  const needs =
    kind === 'allreduce-sgd' ? 'needs every gradient' : 'keeps its gradient tracker exact only if every message arrives'
  const why = core.difference
    ? 'compression.mode: difference keeps copies every neighbour must update, so a lost neighbour is fatal here; compression.mode: direct goes on without it and takes it back'
    : `algorithm.kind: ${kind} ${needs}, so a lost neighbour is fatal here; elastic, quorum, easgd, local, dsgd and push-sum go on without it and take it back`
  return new PeerError(
    'NEIGHBOUR_TIMEOUT',
    `peer ${core.i}: no round-${t} vector from neighbour(s) ${silent.join(', ')} within ${patience} ms (run.neighbour_timeout_ms): ${why}`,
  )
}

/** Neighbours silent past the patience: down, left out until heard again. */
function markDown(core: PeerCore, t: number, positions: readonly number[], patience: number): void {
  const silent = positions.map((k) => core.neighbours[k]!)
  for (const k of positions) core.book.markDown(k)
  core.counters.markedDown(positions.length)
  core.log(
    `peer ${core.i}: neighbour(s) ${silent.join(', ')} silent for ${patience} ms at round ${t} (run.neighbour_timeout_ms): going on without them`,
  )
}

/** Combine round t with what arrived (difference mode: through the public copies), recording it when due. */
function combineRound(
  core: PeerCore,
  recorder: Recorder,
  t: number,
  communicated: boolean,
  own: Float64Array | undefined,
  due: boolean,
): void {
  const { book, step } = core
  const inbox = communicated ? book.inbox(t) : { vectors: core.neighbours.map(() => null), used: 0, staleness: 0 }
  const received =
    core.difference && communicated
      ? intoPublicCopies(inbox.vectors, core.neighbourCopies, core.diffScale)
      : inbox.vectors
  if (due) recorder.record(t, received, step.gradient, inbox.staleness)
  try {
    step.combine(t, received, own)
  } catch (err) {
    if (err instanceof AlgorithmError)
      throw new PeerError('NEIGHBOUR_TIMEOUT', `peer ${core.i}: round ${t}: ${err.message}`)
    throw err
  }
}
