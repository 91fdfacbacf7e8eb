/**
 * `/meshgd/params/1.0.0`: parameter vectors peer to peer (docs/protocol.md "`/meshgd/params/1.0.0`: streams and message
 * kinds"). One long-lived outbound stream per neighbour, opened on first use and reopened with backoff when it breaks;
 * length-prefixed frames (src/codec); backpressure honoured (`send` false -> wait for 'drain'). Inbound streams are
 * accepted only from peers that `isAllowed` names (graph neighbours); a frame the decoder rejects aborts that stream,
 * is reported through `onReject`, and never reaches the peer's state.
 *
 * A libp2p service shaped as js-libp2p's own protocols (protocol-ping): `paramsTransport()(components)`, Startable, a
 * narrow components bag. Every node has it; only a peer gives it handlers (`serve`, then `listen`), so a bootstrap or
 * an observer never handles the protocol.
 */
import type { AbortOptions, Connection, PeerId, Startable, Stream, StreamHandler } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { FrameDecoder, WireError, type BodyPool } from '../codec/index.js'

export const PARAMS_PROTOCOL = '/meshgd/params/1.0.0'

export interface ParamsHandlers {
  maxFrameBytes: number
  /** May the remote peer send us parameters? (resolves false after its own timeout when unknown) */
  isAllowed: (remote: string) => Promise<boolean>
  onFrame: (remote: string, body: Uint8Array) => void
  onReject: (remote: string, error: Error) => void
  /** spare buffers for frame bodies that span chunks; `onFrame`'s receiver gives them back when done with them */
  bodies?: BodyPool
}

export interface TransportStats {
  bytesSent: number
  bytesReceived: number
  refusedStreams: number
  rejectedFrames: number
}

export interface ParamsComponents {
  registrar: {
    handle(
      protocol: string,
      handler: StreamHandler,
      options?: { maxInboundStreams?: number; maxOutboundStreams?: number },
    ): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: {
    openStream(peer: PeerId | Multiaddr | Multiaddr[], protocol: string, options?: AbortOptions): Promise<Stream>
  }
}

export class ParamsTransport implements Startable {
  private readonly outbound = new Map<string, Stream>()
  private readonly opening = new Map<string, Promise<Stream>>()
  readonly stats: TransportStats = { bytesSent: 0, bytesReceived: 0, refusedStreams: 0, rejectedFrames: 0 }
  private readonly inbound = new Set<Stream>()
  private handlers: ParamsHandlers | null = null
  private handling = false
  private stopping = false

  constructor(private readonly components: ParamsComponents) {}

  /** This node is a peer: accept parameter streams through these handlers (from `listen`, or the node's start). */
  serve(handlers: ParamsHandlers): void {
    this.handlers = handlers
  }

  async start(): Promise<void> {
    await this.listen()
  }

  /** Handle the protocol now, when handlers are set (a node created started has run `start` before `serve`). */
  async listen(): Promise<void> {
    if (!this.handlers || this.handling) return
    this.handling = true
    await this.components.registrar.handle(
      PARAMS_PROTOCOL,
      (stream, connection) => this.handleInbound(stream, connection),
      {
        maxInboundStreams: 256,
        maxOutboundStreams: 256,
      },
    )
  }

  private get init(): ParamsHandlers {
    if (!this.handlers) throw new Error('ParamsTransport: no handlers (serve() was not called)')
    return this.handlers
  }

  private async handleInbound(stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    if (!(await this.init.isAllowed(remote))) {
      this.stats.refusedStreams++
      stream.abort(new Error(`meshgd: ${remote} is not a graph neighbour`))
      return
    }
    this.inbound.add(stream)
    const decoder = new FrameDecoder(this.init.maxFrameBytes, this.init.bodies)
    try {
      for await (const chunk of stream) {
        this.stats.bytesReceived += chunk.byteLength
        // a list's parts one by one, not joined: the decoder copies a frame of many parts once, into a body of its
        // own where a float64 payload is read in place (src/codec/frame-decoder.ts)
        for (const part of chunk instanceof Uint8Array ? [chunk] : chunk) {
          for (const body of decoder.push(part)) this.init.onFrame(remote, body)
        }
      }
    } catch (err) {
      if (this.stopping) return
      // a frame the decoder refused; a stream reset by a peer that went away is not a rejection
      if (!(err instanceof WireError)) return
      this.stats.rejectedFrames++
      this.init.onReject(remote, err)
      stream.abort(err)
    } finally {
      this.inbound.delete(stream)
    }
  }

