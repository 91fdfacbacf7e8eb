/**
 * The libp2p path as meshgd tunes it (src/net/noise-tuning.ts, yamux-tuning.ts, pnet-chunks.ts), between two real
 * nodes on loopback: every byte arrives in order, a receiver sends one Yamux window update per half window rather
 * than one per data frame, and keyed nodes carry frames of a megabyte (the cipher's own fix is tested in
 * pnet-chunks.test.ts).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { createMeshNode, type MeshNode } from '../../src/net/node.js'
import { newSwarmKeyText } from '../../src/net/identity.js'

const PROTOCOL = '/meshgd-test/bytes/1.0.0'
/** Yamux frame type of a window update (the spec's 0x1). */
const WINDOW_UPDATE = 1

const nodes: MeshNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

async function started(count: number, swarmKey: Uint8Array | null): Promise<MeshNode[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const node = await createMeshNode({
        privateKey: await generateKeyPair('Ed25519'),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        swarmKey,
      })
      nodes.push(node)
      await node.start()
      return node
    }),
  )
}

/** Deterministic bytes: frame f, byte k. */
function frameBytes(f: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let k = 0; k < size; k++) out[k] = (f * 131 + k * 7 + (k >> 8)) & 0xff
  return out
}

/**
 * Send `frames` frames of `size` bytes from a to b over one stream (waiting for drain when `send` says so); returns
 * what b read, joined, and how many window updates b's stream sent.
 */
async function transfer(
  a: MeshNode,
  b: MeshNode,
  frames: number,
  size: number,
): Promise<{ received: Buffer; windowUpdates: number }> {
  let windowUpdates = 0
  const done = new Promise<Buffer>((resolve, reject) => {
    void b.handle(PROTOCOL, async (stream: Stream) => {
      const yamuxStream = stream as unknown as { sendFrame: (header: { type: number }, data?: unknown) => boolean }
      const sendFrame = yamuxStream.sendFrame.bind(yamuxStream)
      yamuxStream.sendFrame = (header, data) => {
        if (header.type === WINDOW_UPDATE) windowUpdates++
        return sendFrame(header, data)
      }
      const parts: Buffer[] = []
      let total = 0
      try {
        for await (const chunk of stream) {
          const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
          parts.push(Buffer.from(bytes))
          total += bytes.length
          if (total >= frames * size) break
        }
        resolve(Buffer.concat(parts))
      } catch (err) {
        reject(err as Error)
      }
    })
  })
  const stream = await a.dialProtocol(b.getMultiaddrs()[0]!, PROTOCOL)
  for (let f = 0; f < frames; f++) {
    if (!stream.send(frameBytes(f, size)))
      await new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true }))
  }
  const received = await done
  return { received, windowUpdates }
}

const expected = (frames: number, size: number): Buffer =>
  Buffer.concat(Array.from({ length: frames }, (_, f) => frameBytes(f, size)))

describe('the tuned libp2p path between two nodes', () => {
  it('carries 300 frames of 8 kB intact, with a window update per half window rather than per frame', async () => {
    const [a, b] = (await started(2, null)) as [MeshNode, MeshNode]
    const { received, windowUpdates } = await transfer(a, b, 300, 8192)
    expect(received.equals(expected(300, 8192))).toBe(true)
    // 2.4 MB read: the library alone answers each 8 kB frame (about 300 updates); at one per half window, with the
    // window doubling as it is read quickly, a handful
    expect(windowUpdates).toBeGreaterThan(0)
    expect(windowUpdates).toBeLessThan(30)
  }, 30_000)

  it('carries frames of a megabyte from a keyed node (pnet) to two others at once', async () => {
    const [a, b, c] = (await started(3, new TextEncoder().encode(newSwarmKeyText()))) as [MeshNode, MeshNode, MeshNode]
    const both = await Promise.all([transfer(a, b, 60, 1_000_000), transfer(a, c, 60, 1_000_000)])
    for (const { received } of both) expect(received.equals(expected(60, 1_000_000))).toBe(true)
  }, 30_000)
})
