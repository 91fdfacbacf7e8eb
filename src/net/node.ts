/**
 * The libp2p node every meshgd process runs (DESIGN.md "The network, concretely"): TCP, Noise, Yamux, identify,
 * ping, gossipsub for control traffic, bootstrap discovery, an optional private-network key.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'

export interface MeshNodeInit {
  privateKey: PrivateKey
  listen: string[]
  announce?: string[]
  bootstrap?: string[]
  /** libp2p private-network key text (`/key/swarm/psk/1.0.0/`, base16), or null. */
  swarmKey?: Uint8Array | null
  maxConnections?: number
}

export type MeshServices = { identify: Identify; ping: Ping; pubsub: GossipSub }
export type MeshNode = Libp2p<MeshServices>

export async function createMeshNode(init: MeshNodeInit): Promise<MeshNode> {
  return createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen, announce: init.announce ?? [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.swarmKey ? { connectionProtector: preSharedKey({ psk: init.swarmKey }) } : {}),
    peerDiscovery: init.bootstrap && init.bootstrap.length > 0 ? [bootstrap({ list: init.bootstrap, timeout: 100 })] : [],
    connectionManager: { maxConnections: init.maxConnections ?? 64 },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        globalSignaturePolicy: 'StrictSign',
        heartbeatInterval: 200,
      }),
    },
  })
}
