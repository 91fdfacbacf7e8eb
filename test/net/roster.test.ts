import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, describe, expect, it } from 'vitest'
import { connectBootstrap, createMeshNode, type MeshNode } from '../../src/net/node.js'
import { loadOrCreateIdentity, readSwarmKey } from '../../src/net/identity.js'
import { parseRosterEntry, parseStatus, Roster } from '../../src/net/roster.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const enc = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x))
const nodes: MeshNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

describe('roster messages', () => {
  it('accept well-formed entries of this swarm only', () => {
    const ok = { swarm: 's', index: 2, peerId: '12D3KooWx', addrs: ['/ip4/127.0.0.1/tcp/1'] }
    expect(parseRosterEntry(enc(ok), 's', 4)).toEqual(ok)
    expect(parseRosterEntry(enc({ ...ok, swarm: 'other' }), 's', 4)).toBeNull()
    expect(parseRosterEntry(enc({ ...ok, index: 4 }), 's', 4)).toBeNull()
    expect(parseRosterEntry(enc({ ...ok, index: 1.5 }), 's', 4)).toBeNull()
    expect(parseRosterEntry(enc({ ...ok, addrs: 'x' }), 's', 4)).toBeNull()
    expect(parseRosterEntry(new Uint8Array([0xff, 0x00]), 's', 4)).toBeNull()
    expect(parseRosterEntry(new Uint8Array(5000), 's', 4)).toBeNull()
    expect(parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1 }), 4)).toEqual({
      index: 1,
      round: 3,
      loss: 0.5,
      disagreement: 0.1,
      relative_error: null,
      done: false,
    })
    expect(
      parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, relative_error: 2e-9 }), 4)?.relative_error,
    ).toBe(2e-9)
    expect(
      parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, relative_error: -1 }), 4)?.relative_error,
    ).toBeNull()
    expect(parseStatus(enc({ index: 9, round: 3, loss: 0.5, disagreement: 0.1 }), 4)).toBeNull()
    // the swarm's run.rounds rides along (issue 25 item 8); anything but a positive integer is dropped
    expect(parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, rounds: 20_000 }), 4)?.rounds).toBe(
      20_000,
    )
    expect(parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, rounds: -1 }), 4)).not.toHaveProperty(
      'rounds',
    )
    expect(parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, rounds: 'x' }), 4)).not.toHaveProperty(
      'rounds',
    )
    // the counters the dashboard shows: kept when they are counts, dropped otherwise (the status itself stands)
    const counted = parseStatus(
      enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, bytes_sent: 800, bytes_received: 1600, rejected: 0 }),
      4,
    )
    expect(counted).toMatchObject({ bytes_sent: 800, bytes_received: 1600, rejected: 0 })
    const hostile = parseStatus(
      enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, bytes_sent: -5, bytes_received: 'x', rejected: null }),
      4,
    )
    expect(hostile).toEqual({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, relative_error: null, done: false })
  })

  it("recalls a restarted peer's cached entries as hints, not as news of this life", () => {
    // nothing here touches the node: recall, remember and isCurrent are bookkeeping
    const seen: string[] = []
    const roster = new Roster({} as MeshNode, {
      swarm: 's',
      peers: 4,
      self: null,
      onEntry: (e) => seen.push(e.addrs.join(' ')),
    })
    const old = { swarm: 's', index: 1, peerId: '12D3KooWa', addrs: ['/ip4/127.0.0.1/tcp/1111'] }
    roster.recall(old)
    expect(roster.byIndex.get(1)).toEqual(old) // whom index 1 is: its streams are accepted at once
    expect(roster.isCurrent(1)).toBe(false) // but where it is now is not known
    roster.recall({ ...old, swarm: 'other', index: 2 })
    expect(roster.byIndex.has(2)).toBe(false)
    // the same identity heard in this life at a new port: the newest entry wins, and it is current
    roster.remember({ ...old, addrs: ['/ip4/127.0.0.1/tcp/2222'] })
    expect(roster.isCurrent(1)).toBe(true)
    expect(roster.byIndex.get(1)!.addrs).toEqual(['/ip4/127.0.0.1/tcp/2222'])
    expect(seen).toEqual(['/ip4/127.0.0.1/tcp/1111', '/ip4/127.0.0.1/tcp/2222'])
    // unchanged addresses heard again still count as heard
    roster.recall({ ...old, index: 3, peerId: '12D3KooWb' })
    roster.remember({ ...old, index: 3, peerId: '12D3KooWb' })
    expect(roster.isCurrent(3)).toBe(true)
  })

  it('travel through a hub; an index claimed by a second peer ID is reported, not taken', async () => {
    const hub = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      hub: true,
    })
    nodes.push(hub)
    await hub.start()
    hub.services.pubsub.subscribe('meshgd/t/roster')
    hub.services.pubsub.subscribe('meshgd/t/status')
    const addr = hub.getMultiaddrs()[0]!.toString()
    const make = async (): Promise<MeshNode> => {
      const node = await createMeshNode({
        privateKey: await generateKeyPair('Ed25519'),
        listen: ['/ip4/127.0.0.1/tcp/0'],
      })
      nodes.push(node)
      await node.start()
      await connectBootstrap(node, [addr], 10_000, AbortSignal.timeout(10_000))
      return node
    }
    const [a, b, c] = [await make(), await make(), await make()]
    const conflicts: string[] = []
    const watcher = new Roster(c, {
      swarm: 't',
      peers: 3,
      self: null,
      onConflict: (i, known, claimed) => conflicts.push(`${i}:${known}:${claimed.peerId}`),
    })
    watcher.start()
    const ra = new Roster(a, {
      swarm: 't',
      peers: 3,
      self: { swarm: 't', index: 0, peerId: a.peerId.toString(), addrs: [] },
      announceEveryMs: 200,
    })
    ra.start()
    for (let k = 0; k < 100 && !watcher.byIndex.has(0); k++) await new Promise((r) => setTimeout(r, 100))
    expect(watcher.byIndex.get(0)?.peerId).toBe(a.peerId.toString())
    const rb = new Roster(b, {
      swarm: 't',
      peers: 3,
      self: { swarm: 't', index: 0, peerId: b.peerId.toString(), addrs: [] },
      announceEveryMs: 200,
    })
    rb.start()
    for (let k = 0; k < 100 && conflicts.length === 0; k++) await new Promise((r) => setTimeout(r, 100))
    expect(conflicts[0]).toBe(`0:${a.peerId.toString()}:${b.peerId.toString()}`)
    expect(watcher.byIndex.get(0)?.peerId).toBe(a.peerId.toString())
    for (const r of [watcher, ra, rb]) r.stop()
  })
})

