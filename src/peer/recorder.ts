/**
 * What a peer writes about its rounds: its records (`peers/<i>/metrics.jsonl` through the platform's record log,
 * every `run.record_every` rounds, the same fields as the simulator's) and its status for observers on the status
 * topic.
 */
import { evaluationOf, type RoundRecord } from '../exchange/records.js'
import type { StatusMessage } from '../net/roster.js'
import { distance, norm } from '../linalg/kernels.js'
import { objectiveOf } from '../problems/objective.js'
import type { PeerCore } from './context.js'
import type { PeerLinks } from './links.js'
import type { Resumed } from './recovery.js'

export class Recorder {
  private open = false
  private readonly pending: RoundRecord[] = []
  /** the newest record, for the status topic (status messages carry finite numbers only) */
  private newest: RoundRecord | null = null
  private lastStatus = 0
  /** where a neighbour's iterate is worked out of its message (push-sum's ratio) */
  private readonly scratch: Float64Array
  /**
   * Every peer's status reaches every observer through the hub, so the interval grows with n; at least a second,
   * enough for a progress bar: each status is a signed gossipsub message (an Ed25519 signature and a send to the
   * hub), which at 5 a second cost a d = 100,000 peer about 1% of its time (CPU profile, issue 15).
   */
  private readonly statusEveryMs: number

  constructor(
    private readonly core: PeerCore,
    private readonly links: PeerLinks,
    private readonly resumed: Resumed | null,
  ) {
    this.statusEveryMs = Math.max(1000, 25 * core.graph.n)
    this.scratch = new Float64Array(core.d)
  }

  /** Open the records: appended to after a resume (records past the checkpoint dropped), else new. */
  async start(): Promise<void> {
    await this.core.platform.store.records.open(this.resumed?.round ?? null)
    this.open = true
  }

  /** The record of round t: this peer's state and what it combined with (null: none, as after the last round). */
  record(
    t: number,
    received: ReadonlyArray<Float64Array | null> | null,
    gradient: Float64Array,
    staleness: number,
  ): void {
    const { core, links } = this
    const w = core.step.params
    let disagreement = 0
    let used = 0
    for (const v of received ?? []) {
      if (!v) continue
      used++
      disagreement = Math.max(disagreement, distance(w, core.step.iterateOf(v, this.scratch)))
    }
    const entry: RoundRecord = {
      round: t,
      peer: core.i,
      loss: objectiveOf(core.problem, core.i).loss(w),
      grad_norm: norm(gradient),
      disagreement,
      error: core.reference ? distance(w, core.reference.w) : null,
      bytes_sent: links.transport.stats.bytesSent,
      bytes_received: links.transport.stats.bytesReceived,
      t_ms: Math.round((performance.now() - core.started) * 1000) / 1000,
      neighbours: used,
      staleness,
      rejected: Object.values(core.rejects).reduce((a, b) => a + b, 0),
      ...core.times.split(links.outbox?.busyMs() ?? 0),
      ...evaluationOf(core.problem, w),
    }
    this.newest = entry
    this.pending.push(entry)
  }

  /** The newest record (null before the first). */
  latest(): RoundRecord | null {
    return this.newest
  }

  flush(): void {
    if (this.pending.length === 0) return
    this.core.platform.store.records.append(this.pending.map((r) => JSON.stringify(r) + '\n').join(''))
    this.pending.length = 0
  }

  async stop(): Promise<void> {
    if (!this.open) return
    this.open = false
    await this.core.platform.store.records.close()
  }

  /**
   * Publish the status of `round` done when the last one is old enough. Its figures are of that round, computed now
   * (a few passes over the vectors once a second): the newest record can be `run.record_every` rounds older, and an
   * observer draws each status at its round (the dashboard's curves and measured rate were off by those rounds).
   */
  maybePublishStatus(round: number): void {
    const now = performance.now()
    if (now - this.lastStatus <= this.statusEveryMs) return
    this.lastStatus = now
    void this.links.roster.publishStatus(this.statusOf(round, false))
  }

  /** The last status: the final state, and whether the run is done (not interrupted). */
  publishFinalStatus(round: number, done: boolean): void {
    void this.links.roster.publishStatus(this.statusOf(round, done))
  }

  private statusOf(round: number, done: boolean): StatusMessage {
    const { core } = this
    const w = core.step.params
    let disagreement = 0
    for (const v of core.book.newest())
      if (v) disagreement = Math.max(disagreement, distance(w, core.step.iterateOf(v, this.scratch)))
    const { stats } = this.links.transport
    return {
      index: core.i,
      round,
      loss: objectiveOf(core.problem, core.i).loss(w),
      disagreement,
      relative_error: core.reference ? distance(w, core.reference.w) / core.referenceScale : null,
      done,
      peers: core.graph.n,
      rounds: core.experiment.run.rounds,
      bytes_sent: stats.bytesSent,
      bytes_received: stats.bytesReceived,
      rejected: Object.values(core.rejects).reduce((a, b) => a + b, 0),
    }
  }
}

/**
 * The records of a log before round `round`, for a resume (the rounds from the checkpoint on are run again); a line
 * cut short by a kill is dropped. For the platforms' record logs.
 */
export function recordsBefore(text: string, round: number): string {
  return text
    .split('\n')
    .filter((line) => {
      try {
        return line.trim() !== '' && (JSON.parse(line) as RoundRecord).round < round
      } catch {
        return false
      }
    })
    .map((line) => line + '\n')
    .join('')
}
