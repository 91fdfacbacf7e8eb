/**
 * The libp2p node of a Node process (docs/protocol.md "Connections: libp2p, the swarm key, the gater"): the shared
 * node of mesh-node.ts over TCP, with Noise on Node's own ChaCha20-Poly1305 (noise-crypto.ts), libp2p's metrics in
 * Prometheus (`--metrics`), and the bounded writes a swarm key needs (pnet-chunks.ts).
 */
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { createMeshNodeWith, type MeshNode, type MeshNodeInit } from './mesh-node.js'
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
  return createMeshNodeWith(init, {
    transports: [tcp()],
    connectionEncrypters: [tunedNoise(noiseCrypto)],
    ...(init.metricsRegistry ? { metrics: prometheusMetrics({ registry: init.metricsRegistry }) } : {}),
  })
}
