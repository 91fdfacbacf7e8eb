/**
 * `meshgd watch`: follow a running swarm from anywhere its bootstrap is reachable, as an observer that only listens
 * to the status topic (a peer's newest round, loss, disagreement, relative error, done). `SwarmWatch` keeps the
 * newest status of each peer and derives its pace and state (pure); `watchSwarms` is the libp2p observer. Nothing an
 * observer does reaches a peer's state: it publishes nothing and opens no parameter stream. A keyed swarm needs its
 * key: without it the bootstrap's private network refuses the connection.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { connectBootstrap, createMeshNode, type MeshNode } from '../net/node.js'
import { Roster, type StatusMessage } from '../net/roster.js'
import type { DashboardPeer } from '../dashboard/dashboard-feed.js'

/** The largest swarm a status may claim to be from (the experiment schema's limit). */
const MAX_PEERS = 4096

export type PeerState = 'live' | 'silent' | 'done'

/** A peer as `meshgd watch --json` prints it: the dashboard's view (src/dashboard/dashboard-feed.ts), `silent` for down. */
export type PeerView = Omit<DashboardPeer, 'state'> & { state: PeerState }

interface Heard {
  status: StatusMessage
  at: number
  rate: number | null
}

/** The newest status of every peer of every swarm heard, and what follows from it (pure; time passed in). */
export class SwarmWatch {
  private readonly heard = new Map<string, Map<number, Heard>>()
  private readonly sizes = new Map<string, number>()

  /** @param silentAfterMs a peer not heard for this long is shown as silent (peers publish at least every few s) */
  constructor(private readonly silentAfterMs: number) {}

  update(swarm: string, status: StatusMessage, now: number): PeerView {
    const peers = this.heard.get(swarm) ?? new Map<number, Heard>()
    this.heard.set(swarm, peers)
    if (status.peers !== undefined) this.sizes.set(swarm, status.peers)
    const before = peers.get(status.index)
    const seconds = before ? (now - before.at) / 1000 : 0
    const rate =
      before && seconds > 0 && status.round >= before.status.round
        ? (status.round - before.status.round) / seconds
        : (before?.rate ?? null)
    peers.set(status.index, { status, at: now, rate })
    return this.view(swarm, status.index, now)!
  }

  view(swarm: string, peer: number, now: number): PeerView | null {
    const h = this.heard.get(swarm)?.get(peer)
    if (!h) return null
    const age = now - h.at
    const state: PeerState = h.status.done ? 'done' : age > this.silentAfterMs ? 'silent' : 'live'
    const s = h.status
    const counts = {
      bytes_sent: s.bytes_sent ?? null,
      bytes_received: s.bytes_received ?? null,
      rejected: s.rejected ?? null,
    }
    return {
      swarm,
      peer,
      round: s.round,
      loss: s.loss,
      disagreement: s.disagreement,
      relative_error: s.relative_error ?? null,
      done: s.done,
      rounds_per_second: h.rate,
      state,
      age_ms: Math.round(age),
      ...counts,
    }
  }

  /** Every peer heard, by swarm then index. */
  rows(now: number): PeerView[] {
    const out: PeerView[] = []
    for (const swarm of [...this.heard.keys()].sort()) {
      for (const peer of [...this.heard.get(swarm)!.keys()].sort((a, b) => a - b))
        out.push(this.view(swarm, peer, now)!)
    }
    return out
  }

  /** Peers of `swarm` not heard yet (known once any peer said how many there are). */
  unheard(swarm: string): number[] {
    const n = this.sizes.get(swarm)
    if (n === undefined) return []
    const peers = this.heard.get(swarm)
    return Array.from({ length: n }, (_, i) => i).filter((i) => !peers?.has(i))
  }

  /** Has every peer of every swarm heard (with a known size) said it is done? */
  allDone(): boolean {
    if (this.heard.size === 0) return false
    return [...this.heard.keys()].every(
      (swarm) =>
        this.sizes.has(swarm) &&
        this.unheard(swarm).length === 0 &&
        [...this.heard.get(swarm)!.values()].every((h) => h.status.done),
    )
  }
}

/** The table `meshgd watch` redraws: one row per peer, aligned columns. */
export function watchTable(rows: readonly PeerView[], unheard: (swarm: string) => number[]): string {
  // loss and error span many decades: one format for both (8.87e-31, 2.50e-1, 0), never 0.0000 beside 8.87e-31
  const sci = (x: number | null): string =>
    x === null || !Number.isFinite(x) ? 'n/a' : x === 0 ? '0' : x.toExponential(2)
  const pace = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(1))
  const header = ['swarm', 'peer', 'round', 'loss', 'rel. error', 'state', 'rounds/s']
  const body = rows.map((r) => [
    r.swarm,
    String(r.peer),
    String(r.round),
    sci(r.loss),
    sci(r.relative_error),
    r.state,
    pace(r.rounds_per_second),
  ])
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)))
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c < 1 || c === 5 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')
  const swarms = [...new Set(rows.map((r) => r.swarm))]
  const missing = swarms.flatMap((s) =>
    unheard(s).length > 0 ? [`${s}: not heard yet from peer(s) ${unheard(s).join(', ')}`] : [],
  )
  return [line(header), ...body.map(line), ...missing].join('\n')
}

export interface WatchOptions {
  bootstrap: readonly string[]
  swarmKey: Uint8Array | null
  /** follow only this swarm (default: every swarm the bootstrap relays) */
  swarm?: string
  connectTimeoutMs: number
  signal: AbortSignal
  onStatus: (swarm: string, status: StatusMessage) => void
}

/** Start an observer node following the status of the swarm(s) behind `bootstrap`; resolves once connected. */
export async function watchSwarms(opts: WatchOptions): Promise<{ stop: () => Promise<void> }> {
  const node = await createMeshNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/0.0.0.0/tcp/0'],
    bootstrap: [...opts.bootstrap],
    swarmKey: opts.swarmKey,
  })
  await node.start()
  try {
    await connectBootstrap(node, opts.bootstrap, opts.connectTimeoutMs, opts.signal)
  } catch (err) {
    await node.stop()
    throw err
  }
  const rosters = new Map<string, Roster>()
  const follow = (swarm: string): void => {
    if (rosters.has(swarm) || (opts.swarm !== undefined && swarm !== opts.swarm)) return
    const roster = new Roster(node, { swarm, peers: MAX_PEERS, self: null, onStatus: (s) => opts.onStatus(swarm, s) })
    rosters.set(swarm, roster)
    roster.start()
  }
  if (opts.swarm !== undefined) follow(opts.swarm)
  followAnnouncedSwarms(node, follow)
  return {
    stop: async () => {
      for (const r of rosters.values()) r.stop()
      await node.stop()
    },
  }
}

/**
 * The bootstrap subscribes to the control topics of every swarm it relays (the roster topic from the peers' own
 * subscriptions: peers publish status without reading it): follow the status of each swarm they name.
 */
function followAnnouncedSwarms(node: MeshNode, follow: (swarm: string) => void): void {
  const pubsub = node.services.pubsub
  pubsub.addEventListener('subscription-change', (evt) => {
    for (const sub of evt.detail.subscriptions) {
      const m = /^meshgd\/([A-Za-z0-9._-]{1,64})\/(roster|status)$/.exec(sub.topic)
      if (sub.subscribe && m) follow(m[1]!)
    }
  })
}
