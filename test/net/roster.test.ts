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
    expect(parseStatus(enc({ index: 1, round: 3, loss: 0.5, disagreement: 0.1 }), 4)).toEqual({ index: 1, round: 3, loss: 0.5, disagreement: 0.1, done: false })
    expect(parseStatus(enc({ index: 9, round: 3, loss: 0.5, disagreement: 0.1 }), 4)).toBeNull()
  })

  it('travel through a hub; an index claimed by a second peer ID is reported, not taken', async () => {
    const hub = await createMeshNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], hub: true })
    nodes.push(hub)
    await hub.start()
    hub.services.pubsub.subscribe('meshgd/t/roster')
    hub.services.pubsub.subscribe('meshgd/t/status')
    const addr = hub.getMultiaddrs()[0]!.toString()
    const make = async (): Promise<MeshNode> => {
      const node = await createMeshNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'] })
      nodes.push(node)
      await node.start()
      await connectBootstrap(node, [addr], 10_000, AbortSignal.timeout(10_000))
      return node
    }
    const [a, b, c] = [await make(), await make(), await make()]
    const conflicts: string[] = []
    const watcher = new Roster(c, { swarm: 't', peers: 3, self: null, onConflict: (i, known, claimed) => conflicts.push(`${i}:${known}:${claimed}`) })
    watcher.start()
    const ra = new Roster(a, { swarm: 't', peers: 3, self: { swarm: 't', index: 0, peerId: a.peerId.toString(), addrs: [] }, announceEveryMs: 200 })
    ra.start()
    for (let k = 0; k < 100 && !watcher.byIndex.has(0); k++) await new Promise((r) => setTimeout(r, 100))
    expect(watcher.byIndex.get(0)?.peerId).toBe(a.peerId.toString())
    const rb = new Roster(b, { swarm: 't', peers: 3, self: { swarm: 't', index: 0, peerId: b.peerId.toString(), addrs: [] }, announceEveryMs: 200 })
    rb.start()
    for (let k = 0; k < 100 && conflicts.length === 0; k++) await new Promise((r) => setTimeout(r, 100))
    expect(conflicts[0]).toBe(`0:${a.peerId.toString()}:${b.peerId.toString()}`)
    expect(watcher.byIndex.get(0)?.peerId).toBe(a.peerId.toString())
    for (const r of [watcher, ra, rb]) r.stop()
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
