/**
 * The counters of a peer's run, each changed by one named operation of the room that owns it: the round loop
 * advances, jumps, counts the messages it sends and the neighbours it marks down; recovery resumes at a
 * checkpoint's round. Every other room reads them.
 */
export class PeerCounters {
  private roundNow = 0
  private jumpedRounds = 0
  private sentMessages = 0
  private downMarks = 0

  /** the round this peer is at (every round before it is done) */
  get round(): number {
    return this.roundNow
  }

  /** rounds skipped by rejoining neighbours that were ahead */
  get jumped(): number {
    return this.jumpedRounds
  }

  /** params messages sent (one per neighbour per communicating round) */
  get messagesSent(): number {
    return this.sentMessages
  }

  /** times a silent neighbour was marked down */
  get downs(): number {
    return this.downMarks
  }

  /** recovery: the run goes on from a checkpoint of `round` */
  resumeAt(round: number): void {
    this.roundNow = round
  }

  /** the round loop: round `round - 1` is done */
  advanceTo(round: number): void {
    this.roundNow = round
  }

  /** the round loop: from round `from`, rejoin the neighbours at `to` (at most the last round `last`) */
  jump(from: number, to: number, last: number): void {
    this.jumpedRounds += to - from
    this.roundNow = Math.min(to, last)
  }

  /** the round loop: `count` params messages handed to the outbox */
  sent(count: number): void {
    this.sentMessages += count
  }

  /** the round loop: `count` silent neighbours marked down */
  markedDown(count: number): void {
    this.downMarks += count
  }
}
