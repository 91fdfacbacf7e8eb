/**
 * Start-up: learn every graph neighbour's peer ID and addresses before the first round.
 *
 * Two paths, whichever answers first: the bootstrap's directory (`/meshgd/roster/1.0.0`: register our signed
 * entry, ask for the neighbours we miss, again with back-off until we know them all) and the roster topic. The
 * wait has no fixed end: it fails only after `timeoutMs` in which neither a neighbour nor any other peer of the
 * swarm arrived (the directory says how many have registered), so a large swarm that starts slowly on few cores
 * keeps going as long as peers keep arriving.
 *
 * `joinSwarm` is the whole start: the node up, the bootstrap reached, the neighbours found and their addresses
 * kept, and, for a peer back from a previous life, `hello` to them.
 */
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { DIRECTORY_MAX_WANT, type SignedRecord } from '../codec/directory.js'
import { staticAddrsOf } from '../config/pins.js'
import { connectBootstrap, dialStaticPeers, type MeshNode } from '../net/mesh-node.js'
import { openRosterRecord, signRosterEntry } from '../net/roster-directory.js'
import type { Roster, RosterEntry } from '../net/roster.js'
import type { PeerCore } from './context.js'
import { PeerError } from './errors.js'
import type { PeerLinks } from './links.js'
import { rememberNeighbours, saveNeighbours, sayHello } from './recovery.js'
import { sleep } from './sleep.js'

export interface FindNeighboursInit {
  node: MeshNode
  roster: Roster
  swarm: string
  peers: number
  index: number
  /** this peer's own entry, signed */
  self: SignedRecord
  neighbours: readonly number[]
  /** do we know where neighbour index j is now? */
  known: (j: number) => boolean
  /** try to reach these missing neighbours directly (a restarted peer: at the addresses of its last life) */
  reach?: (missing: readonly number[]) => void
  bootstraps: readonly string[]
  /** fail after this long without learning a new neighbour */
  timeoutMs: number
  signal: AbortSignal
}

/**
 * Ask one bootstrap's directory for the entries of `missing` (registering our own); take the sound ones. Returns
 * how many peers of the swarm the bootstrap holds.
 */
async function askDirectory(o: FindNeighboursInit, bootstrap: string, missing: readonly number[]): Promise<number> {
  let registered = 0
  for (let at = 0; at === 0 || at < missing.length; at += DIRECTORY_MAX_WANT) {
    const want = missing.slice(at, at + DIRECTORY_MAX_WANT)
    const answer = await o.node.services.directory.lookup(
      multiaddr(bootstrap),
      { swarm: o.swarm, want, self: o.self },
      { signal: o.signal },
    )
    if (answer.heldBy !== undefined) {
      throw new PeerError(
        'INDEX_TAKEN',
        `peer ${o.index}: index ${o.index} is held by the live peer ${answer.heldBy} (is another process running with --index ${o.index}?); this one does not join`,
      )
    }
    registered = Math.max(registered, answer.registered)
    for (const record of answer.records) {
      const entry = await openRosterRecord(record, o.swarm, o.peers)
      if (entry && want.includes(entry.index)) o.roster.remember(entry)
    }
  }
  return registered
}

export async function findNeighbours(o: FindNeighboursInit): Promise<void> {
  const count = (): number => o.neighbours.filter(o.known).length
  let learnt = count()
  let swarmSize = 0
  let deadline = performance.now() + o.timeoutMs
  let wait = 100
  while (!o.signal.aborted && learnt < o.neighbours.length) {
    const missing = o.neighbours.filter((j) => !o.known(j))
    o.reach?.(missing)
    const answers = await Promise.allSettled(o.bootstraps.map((b) => askDirectory(o, b, missing)))
    for (const a of answers)
      if (a.status === 'rejected' && a.reason instanceof PeerError && a.reason.code === 'INDEX_TAKEN') throw a.reason
    const registered = Math.max(0, ...answers.map((a) => (a.status === 'fulfilled' ? a.value : 0)))
    // wait before asking again (in steps of at most 250 ms: gossip may bring the rest sooner)
    for (
      const until = performance.now() + wait;
      performance.now() < until && count() < o.neighbours.length && !o.signal.aborted;
    ) {
      await sleep(Math.min(250, until - performance.now()), o.signal)
    }
    wait = Math.min(2000, wait * 1.5)
    if (count() > learnt || registered > swarmSize) {
      learnt = count()
      swarmSize = Math.max(swarmSize, registered)
      deadline = performance.now() + o.timeoutMs
    } else if (performance.now() > deadline) {
      const missingNow = o.neighbours.filter((j) => !o.known(j))
      throw new PeerError(
        'STARTUP_TIMEOUT',
        `peer ${o.index}: neighbours ${missingNow.join(', ')} did not appear in the roster or the bootstrap's directory within ${o.timeoutMs} ms`,
      )
    }
  }
}

