/**
 * The frames a peer keeps of what it sent, for a neighbour back from away (`PeerLinks.resend`) and for its
 * checkpoints: its newest params frame, the frame of its newest completed round (the same, or the one before while
 * a round waits), and once done its final frame. Each is set by one named operation of the room that makes it.
 */
export class SentFrames {
  private newest: Uint8Array | null = null
  private ofCompleted: Uint8Array | null = null
  private final: Uint8Array | null = null

  /** the round loop: this round's params frame is on its way */
  sent(frame: Uint8Array): void {
    this.newest = frame
  }

  /** the round loop: the round whose frame was sent last is combined */
  roundCompleted(): void {
    this.ofCompleted = this.newest
  }

  /** recovery: a checkpoint's frame of its round, or null for a fresh start */
  resumedWith(frame: Uint8Array | null): void {
    this.ofCompleted = frame
  }

  /** finish: the final frame, sent to every neighbour and again to any that comes back */
  finished(frame: Uint8Array): void {
    this.final = frame
  }

  /** the frame of the newest completed round (what a checkpoint stores), or null */
  get completed(): Uint8Array | null {
    return this.ofCompleted
  }

  /** what a neighbour back from away needs, each frame once, oldest first */
  forResend(): Uint8Array[] {
    const frames = [this.ofCompleted, this.newest, this.final].filter((f): f is Uint8Array => f !== null)
    return frames.filter((f, at) => frames.indexOf(f) === at)
  }
}
