/**
 * Stopping at `run.target` on the same round everywhere (docs/experiments.md "What a run writes"), shared by the
 * simulator and the peer.
 *
 * The simulator sees every peer; a networked peer sees only its neighbours. So the rule is one that a peer can
 * follow from what its neighbours already send: a run stops at round `s + L`, where `s` is the first round at which
 * every peer is within the target (`|w_i^s - w_ref| <= target |w_ref|`) and `L = targetLag` is the number of rounds
 * that news takes to cross the graph (its diameter, one hop per communicating round). The simulator applies it
 * directly; a peer learns it through `TargetWatch`, with a few bits in each params frame.
 *
 * `TargetWatch`: each peer keeps a window of L + 1 bits. Bit k of peer i at round t says "every peer within k hops
 * of i was within the target at round t - k". Bit 0 is its own. Bit k >= 1 is its own bit k - 1 of round t - 1 AND,
 * if round t - 1 sent messages, each neighbour's bit k - 1 of round t - 1 (from its round-(t-1) frame; a missing
 * neighbour counts as not within, so a peer never stops on news it lacks). Unrolled, bit L of round t is the AND of
 * every peer's own bit of round t - L (any peer is at most L rounds of hops away), the same value at every peer: all
 * of them stop on the same round, with the simulator's bits.
 */
import type { Experiment } from '../config/schema.js'
import { disseminationRounds, graphDiameter, roundEdges } from '../topology/index.js'
import type { Graph } from '../topology/types.js'

/**
 * Rounds after every peer is within the target until every peer can know it: the diameter, in communicating rounds;
 * on a graph that changes or points one way, the rounds news takes to reach every peer along the round-by-round links.
 */
export function targetLag(experiment: Experiment, graph: Graph): number {
  if (graph.dynamics) return disseminationRounds(graph)
  const period = experiment.algorithm.kind === 'easgd' ? experiment.algorithm.period : 1
  return graphDiameter(graph) * period
}

/** The neighbour positions whose round-`round` windows a peer reads: its senders of that round (none if it sent nothing). */
export function windowSenders(experiment: Experiment, graph: Graph, index: number, round: number): readonly number[] {
  if (!sendsIn(experiment, round)) return []
  const neighbours = graph.neighbours[index]!
  if (!graph.dynamics) return neighbours.map((_, k) => k)
  return roundEdges(graph, round).in[index]!.map((j) => neighbours.indexOf(j))
}

/** Does round `round` send messages (EASGD with a period talks only every `period` rounds)? */
export function sendsIn(experiment: Experiment, round: number): boolean {
  return round >= 0 && (experiment.algorithm.kind !== 'easgd' || round % experiment.algorithm.period === 0)
}

/** Bytes of a window of `lag + 1` bits (what a params frame carries as `stop`). */
export const windowBytes = (lag: number): number => Math.ceil((lag + 1) / 8)

/** Is the target watched (a target, and a reference to measure it against)? Then params frames carry `stop`. */
export const watchesTarget = (experiment: Experiment, hasReference: boolean): boolean =>
  experiment.run.target !== null && hasReference

/** The `stop` field a params frame of this run carries (zeros of the right size, for counting bytes), or nothing. */
export function stopFieldFor(experiment: Experiment, graph: Graph, hasReference: boolean): { stop?: Uint8Array } {
  return watchesTarget(experiment, hasReference)
    ? { stop: new Uint8Array(windowBytes(targetLag(experiment, graph))) }
    : {}
}

const bit = (bits: Uint8Array, k: number): boolean => (bits[k >> 3]! & (1 << (k & 7))) !== 0

function setBit(bits: Uint8Array, k: number, on: boolean): void {
  if (on) bits[k >> 3]! |= 1 << (k & 7)
}

export interface WatchState {
  round: number
  bits: Uint8Array
}

/** One peer's window (see the file's comment). Pure: the runtime feeds it what arrives and asks it each round. */
export class TargetWatch {
  private round = -1
  private bits: Uint8Array
  /** per neighbour position: the windows heard, by round (only rounds from the newest advanced one less one) */
  private readonly heardBits: Array<Map<number, Uint8Array>>

  constructor(
    readonly lag: number,
    neighbours: number,
  ) {
    this.bits = new Uint8Array(windowBytes(lag))
    this.heardBits = Array.from({ length: neighbours }, () => new Map())
  }

  /** Neighbour k's window of round `round` (from its params frame); one of the wrong size is ignored. */
  heard(k: number, round: number, bits: Uint8Array): void {
    const map = this.heardBits[k]
    if (!map || bits.length !== this.bits.length || round < this.round) return
    map.set(round, bits)
  }

  /**
   * The window of round t, given whether this peer is within the target at round t and which neighbour positions
   * sent to it in round t - 1 (`true`: all; `false` or none: round t - 1 sent nothing). Called once per round (again for the same round: nothing changes); after a gap (a jump, or the first
   * round after a start without a saved window) the older bits are unknown and start from zero.
   */
  advance(t: number, within: boolean, previousSenders: boolean | readonly number[]): Uint8Array {
    if (t === this.round) return this.bits
    const next = new Uint8Array(this.bits.length)
    setBit(next, 0, within)
    if (t === this.round + 1) {
      const senders =
        previousSenders === true ? this.heardBits.map((_, k) => k) : previousSenders === false ? [] : previousSenders
      const from = senders.map((k) => this.windowFrom(this.heardBits[k]!, t - 1))
      for (let k = 1; k <= this.lag; k++) {
        setBit(
          next,
          k,
          bit(this.bits, k - 1) &&
            from.every((w) => w !== null && w.shift + k - 1 <= this.lag && bit(w.bits, w.shift + k - 1)),
        )
      }
    }
    this.bits = next
    this.round = t
    for (const map of this.heardBits) for (const r of map.keys()) if (r < t - 1) map.delete(r)
    return next
  }

  /**
   * A neighbour's window of round `r` or, if that one is missing (it was restarted into a later round, or async
   * mode), of the nearest later round, shifted to line up with round r: bit k + shift of round r + shift covers at
   * least the peers that bit k of round r does, at the same round. Earlier windows cannot stand in.
   */
  private windowFrom(map: Map<number, Uint8Array>, r: number): { bits: Uint8Array; shift: number } | null {
    let best: number | null = null
    for (const round of map.keys()) if (round >= r && (best === null || round < best)) best = round
    return best === null ? null : { bits: map.get(best)!, shift: best - r }
  }

  /** Every peer was within the target `lag` rounds ago: stop at this round. */
  reached(): boolean {
    return this.round >= 0 && bit(this.bits, this.lag)
  }

  /** The round the target was met at every peer (when `reached`). */
  metAt(): number {
    return this.round - this.lag
  }

  /** The newest window, for the params frame of this round. */
  current(): Uint8Array {
    return this.bits
  }

  state(): WatchState {
    return { round: this.round, bits: Uint8Array.from(this.bits) }
  }

  /** Continue from a checkpoint's window (one of another size is ignored: the window starts again from zero). */
  restore(state: WatchState): void {
    if (state.bits.length !== this.bits.length || !Number.isInteger(state.round)) return
    this.round = state.round
    this.bits = Uint8Array.from(state.bits)
  }
}
