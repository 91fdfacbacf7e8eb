/**
 * The libp2p node every meshgd peer runs, wherever it runs (docs/protocol.md "Connections: libp2p, the swarm key, the
 * gater"): Noise (noise-tuning.ts), Yamux (yamux-tuning.ts), identify, ping, gossipsub for control traffic, bootstrap
 * discovery, an optional private-network key, and the gater. The transports, Noise's cipher and libp2p's metrics come
 * from the platform: a Node process (node.ts: TCP, and WebSockets for browser peers) or a browser tab
 * (src/peer-web). Nothing here imports a `node:*` module.
 */
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { ConnectionGater, PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import type { Registry } from 'prom-client'
import { paramsTransport, type ParamsTransport } from './params-protocol.js'
import { rosterDirectory, type RosterDirectory } from './roster-directory.js'
import { tunedYamux } from './yamux-tuning.js'
import { toHex } from '../util/hex.js'

export interface MeshNodeInit {
  privateKey: PrivateKey
  listen: string[]
  announce?: string[]
  bootstrap?: string[]
  /** libp2p private-network key text (`/key/swarm/psk/1.0.0/`, base16), or null. */
  swarmKey?: Uint8Array | null
  maxConnections?: number
  /**
   * A hub (the bootstrap) keeps every subscriber of a topic in its gossipsub mesh and hands out peers on prune, so a
   * swarm whose peers only know the bootstrap still hears every roster announcement; and it serves the roster
   * directory (src/net/roster-directory.ts), where peers register and look up their neighbours directly.
   */
  hub?: boolean
  /** Connection gater: open connections allowed from one remote IP address / one remote peer ID (unbounded when left out). */
  maxConnectionsPerIp?: number
  maxConnectionsPerPeer?: number
  /** Called for each connection the gater refuses. */
  onGaterRefuse?: (reason: 'per-ip' | 'per-peer', remote: string) => void
  /** libp2p's own metrics (connections, streams, bytes per protocol) into this registry (`--metrics`; Node only). */
  metricsRegistry?: Registry
}

/**
 * What the platform gives the node: its transports, its Noise encrypter, libp2p's metrics where it has them, and
 * more gater rules (a browser dials only the swarm's addresses).
 */
export type PlatformParts = Pick<Libp2pOptions<MeshServices>, 'transports' | 'connectionEncrypters' | 'metrics'> & {
  gater?: Partial<ConnectionGater>
  /** services beside the mesh's own (the hub's circuit relay for browser peers) */
  services?: Record<string, (components: never) => unknown>
}

export type MeshServices = {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  directory: RosterDirectory
  params: ParamsTransport
}
export type MeshNode = Libp2p<MeshServices>

/** A gossipsub message's author and sequence number, as one string. */
export function fastMessageId(msg: { from?: Uint8Array; seqno?: Uint8Array }): string {
  return `${toHex(msg.from)}:${toHex(msg.seqno)}`
}

/** Is this multiaddr a WebSockets one (`/ws` or `/wss`), where browser tabs reach a Node process? */
export function isWebSocketAddr(addr: string): boolean {
  return /\/wss?(\/|$)/.test(addr)
}

/** The IP address (or DNS name) a multiaddr starts with, or '' when it has none. */
export function hostOf(addr: Multiaddr): string {
  const first = addr.getComponents()[0]
  return first && ['ip4', 'ip6', 'dns', 'dns4', 'dns6'].includes(first.name) ? (first.value ?? '') : ''
}

/**
 * A connection gater bounding open connections per remote IP and per remote peer (SECURITY.md). It counts
 * established connections of `node` (bound once the node exists); pending handshakes are bounded separately by
 * the connection manager's maxIncomingPendingConnections.
 */
function connectionLimits(init: MeshNodeInit, node: () => MeshNode | null): ConnectionGater {
  return {
    denyInboundConnection: (maConn) => {
      const self = node()
      if (!self || init.maxConnectionsPerIp === undefined) return false
      const ip = hostOf(maConn.remoteAddr)
      const open = self.getConnections().filter((c) => hostOf(c.remoteAddr) === ip).length
      if (open < init.maxConnectionsPerIp) return false
      init.onGaterRefuse?.('per-ip', ip)
      return true
    },
    denyInboundEncryptedConnection: (peerId) => {
      const self = node()
      if (!self || init.maxConnectionsPerPeer === undefined) return false
      if (self.getConnections(peerId).length < init.maxConnectionsPerPeer) return false
      init.onGaterRefuse?.('per-peer', peerId.toString())
      return true
    },
  }
}

/** The node, with the platform's transports, encrypter and metrics. */
export async function createMeshNodeWith(init: MeshNodeInit, parts: PlatformParts): Promise<MeshNode> {
  let created: MeshNode | null = null
  created = await createLibp2p({
    connectionGater: { ...connectionLimits(init, () => created), ...parts.gater },
    ...(parts.metrics ? { metrics: parts.metrics } : {}),
    privateKey: init.privateKey,
    addresses: { listen: init.listen, announce: init.announce ?? [] },
    transports: parts.transports ?? [],
    connectionEncrypters: parts.connectionEncrypters ?? [],
    streamMuxers: [tunedYamux()],
    ...(init.swarmKey ? { connectionProtector: preSharedKey({ psk: init.swarmKey }) } : {}),
    peerDiscovery:
      init.bootstrap && init.bootstrap.length > 0 ? [bootstrap({ list: init.bootstrap, timeout: 100 })] : [],
    // Whole swarms start on one host in tests and labs: the default of 5 inbound connections per second per host
    // would refuse most of them.
    connectionManager: {
      maxConnections: init.maxConnections ?? 64,
      inboundConnectionThreshold: 10_000,
      maxIncomingPendingConnections: 256,
    },
    services: {
      ...(parts.services as object),
      identify: identify(),
      ping: ping(),
      // the hub (a bootstrap) answers "who is index j"; a peer asks
      directory: rosterDirectory({ serve: init.hub ?? false }),
      // parameters peer to peer (src/net/params-protocol.ts): handled only by a peer that gives it handlers
      params: paramsTransport(),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        globalSignaturePolicy: 'StrictSign',
        // the hub grafts newcomers into its mesh quickly; a peer's mesh matters little (the directory finds its
        // neighbours), and a heartbeat every 200 ms in each of 64 processes cost a core between them
        heartbeatInterval: init.hub ? 200 : 1000,
        // Gossipsub's peer score penalises more than 10 peers behind one IP address and, past about 14, graylists
        // them: every message from them is then ignored. A swarm on one host, behind one NAT, or in a lab shares
        // addresses by design, so the penalty would silence the roster past a dozen peers (issue 13). Admission is
        // the swarm key's job (SECURITY.md), and per-IP connections are bounded by the gater above.
        scoreParams: { IPColocationFactorWeight: 0 },
        // Each announcement reaches a peer once through the hub and once more through each neighbour; without a
        // fast ID gossipsub checks the signature of every copy before it finds the duplicate. Under StrictSign a
        // message's ID is its author and sequence number, so those name it before any check (a forged copy fails
        // its signature and is never cached, so it cannot shadow the real one).
        fastMsgIdFn: fastMessageId,
        ...(init.hub ? { D: 64, Dlo: 4, Dhi: 256, Dout: 2, doPX: true } : { D: 8, Dlo: 4, Dhi: 16, Dout: 2 }),
      }),
    },
  })
  return created
}