describe('pinned identities and the connection gater', () => {
  const hubAndNodes = async (count: number): Promise<{ hub: MeshNode; addr: string; peers: MeshNode[] }> => {
    const hub = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      hub: true,
    })
    nodes.push(hub)
    await hub.start()
    hub.services.pubsub.subscribe('meshgd/t/roster')
    const addr = hub.getMultiaddrs()[0]!.toString()
    const peers: MeshNode[] = []
    for (let k = 0; k < count; k++) {
      const node = await createMeshNode({
        privateKey: await generateKeyPair('Ed25519'),
        listen: ['/ip4/127.0.0.1/tcp/0'],
      })
      nodes.push(node)
      await node.start()
      await connectBootstrap(node, [addr], 10_000, AbortSignal.timeout(10_000))
      peers.push(node)
    }
    return { hub, addr, peers }
  }

  it('a roster entry that contradicts a pin is rejected and never taken, even when it comes first', async () => {
    const { peers } = await hubAndNodes(3)
    const [impostor, pinned, watcherNode] = peers as [MeshNode, MeshNode, MeshNode]
    const impostors: string[] = []
    const watcher = new Roster(watcherNode, {
      swarm: 't',
      peers: 3,
      self: null,
      pinned: new Map([[0, pinned.peerId.toString()]]),
      onImpostor: (index, claimed) => impostors.push(`${index}:${claimed}`),
      onConflict: () => expect.unreachable('a pinned index never conflicts'),
    })
    watcher.start()
    const bad = new Roster(impostor, {
      swarm: 't',
      peers: 3,
      self: { swarm: 't', index: 0, peerId: impostor.peerId.toString(), addrs: [] },
      announceEveryMs: 200,
    })
    bad.start()
    for (let k = 0; k < 100 && impostors.length === 0; k++) await new Promise((r) => setTimeout(r, 100))
    expect(impostors[0]).toBe(`0:${impostor.peerId.toString()}`)
    expect(watcher.byIndex.has(0)).toBe(false)
    const good = new Roster(pinned, {
      swarm: 't',
      peers: 3,
      self: { swarm: 't', index: 0, peerId: pinned.peerId.toString(), addrs: [] },
      announceEveryMs: 200,
    })
    good.start()
    for (let k = 0; k < 100 && !watcher.byIndex.has(0); k++) await new Promise((r) => setTimeout(r, 100))
    expect(watcher.byIndex.get(0)?.peerId).toBe(pinned.peerId.toString())
    expect(watcher.byPeer.has(impostor.peerId.toString())).toBe(false)
    for (const r of [watcher, bad, good]) r.stop()
  })

  it('bounds open connections per remote peer and per remote IP', async () => {
    const refused: string[] = []
    const guarded = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      maxConnectionsPerPeer: 2,
      maxConnectionsPerIp: 4,
      onGaterRefuse: (why) => refused.push(why),
    })
    nodes.push(guarded)
    await guarded.start()
    const target = guarded.getMultiaddrs()[0]!
    const one = await createMeshNode({ privateKey: await generateKeyPair('Ed25519'), listen: [] })
    nodes.push(one)
    await one.start()
    // the same peer forcing new connections: the third and later are refused
    for (let k = 0; k < 5; k++)
      await one.dial(target, { force: true, signal: AbortSignal.timeout(5000) }).catch(() => undefined)
    await new Promise((r) => setTimeout(r, 300))
    expect(guarded.getConnections(one.peerId).length).toBeLessThanOrEqual(2)
    expect(refused).toContain('per-peer')
    // many peers from one IP (127.0.0.1): at most 4 connections in all
    for (let k = 0; k < 5; k++) {
      const other = await createMeshNode({ privateKey: await generateKeyPair('Ed25519'), listen: [] })
      nodes.push(other)
      await other.start()
      await other.dial(target, { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
    }
    await new Promise((r) => setTimeout(r, 300))
    expect(guarded.getConnections().length).toBeLessThanOrEqual(4)
    expect(refused).toContain('per-ip')
  })
})

describe('identity and swarm keys', () => {
  it('keeps a peer identity across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-id-'))
    const a = await loadOrCreateIdentity(dir)
    const b = await loadOrCreateIdentity(dir)
    expect(b.equals(a)).toBe(true)
  })

  it('reads a valid swarm key and names the file for a malformed one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-key-'))
    const good = join(dir, 'swarm.key')
    writeFileSync(good, `/key/swarm/psk/1.0.0/\n/base16/\n${'ab'.repeat(32)}\n`)
    expect(readSwarmKey(good).length).toBeGreaterThan(64)
    const bad = join(dir, 'bad.key')
    writeFileSync(bad, 'hello')
    expect(() => readSwarmKey(bad)).toThrow(new RegExp(`^${bad}: not a swarm key`))
  })
})
