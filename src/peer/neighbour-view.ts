/**
 * What a peer knows of where its neighbours are, read from its parts (the node's connections, the pins, the roster,
 * the book), for the rebinder's decisions (rebind.ts `Neighbourhood`) and the inbound stream check: is a neighbour
 * connected, known, located, or perhaps gone under a new identity.
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Pin } from '../config/pins.js'
import type { MeshNode } from '../net/mesh-node.js'
import type { Roster } from '../net/roster.js'
import type { PeerCore } from './context.js'
import type { Neighbourhood } from './rebind.js'

export class NeighbourView implements Neighbourhood {
  readonly position: ReadonlyMap<number, number>
  readonly timeoutMs: number

  constructor(
    private readonly core: PeerCore,
    private readonly node: MeshNode,
    private readonly pins: ReadonlyMap<number, Pin>,
    private readonly roster: Roster,
    private readonly targets: ReadonlyMap<number, PeerId>,
  ) {
    this.position = core.position
    this.timeoutMs = core.experiment.run.neighbour_timeout_ms
  }

  holder(j: number): string | undefined {
    return this.pins.get(j)?.peerId ?? this.roster.byIndex.get(j)?.peerId
  }

  pinned(j: number): boolean {
    return this.pins.has(j)
  }

  /** Is there an open connection to the neighbour at position k? */
  connected(k: number): boolean {
    const id = this.targets.get(this.core.neighbours[k]!)
    return id !== undefined && this.node.getConnections(id).some((c) => c.status === 'open')
  }

  silence(k: number): { ms: number; down: boolean } {
    const { book } = this.core
    return { ms: performance.now() - book.lastHeard(k), down: !book.isUp(k) }
  }

  /** Is neighbour index j's peer ID known (pinned, or in the roster)? */
  known(j: number): boolean {
    return this.pins.has(j) || this.roster.byIndex.has(j)
  }

  /**
   * Do we know where neighbour index j is now: pinned, its entry heard in this life, or an open connection to the
   * peer ID remembered from the last life? (An entry recalled from `state/neighbours.json` alone names the peer, but
   * its addresses may be of a process that is gone: a whole swarm started again listens on new ports.)
   */
  located(j: number): boolean {
    if (this.pins.has(j) || this.roster.isCurrent(j)) return true
    const entry = this.roster.byIndex.get(j)
    return (
      entry !== undefined && this.node.getConnections(peerIdFromString(entry.peerId)).some((c) => c.status === 'open')
    )
  }

  /**
   * The unpinned neighbours that may be gone: no open connection, and marked down or silent past the neighbour
   * timeout (a peer restarted from a checkpoint waits the start-up timeout before marking anyone down, and has not
   * heard its neighbours in this life). Perhaps their index has a new identity: worth asking the directory.
   */
  suspectIndices(): number[] {
    return this.core.neighbours.filter((j, k) => {
      if (this.pins.has(j) || this.connected(k)) return false
      const { ms, down } = this.silence(k)
      return down || ms > this.timeoutMs
    })
  }
}
