/**
 * A peer's links to the others: its libp2p node, the roster (who is index j), the rebinding of a neighbour's index
 * to a new identity (rebind.ts), the params transport with its outbound queue, and the inbound frame handler that
 * feeds the NeighbourBook. Nothing here decides a round; it only keeps the book and the targets current.
 */
import { performance } from 'node:perf_hooks'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Registry } from 'prom-client'
import type { Pin } from '../config/pins.js'
import { createMeshNode, type MeshNode } from '../net/node.js'
import { Outbox, type ParamsTransport } from '../net/params-protocol.js'
import { openRosterRecord } from '../net/roster-directory.js'
import { Roster } from '../net/roster.js'
import type { PeerCore } from './context.js'
import { Rebinder } from './rebind.js'
import { createTransport } from './inbound.js'
import { SentFrames } from './sent-frames.js'

export class PeerLinks {
  /** neighbour index -> the peer ID its frames go to */
  readonly targets = new Map<number, PeerId>()
  /** stops the outbound queue when the peer stops */
  readonly controller = new AbortController()
  /** what this peer sent that a neighbour back from away needs (sent-frames.ts) */
  readonly frames = new SentFrames()
  private queue: Outbox | null = null
  readonly roster: Roster
  readonly rebinder: Rebinder
  readonly transport: ParamsTransport

  private constructor(
    private readonly core: PeerCore,
    readonly node: MeshNode,
    readonly pins: ReadonlyMap<number, Pin>,
  ) {
    this.roster = createRoster(core, this)
    this.rebinder = createRebinder(core, this)
    this.transport = createTransport(core, this)
  }

  static async create(
    core: PeerCore,
    privateKey: PrivateKey,
    pins: ReadonlyMap<number, Pin>,
    metricsRegistry?: Registry,
  ): Promise<PeerLinks> {
    const { opts, experiment, graph, neighbours } = core
    const node = await createMeshNode({
      privateKey,
      listen: opts.listen,
      announce: opts.announce,
      bootstrap: opts.bootstrap,
      swarmKey: opts.swarmKey ?? null,
      maxConnections: Math.max(64, 4 * neighbours.length + 16),
      maxConnectionsPerIp: experiment.swarm.max_connections_per_ip ?? 2 * graph.n + 16,
      maxConnectionsPerPeer: experiment.swarm.max_connections_per_peer,
      onGaterRefuse: (why, remote) => core.reject(`gater: ${why}`, remote),
      ...(metricsRegistry ? { metricsRegistry } : {}),
    })
    return new PeerLinks(core, node, pins)
  }

  sendTo(k: number, frames: readonly Uint8Array[]): void {
    const target = this.targets.get(this.core.neighbours[k]!)
    if (!target || !this.queue) return
    for (const f of frames) this.queue.push(target.toString(), target, f)
  }

  resend(k: number): void {
    this.sendTo(k, this.frames.forResend())
  }

  /** Listen for parameter streams (with the handlers given at creation), start the node and the outbound queue. */
  async start(): Promise<void> {
    await this.transport.listen()
    await this.node.start()
    this.queue = new Outbox(this.transport, this.controller.signal)
  }

  /** Stop sending, then the roster, the params protocol and the node (each once, none throwing). */
  async stop(): Promise<void> {
    this.controller.abort(new Error('meshgd: peer stopping'))
    this.roster.stop()
    await this.transport.stop().catch(() => undefined)
    await Promise.resolve(this.node.stop()).catch(() => undefined)
  }

  /** The outbound queue, once open. */
  get outbox(): Outbox | null {
    return this.queue
  }

  /** Is there an open connection to the neighbour at position k? */
  connected(k: number): boolean {
    const id = this.targets.get(this.core.neighbours[k]!)
    return id !== undefined && this.node.getConnections(id).some((c) => c.status === 'open')
  }

  /** Is neighbour index j's peer ID known (pinned, or in the roster)? */
  known(j: number): boolean {
    return this.pins.has(j) || this.roster.byIndex.has(j)
  }

  /**
   * Do we know where neighbour index j is now: pinned, its entry heard in this life, or an open connection to the
   * peer ID remembered from the last life? (An entry recalled from `state/neighbours.json` alone names the peer, but
   * its addresses may be of a process that is gone: a whole swarm started again listens on new ports.)
   */
  located(j: number): boolean {
    if (this.pins.has(j) || this.roster.isCurrent(j)) return true
    const entry = this.roster.byIndex.get(j)
    return (
      entry !== undefined && this.node.getConnections(peerIdFromString(entry.peerId)).some((c) => c.status === 'open')
    )
  }

