/**
 * A peer's links to the others: its libp2p node, where frames go (link-sender.ts), the roster (who is index j), what
 * the peer knows of where its neighbours are (neighbour-view.ts), the rebinding of a neighbour's index to a new
 * identity (rebind.ts), and the params transport whose inbound frames feed the NeighbourBook (inbound.ts). Nothing
 * here decides a round; it only keeps the book and the targets current.
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Pin } from '../config/pins.js'
import type { MeshNode } from '../net/mesh-node.js'
import type { Outbox, ParamsTransport } from '../net/params-protocol.js'
import { openRosterRecord } from '../net/roster-directory.js'
import { Roster, type RosterEntry } from '../net/roster.js'
import type { PeerCore } from './context.js'
import { createTransport } from './inbound.js'
import { keptRounds, LinkSender } from './link-sender.js'
import { NeighbourView } from './neighbour-view.js'
import { Rebinder } from './rebind.js'
import type { SentFrames } from './sent-frames.js'

/**
 * The rooms of a peer's links, each built from the ones before it and nothing later: the sender (targets, queue,
 * frames kept), the roster, the view of the neighbours the roster and the node give, the rebinder that judges claims
 * against that view, and the params transport. The one loop, the roster meeting a claim that the rebinder judges, is
 * closed through a relay once both exist.
 */
export class PeerLinks {
  /** stops the outbound queue when the peer stops */
  readonly controller = new AbortController()
  readonly sender: LinkSender
  readonly roster: Roster
  readonly view: NeighbourView
  readonly rebinder: Rebinder
  readonly transport: ParamsTransport

  private constructor(
    private readonly core: PeerCore,
    readonly node: MeshNode,
    readonly pins: ReadonlyMap<number, Pin>,
  ) {
    const claims = new ClaimRelay()
    this.sender = new LinkSender(core.neighbours, keptRounds(core.graph))
    this.roster = createRoster(core, node, pins, claims)
    this.view = new NeighbourView(core, node, pins, this.roster, this.sender.targets)
    const rebinder = createRebinder(core, node, this.roster, this.view, this.sender)
    claims.to((entry) => void rebinder.claim(entry))
    this.rebinder = rebinder
    const askWhoHolds = (indices: readonly number[]): Promise<void> =>
      askDirectory(core, node, this.roster, rebinder, indices)
    this.transport = createTransport(core, {
      node,
      pins,
      roster: this.roster,
      view: this.view,
      sender: this.sender,
      askWhoHolds,
    })
  }

  static async create(core: PeerCore, privateKey: PrivateKey, pins: ReadonlyMap<number, Pin>): Promise<PeerLinks> {
    const { opts, experiment, graph, neighbours } = core
    const node = await core.platform.createNode({
      privateKey,
      listen: opts.listen,
      announce: opts.announce,
      bootstrap: opts.bootstrap,
      swarmKey: opts.swarmKey ?? null,
      maxConnections: Math.max(64, 4 * neighbours.length + 16),
      maxConnectionsPerIp: experiment.swarm.max_connections_per_ip ?? 2 * graph.n + 16,
      maxConnectionsPerPeer: experiment.swarm.max_connections_per_peer,
      onGaterRefuse: (why, remote) => core.reject(`gater: ${why}`, remote),
    })
    return new PeerLinks(core, node, pins)
  }

  /** neighbour index -> the peer ID its frames go to */
  get targets(): LinkSender['targets'] {
    return this.sender.targets
  }

  /** what this peer sent that a neighbour back from away needs (sent-frames.ts) */
  get frames(): SentFrames {
    return this.sender.frames
  }

  sendTo(k: number, frames: readonly Uint8Array[]): void {
    this.sender.sendTo(k, frames)
  }

  resend(k: number): void {
    this.sender.resend(k)
  }

  /** Listen for parameter streams (with the handlers given at creation), start the node and the outbound queue. */
  async start(): Promise<void> {
    await this.transport.listen()
    await this.node.start()
    this.sender.open(this.transport, this.controller.signal)
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
    return this.sender.outbox
  }

  /** Is there an open connection to the neighbour at position k? */
  connected(k: number): boolean {
    return this.view.connected(k)
  }

  /** Do we know where neighbour index j is now (neighbour-view.ts)? */
  located(j: number): boolean {
    return this.view.located(j)
  }

  /** Ask the bootstrap directory who holds these neighbour indices now, and judge each claim it returns. */
  askWhoHolds(indices: readonly number[]): Promise<void> {
    return askDirectory(this.core, this.node, this.roster, this.rebinder, indices)
  }

  /** The unpinned neighbours that may be gone (neighbour-view.ts). */
  suspectIndices(): number[] {
    return this.view.suspectIndices()
  }
}

/** Claims the roster meets, passed on to the rebinder once it exists (it is built from the roster). */
class ClaimRelay {
  private handler: ((entry: RosterEntry) => void) | null = null

  to(handler: (entry: RosterEntry) => void): void {
    this.handler = handler
  }

  send(entry: RosterEntry): void {
    this.handler?.(entry)
  }
}

/** Ask the bootstrap directory who holds these neighbour indices now, and judge each claim it returns. */
async function askDirectory(
  core: PeerCore,
  node: MeshNode,
  roster: Roster,
  rebinder: Rebinder,
  indices: readonly number[],
): Promise<void> {
  const { opts, swarm, graph } = core
  for (const b of opts.bootstrap) {
    try {
      const answer = await node.services.directory.lookup(
        multiaddr(b),
        { swarm, want: [...indices], self: null },
        { signal: opts.signal },
      )
      for (const record of answer.records) {
        const entry = await openRosterRecord(record, swarm, graph.n)
        if (!entry || !indices.includes(entry.index)) continue
        // the same identity at new addresses (restarted on another port) is news too: dial it there
        if (rebinder.claim(entry) === 'same') roster.remember(entry)
      }
    } catch {
      // a bootstrap away: the next check asks again
    }
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

function createRoster(core: PeerCore, node: MeshNode, pins: ReadonlyMap<number, Pin>, claims: ClaimRelay): Roster {
  return new Roster(node, {
    swarm: core.swarm,
    peers: core.graph.n,
    self: null,
    announceEveryMs: 1000, // doubling up to 16 s until the neighbours are found (the directory is the fast path)
    maxAnnounceEveryMs: 16_000,
    pinned: new Map([...pins].map(([j, pin]) => [j, pin.peerId])),
    onImpostor: (index, claimed) => core.reject(`roster: index ${index} claimed against its pin`, claimed),
    onConflict: (_index, _known, claimed) => claims.send(claimed),
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
function createRebinder(
  core: PeerCore,
  node: MeshNode,
  roster: Roster,
  view: NeighbourView,
  sender: LinkSender,
): Rebinder {
  const { i, neighbours, book } = core
  return new Rebinder({
    index: i,
    hood: view,
    rebind: (k, entry, previous) => {
      const j = neighbours[k]!
      core.log(
        `peer ${i}: index ${j} now belongs to ${entry.peerId} (its previous identity ${previous} is gone: no connection, silent past run.neighbour_timeout_ms)`,
      )
      roster.rebind(entry)
      const id = peerIdFromString(entry.peerId)
      void node.peerStore.merge(id, { multiaddrs: entry.addrs.map((a) => multiaddr(a)) }).catch(() => undefined)
      sender.targets.set(j, id)
      book.restarted(k, 0, performance.now()) // a new peer, from round 0 or wherever it joins us
      sender.resend(k) // our newest vector tells it which round we are at
      core.news.notify()
    },
    reject: core.reject,
    log: core.log,
  })
}
