/**
 * Where a peer's frames go: each neighbour's peer ID (set at start-up, and by a rebind), the outbound queue once the
 * node runs, and the frames kept for a neighbour back from away (sent-frames.ts). Sending never waits: a frame is
 * queued per neighbour (src/net/params-protocol.ts `Outbox`).
 */
import type { PeerId } from '@libp2p/interface'
import { Outbox, type ParamsTransport } from '../net/params-protocol.js'
import { disseminationRounds } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { SentFrames } from './sent-frames.js'

/** The most completed rounds' frames a peer keeps (a graph that never repeats has no bound of its own). */
const MOST_KEPT = 32

/**
 * How many completed rounds' frames a peer keeps for a neighbour behind it: 1 on a fixed graph (a neighbour is at
 * most one round behind); on one that changes or points one way a peer waits only on its senders, and can be as
 * many rounds ahead of a receiver as news takes to come round from it (at most MOST_KEPT).
 */
export function keptRounds(graph: Graph): number {
  if (!graph.dynamics) return 1
  const lag = disseminationRounds(graph)
  return Math.max(1, Math.min(Number.isFinite(lag) ? lag : MOST_KEPT, MOST_KEPT))
}

export class LinkSender {
  /** neighbour index -> the peer ID its frames go to */
  readonly targets = new Map<number, PeerId>()
  /** what this peer sent that a neighbour back from away needs */
  readonly frames: SentFrames
  private queue: Outbox | null = null

  /** `neighbours`: the graph indices of this peer's neighbours, by position; `keep`: keptRounds(graph) */
  constructor(
    private readonly neighbours: readonly number[],
    keep = 1,
  ) {
    this.frames = new SentFrames(keep)
  }

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
