/**
 * Roster and status over gossipsub (control traffic only; parameters never travel here).
 *
 * `meshgd/<swarm>/roster`: each peer announces {swarm, index, peerId, addrs}, signed (StrictSign), on start with
 * back-off and then periodically; it reads the topic until it knows its neighbours (`quiet`). The topic validator
 * rejects what does not parse, belongs to another swarm, or names a peerId other than the message's signer; an
 * index claimed by a second peer ID is reported through `onConflict` and not taken. Start-up at scale does not rest
 * on this topic alone: see the bootstrap's directory (src/net/roster-directory.ts).
 * `meshgd/<swarm>/status`: compact progress {index, round, loss, disagreement, relative_error, done, peers, rounds,
 * bytes_sent, bytes_received, rejected}, each of the status's own round, read by observers only (`meshgd watch`, the
 * dashboard).
 */
import { TopicValidatorResult, type Message } from '@libp2p/gossipsub'
import type { MeshNode } from './mesh-node.js'
import {
  parseRosterEntry,
  parseStatus,
  rosterTopic,
  statusTopic,
  type RosterEntry,
  type StatusMessage,
} from './roster-messages.js'

const encoder = new TextEncoder()

export * from './roster-messages.js'

export interface RosterInit {
  swarm: string
  peers: number
  /** This peer's own entry, or null for an observer that only listens. */
  self: RosterEntry | null
  /** First wait between announcements; it doubles with each one up to `maxAnnounceEveryMs` (default: no growth). */
  announceEveryMs?: number
  maxAnnounceEveryMs?: number
  onEntry?: (entry: RosterEntry) => void
  /** An entry claims an index that another peer ID holds here (the holder is kept; see `rebind`). */
  onConflict?: (index: number, known: string, claimed: RosterEntry) => void
  onStatus?: (status: StatusMessage, from: string) => void
  /** Pinned identities (index -> peer ID): an entry claiming a pinned index under another ID is rejected. */
  pinned?: ReadonlyMap<number, string>
  /** An entry was rejected because it contradicts a pin. */
  onImpostor?: (index: number, claimed: string) => void
}

export class Roster {
  readonly byIndex = new Map<number, RosterEntry>()
  readonly byPeer = new Map<string, number>()
  /** indices whose entry was heard in this life (announced, or from the directory), not only recalled from a cache */
  private readonly current = new Set<number>()
  private timer: ReturnType<typeof setTimeout> | null = null

  private self: RosterEntry | null

  constructor(
    private readonly node: MeshNode,
    private readonly init: RosterInit,
  ) {
    this.self = init.self
  }

  /** This peer's own entry, once its addresses are known (before `start`). */
  setSelf(entry: RosterEntry): void {
    this.self = entry
  }

  start(): void {
    const pubsub = this.node.services.pubsub
    const roster = rosterTopic(this.init.swarm)
    const status = statusTopic(this.init.swarm)
    pubsub.topicValidators.set(roster, (_peer, msg: Message) => {
      if (msg.type !== 'signed') return TopicValidatorResult.Reject
      const entry = parseRosterEntry(msg.data, this.init.swarm, this.init.peers)
      if (!entry || entry.peerId !== msg.from.toString()) return TopicValidatorResult.Reject
      if (this.contradictsPin(entry)) {
        this.init.onImpostor?.(entry.index, entry.peerId)
        return TopicValidatorResult.Reject
      }
      return TopicValidatorResult.Accept
    })
    pubsub.addEventListener('message', (evt) => {
      const msg = evt.detail
      if (msg.topic === roster) {
        const entry = parseRosterEntry(msg.data, this.init.swarm, this.init.peers)
        if (entry) this.learn(entry)
      } else if (msg.topic === status && msg.type === 'signed') {
        const s = parseStatus(msg.data, this.init.peers)
        if (s) this.init.onStatus?.(s, msg.from.toString())
      }
    })
    pubsub.subscribe(roster)
    if (this.init.onStatus) {
      // only observers read the status topic: a peer publishes to it without receiving everyone's (n^2 messages)
      pubsub.topicValidators.set(status, (_peer, msg: Message) =>
        msg.type === 'signed' && parseStatus(msg.data, this.init.peers)
          ? TopicValidatorResult.Accept
          : TopicValidatorResult.Reject,
      )
      pubsub.subscribe(status)
    }
    if (this.self) {
      this.learn(this.self)
      this.scheduleAnnouncements(this.init.announceEveryMs ?? 1000)
    }
  }

