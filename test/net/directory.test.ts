/**
 * Start-up at scale (issue 13): the bootstrap's roster directory (`/meshgd/roster/1.0.0`), its wire format under
 * hostile input, signed records, the start-up wait that goes on while neighbours keep arriving, and the gossip
 * roster past a dozen peers on one IP address (which gossipsub's IP colocation penalty used to silence).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import {
  decodeDirectoryAnswer,
  decodeDirectoryRequest,
  DIRECTORY_MAX_WANT,
  encodeDirectoryAnswer,
  encodeDirectoryRequest,
  type SignedRecord,
} from '../../src/codec/directory.js'
import { FrameDecoder, WireError } from '../../src/codec/index.js'
import { connectBootstrap, createMeshNode, type MeshNode } from '../../src/net/node.js'
import { openRosterRecord, signRosterEntry } from '../../src/net/roster-directory.js'
import { Roster, type RosterEntry } from '../../src/net/roster.js'
import { findNeighbours } from '../../src/peer/startup.js'

const nodes: MeshNode[] = []
/** the private key of each node made here, to sign its entries */
const keys = new Map<MeshNode, PrivateKey>()
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

/** The body of a whole frame (strip the length prefix). */
function body(frame: Uint8Array): Uint8Array {
  const bodies = [...new FrameDecoder(1 << 24).push(frame)]
  expect(bodies).toHaveLength(1)
  return bodies[0]!
}

async function hubAndPeers(count: number): Promise<{ hub: MeshNode; addr: string; peers: MeshNode[] }> {
  const hub = await createMeshNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    hub: true,
  })
  nodes.push(hub)
  await hub.start()
  const addr = hub.getMultiaddrs()[0]!.toString()
  const peers = await Promise.all(
    Array.from({ length: count }, async () => {
      const privateKey = await generateKeyPair('Ed25519')
      const node = await createMeshNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'] })
      nodes.push(node)
      keys.set(node, privateKey)
      await node.start()
      await connectBootstrap(node, [addr], 10_000, AbortSignal.timeout(10_000))
      return node
    }),
  )
  return { hub, addr, peers }
}

const entryOf = (node: MeshNode, swarm: string, index: number): RosterEntry => ({
  swarm,
  index,
  peerId: node.peerId.toString(),
  addrs: node.getMultiaddrs().map((a) => a.toString()),
})

describe('directory wire format', () => {
  const record: SignedRecord = { e: new TextEncoder().encode('{"a":1}'), s: new Uint8Array(64).fill(7) }

  it('round-trips requests and answers', () => {
    const request = { swarm: 's', want: [3, 1, 2], self: record }
    expect(decodeDirectoryRequest(body(encodeDirectoryRequest(request)))).toEqual(request)
    expect(decodeDirectoryRequest(body(encodeDirectoryRequest({ swarm: 's', want: [], self: null })))).toEqual({
      swarm: 's',
      want: [],
      self: null,
    })
    expect(decodeDirectoryAnswer(body(encodeDirectoryAnswer({ records: [record, record], registered: 5 })))).toEqual({
      records: [record, record],
      registered: 5,
    })
  })

  it('refuses oversized and malformed requests with its own error', () => {
    const tooMany = Array.from({ length: DIRECTORY_MAX_WANT + 1 }, (_, j) => j)
    const bad = [
      encodeDirectoryRequest({ swarm: 's', want: tooMany, self: null }),
      encodeDirectoryRequest({ swarm: '', want: [], self: null }),
      encodeDirectoryRequest({ swarm: 's', want: [-1], self: null }),
      encodeDirectoryRequest({ swarm: 's', want: [1.5], self: null }),
      encodeDirectoryRequest({ swarm: 's', want: [], self: { e: new Uint8Array(5000), s: new Uint8Array(64) } }),
    ]
    for (const frame of bad) expect(() => decodeDirectoryRequest(body(frame))).toThrow(WireError)
    expect(() => decodeDirectoryRequest(Uint8Array.from([0xc1]))).toThrow(WireError)
    expect(() => decodeDirectoryAnswer(Uint8Array.from([0x93, 1, 2, 3]))).toThrow(WireError)
  })

  it('random bytes are either a well-formed message or WireError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const decode of [decodeDirectoryRequest, decodeDirectoryAnswer]) {
          try {
            decode(bytes)
          } catch (err) {
            if (!(err instanceof WireError)) return false
          }
        }
        return true
      }),
      { seed: 20261130, numRuns: 500 },
    )
  })
})

describe('signed roster records', () => {
  it('open only when signed by the peer they name, for this swarm and index range', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const entry = {
      swarm: 's',
      index: 2,
      peerId: peerIdFromPrivateKey(key).toString(),
      addrs: ['/ip4/127.0.0.1/tcp/9'],
    }
    const record = await signRosterEntry(key, entry)
    expect(await openRosterRecord(record, 's', 4)).toEqual(entry)
    expect(await openRosterRecord(record, 'other', 4)).toBeNull()
    expect(await openRosterRecord(record, 's', 2)).toBeNull() // index 2 out of range for 2 peers
    const forged = await signRosterEntry(other, entry) // someone else's key, claiming key's peer ID
    expect(await openRosterRecord(forged, 's', 4)).toBeNull()
    const tampered = {
      e: new TextEncoder().encode(new TextDecoder().decode(record.e).replace('tcp/9', 'tcp/8')),
      s: record.s,
    }
    expect(await openRosterRecord(tampered, 's', 4)).toBeNull()
  })
})

