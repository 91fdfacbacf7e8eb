/**
 * Where a peer's frames go: each neighbour's peer ID (set at start-up, and by a rebind), the outbound queue once the
 * node runs, and the frames kept for a neighbour back from away (sent-frames.ts). Sending never waits: a frame is
 * queued per neighbour (src/net/params-protocol.ts `Outbox`).
 */
import type { PeerId } from '@libp2p/interface'
import { Outbox, type ParamsTransport } from '../net/params-protocol.js'
import { SentFrames } from './sent-frames.js'

export class LinkSender {
  /** neighbour index -> the peer ID its frames go to */
  readonly targets = new Map<number, PeerId>()
  /** what this peer sent that a neighbour back from away needs */
  readonly frames = new SentFrames()
  private queue: Outbox | null = null

  /** `neighbours`: the graph indices of this peer's neighbours, by position */
  constructor(private readonly neighbours: readonly number[]) {}

  /** Open the outbound queue on the started transport; it stops with `signal`. */
  open(transport: ParamsTransport, signal: AbortSignal): void {
    this.queue = new Outbox(transport, signal)
  }

  /** Queue frames for the neighbour at position k (nothing before the queue is open or the neighbour is known). */
  sendTo(k: number, frames: readonly Uint8Array[]): void {
    const target = this.targets.get(this.neighbours[k]!)
    if (!target || !this.queue) return
    for (const f of frames) this.queue.push(target.toString(), target, f)
  }

  /** What a neighbour back from away needs, to the neighbour at position k. */
  resend(k: number): void {
    this.sendTo(k, this.frames.forResend())
  }

  /** The outbound queue, once open. */
  get outbox(): Outbox | null {
    return this.queue
  }
}
