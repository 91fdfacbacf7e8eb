/**
 * The libp2p node of a Node process (docs/protocol.md "Connections: libp2p, the swarm key, the gater"): the shared
 * node of mesh-node.ts over TCP, and over WebSockets where a `/ws` address is listened on (browser peers reach Node
 * peers there), with Noise on Node's own ChaCha20-Poly1305 (noise-crypto.ts), libp2p's metrics in Prometheus
 * (`--metrics`), and the bounded writes a swarm key needs (pnet-chunks.ts). A hub (the bootstrap) that listens on
 * WebSockets also relays the WebRTC signalling of browser peers: circuit relay v2 with its data limit, which no
 * parameter stream may use (streams on a limited connection are refused unless a protocol allows them).
 */
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { createMeshNodeWith, isWebSocketAddr, type MeshNode, type MeshNodeInit } from './mesh-node.js'
import { noiseCrypto } from './noise-crypto.js'
import { tunedNoise } from './noise-tuning.js'
import { boundedXorWrites } from './pnet-chunks.js'

export {
  connectBootstrap,
  dialStaticPeers,
  fastMessageId,
  hostOf,
  type MeshNode,
  type MeshNodeInit,
  type MeshServices,
} from './mesh-node.js'

export async function createMeshNode(init: MeshNodeInit): Promise<MeshNode> {
  if (init.swarmKey) boundedXorWrites()
  // loaded only where browser peers come in: a process that listens on WebSockets
  const forBrowsers = init.listen.some(isWebSocketAddr)
  const ws = forBrowsers ? (await import('@libp2p/websockets')).webSockets : null
  const relay = forBrowsers && init.hub ? (await import('@libp2p/circuit-relay-v2')).circuitRelayServer : null
  return createMeshNodeWith(init, {
    transports: ws ? [tcp(), ws()] : [tcp()],
    ...(relay ? { services: { relay: relay({ reservations: { maxReservations: 4096 } }) } } : {}),
    connectionEncrypters: [tunedNoise(noiseCrypto)],
    ...(init.metricsRegistry ? { metrics: prometheusMetrics({ registry: init.metricsRegistry }) } : {}),
  })
}