/** Dial the bootstrap nodes until at least one answers (the discovery module tries only once). */
export async function connectBootstrap(
  node: MeshNode,
  addrs: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (addrs.length === 0) return
  const deadline = Date.now() + timeoutMs
  let delay = 100
  let last = ''
  while (!signal.aborted) {
    for (const addr of addrs) {
      try {
        await node.dial(multiaddr(addr), { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) })
        return
      } catch (err) {
        last = (err as Error).message
      }
    }
    if (Date.now() > deadline)
      throw new Error(`no bootstrap node answered within ${timeoutMs} ms (${addrs.join(', ')}): ${last}`)
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(2000, delay * 2)
  }
}

/**
 * Keep dialling a static list of peers (a fixed deployment's `peers:`, docs/swarms.md "Pinned peers"), each until it
 * answers or the time is up; runs in the background and returns at once.
 */
export function dialStaticPeers(
  node: MeshNode,
  addrs: readonly string[],
  timeoutMs: number,
  signal: AbortSignal,
): void {
  const own = new Set(node.getMultiaddrs().map((a) => a.toString()))
  for (const addr of addrs) {
    if (own.has(addr) || [...own].some((a) => a.startsWith(addr))) continue
    void (async () => {
      const deadline = Date.now() + timeoutMs
      let delay = 100
      while (!signal.aborted && Date.now() < deadline) {
        try {
          await node.dial(multiaddr(addr), { signal: AbortSignal.any([signal, AbortSignal.timeout(5000)]) })
          return
        } catch {
          await new Promise((resolve) => setTimeout(resolve, delay))
          delay = Math.min(2000, delay * 2)
        }
      }
    })()
  }
}