  /** Ask the bootstrap directory who holds these neighbour indices now, and judge each claim it returns. */
  async askWhoHolds(indices: readonly number[]): Promise<void> {
    const { opts, swarm, graph } = this.core
    for (const b of opts.bootstrap) {
      try {
        const answer = await this.node.services.directory.lookup(
          multiaddr(b),
          { swarm, want: [...indices], self: null },
          { signal: opts.signal },
        )
        for (const record of answer.records) {
          const entry = await openRosterRecord(record, swarm, graph.n)
          if (!entry || !indices.includes(entry.index)) continue
          // the same identity at new addresses (restarted on another port) is news too: dial it there
          if (this.rebinder.claim(entry) === 'same') this.roster.remember(entry)
        }
      } catch {
        // a bootstrap away: the next check asks again
      }
    }
  }

  /**
   * The unpinned neighbours that may be gone: no open connection, and marked down or silent past the neighbour
   * timeout (a peer restarted from a checkpoint waits the start-up timeout before marking anyone down, and has not
   * heard its neighbours in this life). Perhaps their index has a new identity: worth asking the directory.
   */
  suspectIndices(): number[] {
    const { neighbours, book } = this.core
    const timeoutMs = this.core.experiment.run.neighbour_timeout_ms
    return neighbours.filter(
      (j, k) =>
        !this.pins.has(j) && !this.connected(k) && (!book.isUp(k) || performance.now() - book.lastHeard(k) > timeoutMs),
    )
  }
}

/**
 * While a neighbour may be gone, ask the bootstrap's directory now and then whether its index has a new identity
 * (a peer that lost its disk): a room the runtime starts once the peer has joined.
 */
export class RebindWatch {
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly core: PeerCore,
    private readonly links: PeerLinks,
  ) {}

  start(): void {
    const everyMs = Math.max(1000, this.core.experiment.run.neighbour_timeout_ms)
    this.timer = setInterval(() => {
      const gone = this.links.suspectIndices()
      if (gone.length > 0) void this.links.askWhoHolds(gone)
    }, everyMs)
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

function createRoster(core: PeerCore, links: PeerLinks): Roster {
  const { pins, node } = links
  return new Roster(node, {
    swarm: core.swarm,
    peers: core.graph.n,
    self: null,
    announceEveryMs: 1000, // doubling up to 16 s until the neighbours are found (the directory is the fast path)
    maxAnnounceEveryMs: 16_000,
    pinned: new Map([...pins].map(([j, pin]) => [j, pin.peerId])),
    onImpostor: (index, claimed) => core.reject(`roster: index ${index} claimed against its pin`, claimed),
    onConflict: (_index, _known, claimed) => void links.rebinder.claim(claimed),
    onEntry: (entry) => {
      // a neighbour (re)announced: where it says it is now replaces where it was (a restarted process listens on a
      // new port, and dialling the old one first only delays); the first round's send opens the connection
      if (!core.position.has(entry.index) || pins.has(entry.index)) return
      void node.peerStore
        .patch(peerIdFromString(entry.peerId), { multiaddrs: entry.addrs.map((a) => multiaddr(a)) })
        .catch(() => undefined)
    },
  })
}

/** A neighbour's index claimed by a new identity (a peer that lost its disk): taken once the old one is gone. */
function createRebinder(core: PeerCore, links: PeerLinks): Rebinder {
  const { i, neighbours, book } = core
  return new Rebinder({
    index: i,
    hood: {
      position: core.position,
      holder: (j) => links.pins.get(j)?.peerId ?? links.roster.byIndex.get(j)?.peerId,
      pinned: (j) => links.pins.has(j),
      connected: (k) => links.connected(k),
      silence: (k) => ({ ms: performance.now() - book.lastHeard(k), down: !book.isUp(k) }),
      timeoutMs: core.experiment.run.neighbour_timeout_ms,
    },
    rebind: (k, entry, previous) => {
      const j = neighbours[k]!
      core.log(
        `peer ${i}: index ${j} now belongs to ${entry.peerId} (its previous identity ${previous} is gone: no connection, silent past run.neighbour_timeout_ms)`,
      )
      links.roster.rebind(entry)
      const id = peerIdFromString(entry.peerId)
      void links.node.peerStore.merge(id, { multiaddrs: entry.addrs.map((a) => multiaddr(a)) }).catch(() => undefined)
      links.targets.set(j, id)
      book.restarted(k, 0, performance.now()) // a new peer, from round 0 or wherever it joins us
      links.resend(k) // our newest vector tells it which round we are at
      core.news.notify()
    },
    reject: core.reject,
    log: core.log,
  })
}