  /**
   * Announce now, then again after `firstMs`, and with every announcement the wait doubles, up to
   * `maxAnnounceEveryMs` (back-off: a swarm of n peers starting at once sends O(n log) announcements, not O(n) a
   * second each, through the hub).
   */
  private scheduleAnnouncements(firstMs: number): void {
    if (this.timer) clearTimeout(this.timer)
    const most = Math.max(firstMs, this.init.maxAnnounceEveryMs ?? firstMs)
    const next = (wait: number): void => {
      this.timer = setTimeout(() => {
        void this.announce()
        next(Math.min(most, 2 * wait))
      }, wait)
    }
    void this.announce()
    next(firstMs)
  }

  private contradictsPin(entry: RosterEntry): boolean {
    const pin = this.init.pinned?.get(entry.index)
    return pin !== undefined && pin !== entry.peerId
  }

  private learn(entry: RosterEntry, current = true): void {
    if (this.contradictsPin(entry)) return
    const known = this.byIndex.get(entry.index)
    if (known && known.peerId !== entry.peerId) {
      this.init.onConflict?.(entry.index, known.peerId, entry)
      return
    }
    if (current) this.current.add(entry.index)
    if (!known || known.addrs.join(' ') !== entry.addrs.join(' ')) {
      // new, or the same peer back with other addresses (restarted on another port): the newest entry wins
      this.byIndex.set(entry.index, entry)
      this.byPeer.set(entry.peerId, entry.index)
      this.init.onEntry?.(entry)
    }
  }

  /** Index `entry.index` now belongs to `entry.peerId` (its previous identity is gone: src/peer/rebind.ts). */
  rebind(entry: RosterEntry): void {
    const known = this.byIndex.get(entry.index)
    if (known) this.byPeer.delete(known.peerId)
    this.byIndex.set(entry.index, entry)
    this.byPeer.set(entry.peerId, entry.index)
    this.current.add(entry.index)
    this.init.onEntry?.(entry)
  }

  /** Take an entry of this life known from elsewhere (the bootstrap's directory), as if it had been announced. */
  remember(entry: RosterEntry): void {
    if (this.foreign(entry)) return
    this.learn(entry)
  }

  /**
   * Take an entry from a restarted peer's cache of its neighbours: who holds the index, and addresses worth a try,
   * but not news of this life (a whole swarm restarted listens on new ports), so `isCurrent` stays false for it.
   */
  recall(entry: RosterEntry): void {
    if (this.foreign(entry)) return
    this.learn(entry, false)
  }

  /** Was index `index`'s entry heard in this life (announced, from the directory, or rebound)? */
  isCurrent(index: number): boolean {
    return this.current.has(index)
  }

  private foreign(entry: RosterEntry): boolean {
    return (
      entry.swarm !== this.init.swarm ||
      !Number.isInteger(entry.index) ||
      entry.index < 0 ||
      entry.index >= this.init.peers
    )
  }

  async announce(): Promise<void> {
    if (!this.self) return
    try {
      await this.node.services.pubsub.publish(rosterTopic(this.init.swarm), encoder.encode(JSON.stringify(this.self)))
    } catch {
      // no subscribed peers yet: the next announcement goes out on the timer
    }
  }

  async publishStatus(status: StatusMessage): Promise<void> {
    try {
      await this.node.services.pubsub.publish(statusTopic(this.init.swarm), encoder.encode(JSON.stringify(status)))
    } catch {
      // observers are optional
    }
  }

  /**
   * Once a peer knows its neighbours it no longer reads the roster topic (with every peer reading every
   * announcement, the topic cost O(n^2) messages; a neighbour that restarts dials us and says hello itself) and
   * announces every `ms`, for observers and the bootstrap.
   */
  quiet(ms: number): void {
    this.node.services.pubsub.unsubscribe(rosterTopic(this.init.swarm))
    this.setAnnounceInterval(ms)
  }

  /** Announce every `ms` from now on (no back-off). */
  setAnnounceInterval(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    const next = (): void => {
      this.timer = setTimeout(() => {
        void this.announce()
        next()
      }, ms)
    }
    next()
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}
