/**
 * What a peer knows of each neighbour, and the decisions that follow from it (docs/design.md "Decide in a pure function, act in the runtime": decide in a pure
 * function, act in the runtime). No I/O and no clock of its own: the runtime passes `now`.
 *
 * Per neighbour: up or down, finished or not, the freshest vector and its round, the vectors of the rounds just
 * ahead of the peer's own (sync mode), and when it was last heard.
 *
 * Sync (round t): a live, unfinished neighbour is waited on until its round-t vector is here, or until its newest
 * vector is of round t or later (it has moved past t: it was restarted into a later round, or we were away; waiting
 * cannot bring round t any more, so its freshest vector stands in). A finished neighbour's final vector stands for
 * every later round. A down neighbour is not waited on and its terms are left out.
 *
 * Async (round t, staleness s): a live, unfinished neighbour is waited on until its newest vector is of round
 * `t - s` or later (and there is at least one); that vector is used as it is.
 *
 * Catching up: when every live unfinished neighbour is more than a communication period p ahead (sync; more than
 * s + p in async) and, in sync mode, none has sent its round-t vector, the peer has been away (restarted from a
 * checkpoint, or partitioned off): it jumps to the slowest of them.
 */
export type Mode = 'sync' | 'async'

export interface BookOptions {
  mode: Mode
  /** async: how many rounds old a neighbour's vector may be */
  maxStaleness: number
  /**
   * May a vector of another round stand in for round t's (default true)? Without stand-ins (sync only) a round
   * uses exactly the round-t vectors and never jumps: for algorithms that cannot leave a neighbour out.
   */
  standIns?: boolean
  /** Rounds between two that send (EASGD's period; default 1): how far ahead a neighbour that is with us can be. */
  period?: number
  /**
   * On a graph that changes or points one way: whether neighbour k sends to this peer in `round` (default: always).
   * A vector from a round it does not send in is ignored; a round waits only on its senders.
   */
  hears?: (round: number, k: number) => boolean
  /**
   * How far ahead a neighbour can be while it is with us when it does not hear from us every round (a graph that
   * changes: the rounds news takes to cross it; default 0).
   */
  lead?: number
  /**
   * Called with each vector the book lets go of (no slot and no `latest` holds it any more, and it was not handed
   * out for a round still being combined): its buffer may be reused for a later frame (src/codec/bodies.ts).
   */
  release?: (vector: Float64Array) => void
}

interface Neighbour {
  up: boolean
  final: boolean
  /** round of `latest`, -1 before anything arrived */
  latestRound: number
  latest: Float64Array | null
  slots: Map<number, Float64Array>
  lastHeard: number
}

/**
 * How many rounds ahead of its own a peer keeps neighbours' vectors for (sync): a neighbour can be a whole
 * communication period ahead (it has our round-c vector, runs the silent rounds and sends round c + p while we
 * still wait on round c), and a vector not kept would be replaced as the neighbour's newest by a later one (or its
 * final vector) and stand in for the wrong round. Two for a period of 1, as before.
 */
const slotsAhead = (options: BookOptions): number => Math.max(2, (options.period ?? 1) + 1, (options.lead ?? 0) + 1)

export interface Inbox {
  /** per neighbour position: the vector to use this round, or null (left out) */
  vectors: Array<Float64Array | null>
  /** neighbours whose vector is used */
  used: number
  /** max over used neighbours of (t - round of the vector), at least 0 */
  staleness: number
}

export class NeighbourBook {
  private readonly book: Neighbour[]

  constructor(
    readonly count: number,
    private readonly options: BookOptions,
  ) {
    this.book = Array.from({ length: count }, () => ({
      up: true,
      final: false,
      latestRound: -1,
      latest: null,
      slots: new Map(),
      lastHeard: -Infinity,
    }))
  }

  /**
   * A vector of round `round` from neighbour k while this peer is at round `own`. A final vector marks the
   * neighbour finished (it stands for every later round). Returns whether the neighbour was down until now.
   */
  receive(
    k: number,
    round: number,
    vector: Float64Array,
    own: number,
    now: number,
    final = false,
  ): { revived: boolean } {
    const n = this.at(k)
    const revived = !n.up
    const previous = n.latest
    n.up = true
    n.lastHeard = now
    if (!final && this.options.hears && !this.options.hears(round, k)) {
      this.letGo(n, vector) // not one of its rounds to send to us (a resend, or a hostile frame)
      return { revived }
    }
    if (final) {
      n.final = true
      n.latest = vector
      n.latestRound = round
      // the slots stay: the rounds before its last may still be ahead of ours here
      this.letGo(n, previous)
      return { revived }
    }
    if (round >= n.latestRound) {
      n.latest = vector
      n.latestRound = round
    }
    let replaced: Float64Array | undefined
    if (
      (this.options.mode === 'sync' || this.options.standIns === false) &&
      round >= own &&
      round <= own + slotsAhead(this.options)
    ) {
      replaced = n.slots.get(round)
      n.slots.set(round, vector)
      this.letGo(n, replaced)
    }
    if (previous !== replaced) this.letGo(n, previous)
    this.letGo(n, vector) // a vector from a round nobody will use
    return { revived }
  }

