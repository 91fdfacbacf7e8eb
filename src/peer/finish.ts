/**
 * Finishing (or stopping on Ctrl-C): the last checkpoint, record, parameters and status; then, when done, the
 * `final` frame with the final vector (it stands for every later round at a neighbour still running) and lingering
 * while a neighbour still runs, to answer it if it restarts; then the peer's report (`peers/<i>/info.json`).
 */
import { encodeF64, encodeFrame } from '../codec/index.js'
import { distance } from '../linalg/kernels.js'
import { float64LeBytes } from '../util/float-bytes.js'
import { evaluationOf } from '../exchange/records.js'
import { objectiveOf } from '../problems/objective.js'
import type { PeerCore } from './context.js'
import type { PeerLinks } from './links.js'
import type { Recorder } from './recorder.js'
import type { Checkpointer, Resumed } from './recovery.js'
import { sleep } from './sleep.js'
import type { PeerInfo } from './types.js'

/** Write what the run leaves behind, linger when done, and return (and write) the peer's info. */
export async function finish(
  core: PeerCore,
  links: PeerLinks,
  recorder: Recorder,
  checkpointer: Checkpointer,
  interrupted: boolean,
  resumed: Resumed | null,
): Promise<PeerInfo> {
  const { step, problem, i, d } = core
  await checkpointer.write(core.counters.round, true) // on finishing, and on shutdown
  const full = objectiveOf(problem, i).gradient(step.params, new Float64Array(d))
  recorder.record(core.counters.round, core.book.newest(), full, 0)
  recorder.flush()
  await core.platform.store.writeParams(float64LeBytes(step.params))
  recorder.publishFinalStatus(core.counters.round, !interrupted)
  if (!interrupted) await linger(core, links)
  const info = peerInfo(core, links, interrupted, resumed)
  await core.platform.store.writeInfo(info)
  return info
}

/** Tell the neighbours we are done, and stay while one still runs (up to `lingerMs`). */
async function linger(core: PeerCore, links: PeerLinks): Promise<void> {
  const { opts, book, neighbours, i } = core
  const timeoutMs = core.experiment.run.neighbour_timeout_ms
  const finalFrame = encodeFrame(
    { swarm: core.swarm, round: core.counters.round, from: i, kind: 'final', codec: 'f64', dim: core.wireDim },
    encodeF64(core.step.finalMessage()),
  )
  links.frames.finished(finalFrame)
  neighbours.forEach((_, k) => links.sendTo(k, [finalFrame]))
  const finishedAt = performance.now()
  const grace = Math.max(timeoutMs, 2000)
  const lingerUntil = finishedAt + (opts.lingerMs ?? Math.max(120_000, 4 * timeoutMs))
  const stillRunning = (): number[] =>
    neighbours.filter((_, k) => {
      if (book.isFinal(k)) return false
      const heard = book.isUp(k) ? Math.max(book.lastHeard(k), finishedAt) : book.lastHeard(k)
      return performance.now() - heard < grace
    })
  let said = false
  let resent = finishedAt
  while (stillRunning().length > 0 && performance.now() < lingerUntil && !opts.signal.aborted) {
    if (!said && performance.now() - finishedAt > 1000) {
      said = true
      core.log(`peer ${i}: done; lingering for neighbour(s) ${stillRunning().join(', ')} still running`)
    }
    if (performance.now() - resent > 3000) {
      // a final frame lost with a broken stream would keep a neighbour waiting for us: say it again
      resent = performance.now()
      neighbours.forEach((j, k) => {
        if (!book.isFinal(k) && stillRunning().includes(j)) links.sendTo(k, [finalFrame])
      })
    }
    await core.news.wait(100)
  }
  // give the last frames a moment to leave before the streams close
  await links.outbox?.drained(2000)
  await sleep(100)
}

function peerInfo(core: PeerCore, links: PeerLinks, interrupted: boolean, resumed: Resumed | null): PeerInfo {
  const { step, problem, i, reference } = core
  const stats = links.transport.stats
  return {
    index: i,
    peer_id: links.node.peerId.toString(),
    addrs: links.node.getMultiaddrs().map((a) => a.toString()),
    rounds: core.counters.round,
    interrupted,
    bytes_sent: stats.bytesSent,
    bytes_received: stats.bytesReceived,
    messages_sent: core.counters.messagesSent,
    refused_streams: stats.refusedStreams,
    rejected_frames: stats.rejectedFrames,
    rejects: core.rejects,
    resumed_from: resumed?.round ?? null,
    jumped_rounds: core.counters.jumped,
    neighbours_down: core.counters.downs,
    rebound_neighbours: links.rebinder.rebound,
    target_round: core.targetWatch?.reached() ? core.targetWatch.metAt() : null,
    final: {
      loss: objectiveOf(problem, i).loss(step.params),
      error: reference ? distance(step.params, reference.w) : null,
      ...evaluationOf(problem, step.params),
    },
    time: { ...core.times.split(links.outbox?.busyMs() ?? 0), rounds: core.times.rounds },
    wall_s: (performance.now() - core.started) / 1000,
  }
}
