/**
 * Rebinding a neighbour's index to a new identity (a peer that lost its disk comes back with the same `--index`
 * and a new key). The rule, the same as the bootstrap directory's: a claim on neighbour j's index by another peer
 * ID is taken only once the identity that holds it is gone (no open connection, and silent past
 * `run.neighbour_timeout_ms`); while it is alive the claim is refused and counted, so a second process started
 * with a live peer's index, or a swarm-key holder claiming indices, changes nothing. A pinned index is never
 * rebound. A claim on an index that is not a neighbour's is none of this peer's business: counted, logged once.
 *
 * Decisions only: the runtime says what it knows of each neighbour (`Neighbourhood`) and does the rebinding.
 */
import type { RosterEntry } from '../net/roster.js'

export interface Neighbourhood {
  /** graph index -> position among this peer's neighbours */
  readonly position: ReadonlyMap<number, number>
  /** the peer ID that holds neighbour index j now */
  holder(j: number): string | undefined
  /** is index j pinned (`peers:` in the experiment)? */
  pinned(j: number): boolean
  /** is there an open connection to the neighbour at position k? */
  connected(k: number): boolean
  /** milliseconds since the neighbour at position k was last heard, and whether it is marked down */
  silence(k: number): { ms: number; down: boolean }
  readonly timeoutMs: number
}

export type ClaimVerdict = 'same' | 'taken' | 'refused-live' | 'refused-pinned' | 'not-a-neighbour'

/** What to do with `entry`'s claim on its index (pure). */
export function judgeClaim(entry: RosterEntry, hood: Neighbourhood): ClaimVerdict {
  const k = hood.position.get(entry.index)
  if (k === undefined) return 'not-a-neighbour'
  const holder = hood.holder(entry.index)
  if (holder === entry.peerId) return 'same'
  if (holder === undefined) return 'taken'
  if (hood.pinned(entry.index)) return 'refused-pinned'
  const { ms, down } = hood.silence(k)
  return !hood.connected(k) && (down || ms > hood.timeoutMs) ? 'taken' : 'refused-live'
}

export interface RebinderInit {
  index: number
  hood: Neighbourhood
  /** take the claim: the neighbour at position k is now `entry` */
  rebind(k: number, entry: RosterEntry, previous: string): void
  reject(reason: string, remote: string): void
  log(line: string): void
}

/** Applies `judgeClaim` to each claim that reaches this peer (roster topic, directory, an unknown stream). */
export class Rebinder {
  private readonly loggedForeign = new Set<number>()
  rebound = 0

  constructor(private readonly init: RebinderInit) {}

  claim(entry: RosterEntry): ClaimVerdict {
    const { hood, index } = this.init
    const verdict = judgeClaim(entry, hood)
    if (verdict === 'taken') {
      const previous = hood.holder(entry.index) ?? 'nobody'
      this.rebound++
      this.init.rebind(hood.position.get(entry.index)!, entry, previous)
    } else if (verdict === 'refused-live') {
      this.init.reject(`roster: claim on live neighbour ${entry.index}`, entry.peerId)
    } else if (verdict === 'refused-pinned') {
      this.init.reject(`roster: claim on pinned neighbour ${entry.index}`, entry.peerId)
    } else if (verdict === 'not-a-neighbour') {
      this.init.reject('roster: claim on another index than a neighbour', entry.peerId)
      if (!this.loggedForeign.has(entry.index)) {
        this.loggedForeign.add(entry.index)
        this.init.log(
          `peer ${index}: index ${entry.index} is claimed by a second identity ${entry.peerId}; not a neighbour of this peer, so nothing changes here`,
        )
      }
    }
    return verdict
  }
}