  /** Neighbour k announced a restart at `round` (a `hello`): what it sent before from later rounds is void. */
  restarted(k: number, round: number, now: number): { revived: boolean } {
    const n = this.at(k)
    const revived = !n.up
    n.up = true
    n.final = false
    n.lastHeard = now
    for (const [r, v] of [...n.slots]) if (r >= round) this.dropSlot(n, r, v)
    n.latestRound = Math.min(n.latestRound, round - 1)
    return { revived }
  }

  markDown(k: number): void {
    this.at(k).up = false
  }

  isUp(k: number): boolean {
    return this.at(k).up
  }

  isFinal(k: number): boolean {
    return this.at(k).final
  }

  lastHeard(k: number): number {
    return this.at(k).lastHeard
  }

  latestRound(k: number): number {
    return this.at(k).latestRound
  }

  private satisfied(n: Neighbour, t: number): boolean {
    if (n.final) return true
    if (this.options.standIns === false) return n.slots.has(t)
    if (this.options.mode === 'sync') return n.slots.has(t) || n.latestRound >= t
    return n.latest !== null && n.latestRound >= Math.max(0, t - this.options.maxStaleness)
  }

  /** Positions of the neighbours round t still waits for (live, unfinished, not yet satisfied). */
  waitingOn(t: number): number[] {
    const out: number[] = []
    const hears = this.options.hears
    this.book.forEach((n, k) => {
      if (n.up && !this.satisfied(n, t) && (!hears || hears(t, k))) out.push(k)
    })
    return out
  }

  /** Every neighbour is down (none live, none finished): the peer is cut off. */
  isolated(): boolean {
    return this.count > 0 && this.book.every((n) => !n.up && !n.final)
  }

  /**
   * The round to jump to, or null: when every live unfinished neighbour (at least one) is past `t + margin`
   * (sync p, async s + p, p the communication period), the smallest of their rounds. In sync mode a neighbour whose round-t vector is here
   * is with us, not ahead: an algorithm that talks every p rounds (EASGD with period 2) lets a neighbour send
   * round t and then round t + p before we read either, which is no sign that we were away.
   */
  jumpTarget(t: number): number | null {
    if (this.options.standIns === false) return null
    const margin =
      (this.options.mode === 'sync' ? 0 : this.options.maxStaleness) +
      Math.max(this.options.period ?? 1, this.options.lead ?? 0)
    let target = Infinity
    let live = 0
    for (const n of this.book) {
      if (!n.up || n.final) continue
      live++
      if (n.latestRound <= t + margin) return null
      if (this.options.mode === 'sync' && n.slots.has(t)) return null
      target = Math.min(target, n.latestRound)
    }
    return live > 0 ? target : null
  }

  /** The vectors round t combines with; down neighbours and those with nothing usable are left out. */
  inbox(t: number): Inbox {
    let used = 0
    let staleness = 0
    const hears = this.options.hears
    const vectors = this.book.map((n, k) => {
      if (hears && !hears(t, k)) return null
      let v: Float64Array | null = null
      let round = t
      if (this.options.mode === 'sync' || this.options.standIns === false) {
        const slot = n.slots.get(t)
        if (slot) v = slot
        else if (this.options.standIns !== false && n.latest && (n.final || (n.up && n.latestRound >= t))) {
          v = n.latest
          round = n.latestRound
        }
      } else if (n.latest && (n.final || n.latestRound >= t - this.options.maxStaleness)) {
        v = n.latest
        round = n.latestRound
      }
      if (v) {
        used++
        staleness = Math.max(staleness, t - round)
      }
      return v
    })
    return { vectors, used, staleness }
  }

  /** Each neighbour's newest vector while it is live or finished (null otherwise): the state at the end of a run. */
  newest(): Array<Float64Array | null> {
    return this.book.map((n) => (n.up || n.final ? n.latest : null))
  }

  /** Forget the slots of rounds before `t`. */
  prune(t: number): void {
    for (const n of this.book) for (const [r, v] of n.slots) if (r < t) this.dropSlot(n, r, v)
  }

  private dropSlot(n: Neighbour, round: number, vector: Float64Array): void {
    n.slots.delete(round)
    this.letGo(n, vector)
  }

  /** Release `vector` if neither a slot nor `latest` of its neighbour holds it. */
  private letGo(n: Neighbour, vector: Float64Array | null | undefined): void {
    if (!vector || !this.options.release || vector === n.latest) return
    for (const v of n.slots.values()) if (v === vector) return
    this.options.release(vector)
  }

  private at(k: number): Neighbour {
    const n = this.book[k]
    if (!n) throw new RangeError(`neighbour position ${k} out of 0..${this.count - 1}`)
    return n
  }
}
