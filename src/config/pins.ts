/**
 * Pinned peer identities (`peers: [{index, peer_id, addr}]`): a deployment that knows every peer's identity in
 * advance trusts these and not the roster (SECURITY.md). Plain multiaddr entries only say whom to dial.
 */
import type { ExperimentInput } from './schema.js'
import { ConfigError } from './errors.js'

export interface Pin {
  peerId: string
  addr: string
}

/** index -> pin; empty when `peers:` is a plain address list. Checks indices (one line naming the entry). */
export function pinsOf(experiment: ExperimentInput): Map<number, Pin> {
  const pins = new Map<number, Pin>()
  const ids = new Set<string>()
  experiment.peers.forEach((entry, k) => {
    if (typeof entry === 'string') return
    if (entry.index >= experiment.swarm.peers) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `peers[${k}].index: ${entry.index} is not a peer of this swarm (0..${experiment.swarm.peers - 1})`,
      )
    }
    if (pins.has(entry.index))
      throw new ConfigError('CONFIG_INVALID', `peers[${k}].index: ${entry.index} is pinned twice`)
    if (ids.has(entry.peer_id))
      throw new ConfigError('CONFIG_INVALID', `peers[${k}].peer_id: ${entry.peer_id} is pinned to two indices`)
    ids.add(entry.peer_id)
    const addr = entry.addr.includes('/p2p/') ? entry.addr : `${entry.addr}/p2p/${entry.peer_id}`
    if (!addr.endsWith(`/p2p/${entry.peer_id}`))
      throw new ConfigError('CONFIG_INVALID', `peers[${k}].addr: names another peer ID than peer_id`)
    pins.set(entry.index, { peerId: entry.peer_id, addr })
  })
  return pins
}

/** Every address the experiment asks a peer to dial at start. */
export function staticAddrsOf(experiment: ExperimentInput): string[] {
  return experiment.peers.map((entry) =>
    typeof entry === 'string'
      ? entry
      : entry.addr.includes('/p2p/')
        ? entry.addr
        : `${entry.addr}/p2p/${entry.peer_id}`,
  )
}