  private async streamTo(remote: string, target: PeerId | Multiaddr, signal: AbortSignal): Promise<Stream> {
    const open = this.outbound.get(remote)
    if (open && open.status === 'open' && open.writeStatus === 'writable') return open
    this.outbound.delete(remote)
    let pending = this.opening.get(remote)
    if (!pending) {
      pending = (async () => {
        let delay = 50
        for (;;) {
          try {
            const stream = await this.components.connectionManager.openStream(target, PARAMS_PROTOCOL, { signal })
            this.outbound.set(remote, stream)
            return stream
          } catch (err) {
            if (signal.aborted) throw err
            await new Promise((resolve) => setTimeout(resolve, delay))
            delay = Math.min(2000, delay * 2)
          }
        }
      })().finally(() => this.opening.delete(remote))
      this.opening.set(remote, pending)
    }
    return pending
  }

  /** Send one whole frame to a peer, waiting for the stream to drain when its buffer is full. */
  async send(remote: string, target: PeerId | Multiaddr, frame: Uint8Array, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const stream = await this.streamTo(remote, target, signal)
      try {
        if (!stream.send(frame)) {
          await new Promise<void>((resolve, reject) => {
            const onDrain = (): void => {
              cleanup()
              resolve()
            }
            const onClose = (): void => {
              cleanup()
              reject(new Error('stream closed while waiting for drain'))
            }
            const onAbort = (): void => {
              cleanup()
              reject(signal.reason as Error)
            }
            const cleanup = (): void => {
              stream.removeEventListener('drain', onDrain)
              stream.removeEventListener('close', onClose)
              signal.removeEventListener('abort', onAbort)
            }
            stream.addEventListener('drain', onDrain)
            stream.addEventListener('close', onClose)
            signal.addEventListener('abort', onAbort)
          })
        }
        this.stats.bytesSent += frame.length
        return
      } catch (err) {
        this.outbound.delete(remote)
        if (signal.aborted || attempt >= 5) throw err
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    if (this.handling) await this.components.registrar.unhandle(PARAMS_PROTOCOL).catch(() => undefined)
    await Promise.allSettled([...this.outbound.values()].map((s) => s.close()))
    for (const s of this.inbound) s.abort(new Error('meshgd: peer stopping'))
  }
}

/**
 * Non-blocking sends, one queue per neighbour: the round loop never waits on a slow or vanished neighbour. A queue
 * holds at most `limit` frames and drops its oldest when full (a neighbour that is away needs our newest vectors,
 * not every one it missed). Each queue is pumped in order over the neighbour's stream, so frames to one neighbour
 * keep their order.
 */
export class Outbox {
  private readonly queues = new Map<string, { target: PeerId; frames: Uint8Array[]; pumping: boolean }>()
  private readonly idleWaiters = new Set<() => void>()
  /** time the outbox was not empty (ms), and since when it is busy now (null: idle) */
  private busyTotal = 0
  private busySince: number | null = null

  constructor(
    private readonly transport: Pick<ParamsTransport, 'send'>,
    private readonly signal: AbortSignal,
    private readonly limit = 8,
    /** the busy clock's time source (tests pass a fake one) */
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(remote: string, target: PeerId, frame: Uint8Array): void {
    let q = this.queues.get(remote)
    if (!q) {
      q = { target, frames: [], pumping: false }
      this.queues.set(remote, q)
    }
    q.target = target
    if (this.busySince === null) this.busySince = this.now()
    q.frames.push(frame)
    while (q.frames.length > this.limit) q.frames.shift()
    if (!q.pumping) void this.pump(remote, q)
  }

  /** Frames still waiting to leave. */
  pending(): number {
    let count = 0
    for (const q of this.queues.values()) count += q.frames.length + (q.pumping ? 1 : 0)
    return count
  }

  /** Milliseconds the outbox has held frames not yet written, so far. */
  busyMs(): number {
    return this.busyTotal + (this.busySince === null ? 0 : this.now() - this.busySince)
  }

  /** Resolves once every queue is empty, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.pending() === 0) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.idleWaiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.idleWaiters.add(done)
    })
  }

  private async pump(remote: string, q: { target: PeerId; frames: Uint8Array[]; pumping: boolean }): Promise<void> {
    q.pumping = true
    try {
      while (q.frames.length > 0 && !this.signal.aborted) {
        const frame = q.frames.shift()!
        try {
          await this.transport.send(remote, q.target, frame, this.signal)
        } catch {
          // the stream failed five times over (or we are stopping): this frame is lost; the next one tries again
        }
      }
    } finally {
      q.pumping = false
      if (this.pending() === 0) {
        if (this.busySince !== null) this.busyTotal += this.now() - this.busySince
        this.busySince = null
        for (const w of [...this.idleWaiters]) w()
      }
    }
  }
}

export function paramsTransport(): (components: ParamsComponents) => ParamsTransport {
  return (components) => new ParamsTransport(components)
}