/**
 * Announce this peer and find the neighbours (the node started: PeerLinks.start); returns the start-up timeout the first rounds wait with. Processes of a
 * large swarm start over a while on a few cores: a minute, or half a second a peer.
 */
export async function joinSwarm(
  core: PeerCore,
  links: PeerLinks,
  privateKey: PrivateKey,
  previousLife: boolean,
): Promise<number> {
  const { opts } = core
  const { node, roster } = links
  const self = {
    swarm: core.swarm,
    index: core.i,
    peerId: node.peerId.toString(),
    addrs: node.getMultiaddrs().map((a) => a.toString()),
  }
  roster.setSelf(self)
  if (previousLife) await rememberNeighbours(core, links)
  roster.start()
  const startupTimeout = opts.startupTimeoutMs ?? Math.max(60_000, 500 * core.graph.n)
  dialStaticPeers(node, staticAddrsOf(core.experiment), startupTimeout, opts.signal)
  await connectBootstrap(node, opts.bootstrap, startupTimeout, opts.signal)
  core.log(`peer ${core.i}: ${self.peerId} listening on ${self.addrs.join(' ')}`)
  opts.onEvent?.({ event: 'listening', peer: core.i, peer_id: self.peerId, addrs: self.addrs })
  // learn every neighbour's peer ID and addresses (the bootstrap's directory and the roster topic)
  await findNeighbours({
    node,
    roster,
    swarm: core.swarm,
    peers: core.graph.n,
    index: core.i,
    self: await signRosterEntry(privateKey, self),
    neighbours: core.neighbours,
    known: (j) => links.located(j),
    ...(previousLife ? { reach: (missing: readonly number[]) => dialRecalled(links, missing, opts.signal) } : {}),
    bootstraps: opts.bootstrap,
    timeoutMs: startupTimeout,
    signal: opts.signal,
  })
  // observers that join later (a launcher's, `meshgd watch`) hear every peer within this
  roster.quiet(Math.max(2000, 150 * core.graph.n))
  if (!opts.signal.aborted) {
    core.log(`peer ${core.i}: found neighbours ${core.neighbours.join(', ')} in the roster`)
    opts.onEvent?.({ event: 'joined', peer: core.i })
  }
  await saveNeighbours(core, await targetNeighbours(core, links))
  if (previousLife) sayHello(core, links)
  return startupTimeout
}

/**
 * Dial the neighbours a restarted peer remembers, at the addresses of its last life: a neighbour that did not
 * restart is still there, and is found even with the bootstrap gone. One that did restart is found through the
 * directory instead. A dial in progress is not repeated (libp2p joins it).
 */
function dialRecalled(links: PeerLinks, missing: readonly number[], signal: AbortSignal): void {
  for (const j of missing) {
    const entry = links.roster.byIndex.get(j)
    if (!entry || links.pins.has(j)) continue
    void links.node
      .dial(peerIdFromString(entry.peerId), { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) })
      .catch(() => undefined)
  }
}

/** Where each neighbour's frames go (its pin, else its roster entry); returns the entries, for the cache. */
async function targetNeighbours(core: PeerCore, links: PeerLinks): Promise<RosterEntry[]> {
  const entries: RosterEntry[] = []
  for (const j of core.neighbours) {
    const pin = links.pins.get(j)
    const entry = links.roster.byIndex.get(j)
    if (!pin && !entry) continue // interrupted before every neighbour was known
    const id = peerIdFromString(pin?.peerId ?? entry!.peerId)
    // a pin adds its address; an entry of this life says where the peer is now (one only recalled from the last
    // life may be stale: the open connection that located it, and what identify learnt of it, are kept)
    if (pin) await links.node.peerStore.merge(id, { multiaddrs: [multiaddr(pin.addr)] })
    else if (links.roster.isCurrent(j))
      await links.node.peerStore.patch(id, { multiaddrs: entry!.addrs.map((a) => multiaddr(a)) })
    links.targets.set(j, id)
    if (entry) entries.push(entry)
  }
  return entries
}
