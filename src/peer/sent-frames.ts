/**
 * The frames a peer keeps of what it sent, for a neighbour back from away (`PeerLinks.resend`) and for its
 * checkpoints: the frames of its newest completed rounds, the frame of the round it is in (sent, not yet combined),
 * and once done its final frame. On a fixed graph a neighbour is at most one round behind, so one completed round is
 * kept; where a neighbour can lag further (a graph that changes or points one way: a peer waits only on its senders),
 * as many as it can lag. Each is set by one named operation of the room that makes it.
 */
export class SentFrames {
  /** frames of the newest completed rounds that sent one, oldest first */
  private kept: Uint8Array[] = []
  private pending: Uint8Array | null = null
  private final: Uint8Array | null = null

  /** `keep`: how many completed rounds' frames to keep (at least 1) */
  constructor(private readonly keep = 1) {}

  /** the round loop: this round's params frame is on its way */
  sent(frame: Uint8Array): void {
    this.pending = frame
  }

  /** the round loop: the round whose frame was sent last is combined */
  roundCompleted(): void {
    if (!this.pending) return
    this.kept.push(this.pending)
    this.pending = null
    if (this.kept.length > this.keep) this.kept.splice(0, this.kept.length - this.keep)
  }

  /** recovery: a checkpoint's frames of its newest completed rounds, oldest first (none for a fresh start) */
  resumedWith(frames: readonly Uint8Array[]): void {
    this.kept = frames.slice(-this.keep)
    this.pending = null
  }

  /** finish: the final frame, sent to every neighbour and again to any that comes back */
  finished(frame: Uint8Array): void {
    this.final = frame
  }

  /** the frames of the newest completed rounds, oldest first (what a checkpoint stores) */
  get completed(): readonly Uint8Array[] {
    return this.kept
  }

  /** what a neighbour back from away needs, oldest first */
  forResend(): Uint8Array[] {
    return [...this.kept, this.pending, this.final].filter((f): f is Uint8Array => f !== null)
  }
}
