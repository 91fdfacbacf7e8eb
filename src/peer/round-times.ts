/**
 * Where a peer's round time goes (the split of Alistarh et al. 2017, Table 2, between communication and
 * computation), cumulative since this process started its rounds:
 *   compute_ms  the peer's own work: gradient, codec, update, metrics, records, checkpoints (and a `--delay-ms`
 *               sleep, which stands for slow work)
 *   wait_ms     blocked on neighbours (the sync barrier, the async staleness bound, a neighbour away)
 *   send_ms     time the outbox was not empty (frames queued or being written); overlaps the other two
 */

export interface TimeSplit {
  compute_ms: number
  wait_ms: number
  send_ms: number
}

/** Accumulates compute and wait per round; the send time is the outbox's own clock, passed in when asked. */
export class RoundTimes {
  /** `now`: the clock (tests pass a fake one) */
  constructor(private readonly now: () => number = () => performance.now()) {}

  private computeMs = 0
  private waitMs = 0
  private roundStart = 0
  private waitStart = 0
  private waitInRound = 0
  /** rounds closed by this process (run or jumped over) */
  rounds = 0

  beginRound(): void {
    this.roundStart = this.now()
    this.waitInRound = 0
  }

  beginWait(): void {
    this.waitStart = this.now()
  }

  endWait(): void {
    this.waitInRound += this.now() - this.waitStart
  }

  /** Close the round: what was not waiting was the peer's own work. */
  endRound(): void {
    const total = this.now() - this.roundStart
    this.waitMs += this.waitInRound
    this.computeMs += Math.max(0, total - this.waitInRound)
    this.rounds++
  }

  /** The totals over the rounds closed so far, with the outbox's busy time. */
  split(sendMs: number): TimeSplit {
    return { compute_ms: ms3(this.computeMs), wait_ms: ms3(this.waitMs), send_ms: ms3(sendMs) }
  }
}

function ms3(x: number): number {
  return Math.round(x * 1000) / 1000
}