describe('the bootstrap directory', () => {
  it('registers peers and answers who is index j; a live holder keeps its index, a gone one loses it', async () => {
    const { addr, peers } = await hubAndPeers(3)
    const [a, b, c] = peers as [MeshNode, MeshNode, MeshNode]
    const ask = async (node: MeshNode, want: number[], index: number | null): Promise<RosterEntry[]> => {
      const self = index === null ? null : await signRosterEntry(keys.get(node)!, entryOf(node, 's', index))
      const { records } = await node.services.directory.lookup(multiaddr(addr), { swarm: 's', want, self })
      return (await Promise.all(records.map((r) => openRosterRecord(r, 's', 8)))).filter(
        (e): e is RosterEntry => e !== null,
      )
    }
    expect(await ask(a, [0, 1], 0)).toEqual([entryOf(a, 's', 0)])
    expect(await ask(b, [0, 1], 1)).toEqual([entryOf(a, 's', 0), entryOf(b, 's', 1)])
    // c claims index 0, held by a, which is still connected: refused, c is told who holds it, a's entry stands
    const refused = await c.services.directory.lookup(multiaddr(addr), {
      swarm: 's',
      want: [0],
      self: await signRosterEntry(keys.get(c)!, entryOf(c, 's', 0)),
    })
    expect(refused.heldBy).toBe(a.peerId.toString())
    expect(await ask(c, [0], null)).toEqual([entryOf(a, 's', 0)])
    // another swarm on the same bootstrap is kept apart
    expect(await c.services.directory.lookup(multiaddr(addr), { swarm: 's', want: [], self: null })).toEqual({
      records: [],
      registered: 2,
    })
    const other = await c.services.directory.lookup(multiaddr(addr), { swarm: 'other', want: [0, 1], self: null })
    expect(other).toEqual({ records: [], registered: 0 })
    // a goes away (a peer that lost its disk): its index passes to the next claimant
    await a.stop()
    await new Promise((r) => setTimeout(r, 300))
    expect(await ask(c, [0], 0)).toEqual([entryOf(c, 's', 0)])
  })

  it('start-up waits on while neighbours keep arriving, and names the one that never does', async () => {
    const { addr, peers } = await hubAndPeers(4)
    const [a, b, c] = peers as [MeshNode, MeshNode, MeshNode, MeshNode]
    const roster = new Roster(a, { swarm: 'w', peers: 4, self: null })
    const register = async (node: MeshNode, index: number): Promise<void> => {
      await node.services.directory.lookup(multiaddr(addr), {
        swarm: 'w',
        want: [],
        self: await signRosterEntry(keys.get(node)!, entryOf(node, 'w', index)),
      })
    }
    // b at 0.6 s and c at 1.3 s: a fixed 1 s wait would fail; a wait reset by each arrival does not
    const late = (async () => {
      await new Promise((r) => setTimeout(r, 600))
      await register(b, 1)
      await new Promise((r) => setTimeout(r, 700))
      await register(c, 2)
    })()
    const init = {
      node: a,
      roster,
      swarm: 'w',
      peers: 4,
      index: 0,
      self: await signRosterEntry(keys.get(a)!, entryOf(a, 'w', 0)),
      known: (j: number) => roster.byIndex.has(j),
      bootstraps: [addr],
      timeoutMs: 1000,
      signal: AbortSignal.timeout(20_000),
    }
    await findNeighbours({ ...init, neighbours: [1, 2] })
    await late
    expect(roster.byIndex.get(1)?.peerId).toBe(b.peerId.toString())
    expect(roster.byIndex.get(2)?.peerId).toBe(c.peerId.toString())
    const started = performance.now()
    await expect(findNeighbours({ ...init, neighbours: [1, 3] })).rejects.toThrow(/neighbours 3 did not appear/)
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000)
    expect(performance.now() - started).toBeLessThan(6000)
  })
})

describe('the roster topic past a dozen peers on one IP address', () => {
  it('16 peers on 127.0.0.1 behind one hub all hear each other (gossipsub graylisted them past ~14)', async () => {
    const n = 16
    const { hub, peers } = await hubAndPeers(n)
    hub.services.pubsub.subscribe('meshgd/g/roster') // as meshgd bootstrap does for every swarm it sees
    const rosters = peers.map(
      (node, index) =>
        new Roster(node, {
          swarm: 'g',
          peers: n,
          self: entryOf(node, 'g', index),
          announceEveryMs: 300,
          maxAnnounceEveryMs: 1200,
        }),
    )
    for (const r of rosters) r.start()
    const deadline = performance.now() + 30_000
    while (performance.now() < deadline && !rosters.every((r) => r.byIndex.size === n))
      await new Promise((r) => setTimeout(r, 200))
    expect(rosters.map((r) => r.byIndex.size)).toEqual(new Array(n).fill(n))
    for (const r of rosters) r.stop()
  }, 60_000)
})

describe('a quiet peer (it knows its neighbours and no longer reads the roster topic)', () => {
  it('still reaches observers that join later with its announcements', async () => {
    const { hub, peers } = await hubAndPeers(2)
    hub.services.pubsub.subscribe('meshgd/q/roster')
    const [a, watcherNode] = peers as [MeshNode, MeshNode]
    const roster = new Roster(a, { swarm: 'q', peers: 2, self: entryOf(a, 'q', 0), announceEveryMs: 200 })
    roster.start()
    await new Promise((r) => setTimeout(r, 1000))
    roster.quiet(300)
    await new Promise((r) => setTimeout(r, 1000))
    const watcher = new Roster(watcherNode, { swarm: 'q', peers: 2, self: null })
    watcher.start()
    for (let k = 0; k < 50 && !watcher.byIndex.has(0); k++) await new Promise((r) => setTimeout(r, 100))
    expect(watcher.byIndex.get(0)?.peerId).toBe(a.peerId.toString())
    roster.stop()
    watcher.stop()
  })
})
