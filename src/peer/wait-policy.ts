/**
 * How long a peer waits for its neighbours in a round, and what it does when the wait is over (pure, like the
 * `NeighbourBook` it reads: docs/design.md "Decide in a pure function, act in the runtime"). The runtime
 * (round-loop.ts) asks `next(now, book, connected)` until it says to combine or jump, and does what it says in
 * between: wait, mark neighbours down, or fail.
 *
 * A live neighbour is waited on for `run.neighbour_timeout_ms`, then marked down (left out until heard again), or,
 * where none may be left out (`strict`: allreduce-sgd, difference mode), the peer fails. The first rounds after a
 * (re)start absorb start-up skew: processes start at different times and a late peer delays its neighbours'
 * neighbours too, one hop per round, so for as many rounds as there are peers (at least the graph's diameter) the
 * wait is the start-up timeout, and a neighbour still connected to us is waited on further (it is waiting for its own
 * neighbours, not gone; a crashed one drops the connection), for a bounded window. A peer whose every neighbour is
 * down waits for one to come back rather than run alone, for a bounded time.
 */
import type { NeighbourBook } from './neighbours.js'

/** The numbers of the neighbour wait. */
export const WAIT = {
  /** how long a waiting peer sleeps before looking again when no news wakes it (ms) */
  pollMs: 250,
  /** a peer whose every neighbour is down fails after this many neighbour timeouts (at least the start-up timeout) */
  isolatedTimeouts: 10,
  /** after a (re)start, the extra wait on connected neighbours ends this many start-up timeouts after the first round */
  startingWindowStartups: 5,
} as const

export interface WaitSettings {
  /** `run.neighbour_timeout_ms` */
  readonly timeoutMs: number
  /** the start-up timeout of this peer's (re)start */
  readonly startupTimeoutMs: number
  /** the number of peers: how many rounds after a (re)start count as starting */
  readonly peers: number
  /** no neighbour may be left out (and the peer never jumps) */
  readonly strict: boolean
}

export type WaitStep =
  | { readonly do: 'combine' }
  | { readonly do: 'jump'; readonly to: number }
  /** sleep up to `ms` (less when news arrives); `isolated`: every neighbour just went down (say so once) */
  | { readonly do: 'wait'; readonly ms: number; readonly isolated?: true }
  /** these neighbour positions were silent for `patienceMs`: leave them out */
  | { readonly do: 'markDown'; readonly positions: readonly number[]; readonly patienceMs: number }
  | {
      readonly do: 'fail'
      readonly code: 'NEIGHBOUR_TIMEOUT'
      readonly positions: readonly number[]
      readonly patienceMs: number
    }
  | { readonly do: 'fail'; readonly code: 'ISOLATED'; readonly limitMs: number }

/** What the policy reads of the book. */
export type WaitBook = Pick<NeighbourBook, 'isolated' | 'jumpTarget' | 'waitingOn'>

/** The wait of a run of rounds from one (re)start: `round(t, now)` starts round t's. */
export class WaitPolicy {
  readonly isolatedLimitMs: number
  private readonly startingUntil: number

  constructor(
    readonly settings: WaitSettings,
    private readonly firstRound: number,
    now: number,
  ) {
    this.isolatedLimitMs = Math.max(settings.startupTimeoutMs, WAIT.isolatedTimeouts * settings.timeoutMs)
    this.startingUntil = now + WAIT.startingWindowStartups * settings.startupTimeoutMs
  }

  round(t: number, now: number): RoundWait {
    const starting = t - this.firstRound < this.settings.peers
    return new RoundWait(this, t, now, starting)
  }

  /** Whether the start-up window (for waiting on connected neighbours) is still open at `now`. */
  startingAt(now: number): boolean {
    return now < this.startingUntil
  }
}

/** One round's wait: its deadline, and since when every neighbour has been down. */
export class RoundWait {
  readonly patienceMs: number
  private deadline: number
  private isolatedSince: number | null = null

  constructor(
    private readonly policy: WaitPolicy,
    readonly t: number,
    now: number,
    private readonly starting: boolean,
  ) {
    const { timeoutMs, startupTimeoutMs } = policy.settings
    this.patienceMs = starting ? Math.max(timeoutMs, startupTimeoutMs) : timeoutMs
    this.deadline = now + this.patienceMs
  }

  next(now: number, book: WaitBook, connected: (position: number) => boolean): WaitStep {
    const { timeoutMs, strict } = this.policy.settings
    if (book.isolated()) return this.isolated(now)
    if (this.isolatedSince !== null) {
      // a neighbour is back: a fresh timeout for the rest
      this.isolatedSince = null
      this.deadline = now + timeoutMs
    }
    // first: were we away (every live neighbour well ahead)? then rejoin them rather than replay the rounds
    const jumpTo = strict ? null : book.jumpTarget(this.t)
    if (jumpTo !== null) return { do: 'jump', to: jumpTo }
    const waiting = book.waitingOn(this.t)
    if (waiting.length === 0) return { do: 'combine' }
    const left = this.deadline - now
    if (left > 0) return { do: 'wait', ms: Math.min(left, WAIT.pollMs) }
    this.deadline = now + timeoutMs
    if (this.starting && waiting.every(connected) && this.policy.startingAt(now)) {
      // the swarm is still starting: a neighbour still connected to us is waiting for its own neighbours
      return { do: 'wait', ms: Math.min(timeoutMs, WAIT.pollMs) }
    }
    if (strict) return { do: 'fail', code: 'NEIGHBOUR_TIMEOUT', positions: waiting, patienceMs: this.patienceMs }
    return { do: 'markDown', positions: waiting, patienceMs: this.patienceMs }
  }

  private isolated(now: number): WaitStep {
    const limitMs = this.policy.isolatedLimitMs
    if (this.isolatedSince === null) {
      this.isolatedSince = now
      return { do: 'wait', ms: WAIT.pollMs, isolated: true }
    }
    if (now - this.isolatedSince > limitMs) return { do: 'fail', code: 'ISOLATED', limitMs }
    return { do: 'wait', ms: WAIT.pollMs }
  }
}
