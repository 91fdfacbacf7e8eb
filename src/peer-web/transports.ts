/**
 * A browser tab's libp2p node (the shared node of src/net/mesh-node.ts): WebSockets to Node peers and the bootstrap,
 * WebRTC to other tabs with the bootstrap as circuit relay for the signalling only (a parameter stream never opens
 * on a relayed connection: its data limit marks it limited), and Noise's own cipher. A browser's default gater
 * refuses plain `ws://` and private addresses; this one allows them on the swarm's hosts only.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { ConnectionGater } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import type { Multiaddr } from '@multiformats/multiaddr'
import { WebSockets } from '@multiformats/multiaddr-matcher'
import { connectBootstrap, createMeshNodeWith, hostOf, type MeshNode, type MeshNodeInit } from '../net/mesh-node.js'
import { tunedNoise } from '../net/noise-tuning.js'
import { sleep } from '../peer/sleep.js'

/** The browser's rule (no plain WebSockets, no private addresses) with an exception for the swarm's hosts. */
export function swarmHostsGater(hosts: readonly string[]): Partial<ConnectionGater> {
  const allowed = new Set(hosts)
  return {
    denyDialMultiaddr: (addr: Multiaddr) => {
      if (allowed.has(hostOf(addr))) return false
      return WebSockets.matches(addr) || isPrivate(addr) === true
    },
  }
}

export interface BrowserNodeInit extends MeshNodeInit {
  /** hosts a tab may reach over plain WebSockets or at private addresses: the bootstrap's and the Node peers' */
  readonly hosts: readonly string[]
  /** reachable by other tabs (WebRTC through the relay); off in a keyed swarm, where WebRTC would skip the key */
  readonly webrtc: boolean
  readonly signal: AbortSignal
}

/**
 * The tab's node, connected to the bootstrap and, when it takes WebRTC, holding a relay reservation: its
 * `/p2p-circuit/webrtc` address is what the roster tells other tabs, so the node is returned only once it has one.
 */
export async function createBrowserNode(init: BrowserNodeInit): Promise<MeshNode> {
  const node = await createMeshNodeWith(
    { ...init, listen: init.webrtc ? ['/p2p-circuit', '/webrtc'] : [] },
    {
      transports: init.webrtc ? [webSockets(), webRTC(), circuitRelayTransport()] : [webSockets()],
      connectionEncrypters: [tunedNoise()],
      gater: swarmHostsGater(init.hosts),
    },
  )
  await connectBootstrap(node, init.bootstrap ?? [], 30_000, init.signal)
  if (init.webrtc) await circuitAddress(node, 15_000, init.signal)
  return node
}

async function circuitAddress(node: MeshNode, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const until = performance.now() + timeoutMs
  while (!node.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit/webrtc'))) {
    if (performance.now() > until)
      throw new Error(`no relay reservation on the bootstrap within ${timeoutMs} ms (does it listen on /ws?)`)
    await sleep(50, signal)
  }
}
