/**
 * What the live dashboard shows, kept for pages that open (or reload) while a swarm runs: every peer's newest view
 * and its history of (round, relative error, disagreement), thinned to at most `maxPoints` per peer by dropping every
 * other point when full, so a long run costs bounded memory and a reload still draws the whole curve. Pure: the
 * server (dashboard-server.ts) turns it into JSON for a snapshot and events for a stream.
 */
import type { StatusMessage } from '../net/roster.js'
import { atFloor, measuredRateFromPoints, type ErrorPoint } from '../observe/measured-rate.js'
import type { RoundEdges } from '../topology/types.js'
import { currentRound, roundGraphNow, type RoundGraphNow, type RoundGraphs } from './round-graph.js'

/** Fields a status may leave out (older peers), always there as null where it did. */
type NullWhereUnsaid<K extends keyof StatusMessage> = { [F in K]-?: NonNullable<StatusMessage[F]> | null }

/**
 * A peer as the dashboard draws it (the fields of `meshgd watch --json`): its newest status (the peer is the
 * status's index; relative error, bytes sent and received, messages rejected null from peers that do not say), and
 * what the observer derives from it.
 */
export type DashboardPeer = Pick<StatusMessage, 'round' | 'loss' | 'disagreement' | 'done'> &
  NullWhereUnsaid<'relative_error' | 'bytes_sent' | 'bytes_received' | 'rejected'> & {
    swarm: string
    peer: StatusMessage['index']
    /** rounds per second between this peer's last two statuses (null until there are two) */
    rounds_per_second: number | null
    /** live, down (not heard for a while: killed, stopped, cut off) or done */
    state: 'live' | 'down' | 'done'
    /** ms since this peer's newest status */
    age_ms: number
  }

/** One point of a peer's curve: [round, relative error (null without a reference), disagreement]. */
export type CurvePoint = [number, number | null, number]

/** What a page needs to draw a swarm: its graph and theory (when the launcher knows the experiment). */
export interface SwarmMeta {
  swarm: string
  peers: number | null
  /** undirected edges [i, j], i < j; null when the observer does not know the graph (watch without --experiment) */
  edges: Array<[number, number]> | null
  topology: string | null
  /** where to draw each peer, in [-1, 1]^2 (a grid or torus as its rows and columns); null: on a circle */
  positions: Array<[number, number]> | null
  rounds: number | null
  /** the theory's rate per round (meshgd theory), null where none applies or it is not known yet */
  rate_predicted: number | null
  /** who sends to whom round by round (round-graph.ts); null: every edge both ways every round, or not known */
  round_graphs: RoundGraphs | null
  /** indices held by browser tabs, whose page this dashboard serves at `peer/?index=I` (`meshgd swarm`) */
  browser_peers?: number[]
}

/** The measured rate as the summary defines it (measured-rate.ts), from the curves heard so far. */
export interface MeasuredRate {
  rate_measured: number | null
  /** every point heard is at the floating-point floor: nothing left to measure */
  at_floor: boolean
}

export interface SwarmSnapshot {
  meta: SwarmMeta
  peers: DashboardPeer[]
  history: Record<number, CurvePoint[]>
  measured: MeasuredRate
  /** the graph of the swarm's round (round-graph.ts), where the page cannot pick it from `meta.round_graphs` */
  round_now: RoundGraphNow | null
}

export class DashboardFeed {
  private readonly metas = new Map<string, SwarmMeta>()
  private readonly peers = new Map<string, Map<number, DashboardPeer>>()
  private readonly curves = new Map<string, Map<number, CurvePoint[]>>()
  private readonly roundSources = new Map<string, (t: number) => RoundEdges>()

  constructor(private readonly maxPoints = 1000) {
    if (!(maxPoints >= 2)) throw new RangeError(`DashboardFeed: maxPoints ${maxPoints} < 2`)
  }

  /** Set (or complete) what is known of a swarm; fields not given are kept. */
  describe(meta: Partial<SwarmMeta> & { swarm: string }): SwarmMeta {
    const before = this.metas.get(meta.swarm) ?? {
      swarm: meta.swarm,
      peers: null,
      edges: null,
      topology: null,
      positions: null,
      rounds: null,
      rate_predicted: null,
      round_graphs: null,
    }
    const next = { ...before, ...meta }
    this.metas.set(meta.swarm, next)
    return next
  }

  /** A new status: the peer's view replaced, and a curve point added when its round moved on. */
  heard(view: DashboardPeer): CurvePoint | null {
    if (!this.metas.has(view.swarm)) this.describe({ swarm: view.swarm })
    const peers = this.peers.get(view.swarm) ?? new Map<number, DashboardPeer>()
    this.peers.set(view.swarm, peers)
    peers.set(view.peer, view)
    const curves = this.curves.get(view.swarm) ?? new Map<number, CurvePoint[]>()
    this.curves.set(view.swarm, curves)
    const curve = curves.get(view.peer) ?? []
    curves.set(view.peer, curve)
    const last = curve.at(-1)
    if (last && last[0] === view.round) return null
    // a restarted peer may repeat rounds it had done: its curve goes on from where it now is
    while (curve.length > 0 && curve.at(-1)![0] > view.round) curve.pop()
    const point: CurvePoint = [view.round, view.relative_error, view.disagreement]
    curve.push(point)
    if (curve.length > this.maxPoints) thin(curve)
    return point
  }

  /** Replace the views (states and ages move on with time, not only with statuses). */
  refresh(views: readonly DashboardPeer[]): void {
    for (const v of views) this.peers.get(v.swarm)?.set(v.peer, v)
  }

  swarms(): string[] {
    return [...this.metas.keys()].sort()
  }

  snapshot(swarm: string): SwarmSnapshot | null {
    const meta = this.metas.get(swarm)
    if (!meta) return null
    const peers = [...(this.peers.get(swarm)?.values() ?? [])].sort((a, b) => a.peer - b.peer)
    const history: Record<number, CurvePoint[]> = {}
    for (const [peer, curve] of this.curves.get(swarm) ?? []) history[peer] = [...curve]
    return { meta, peers, history, measured: this.measured(swarm), round_now: this.roundNow(swarm) }
  }

  /**
   * Round t's graph of a swarm whose meta cannot carry its rounds (they never repeat, or are too many to send):
   * from now on `roundNow` gives the graph of the swarm's round.
   */
  followRounds(swarm: string, at: (t: number) => RoundEdges): void {
    this.roundSources.set(swarm, at)
  }

  /** The graph of the swarm's round; null unless its rounds are followed and a peer is heard. */
  roundNow(swarm: string): RoundGraphNow | null {
    const at = this.roundSources.get(swarm)
    const round = at ? currentRound(this.views(swarm)) : null
    return at && round !== null ? roundGraphNow(at, round) : null
  }

  /** The summary's measured rate over the max-error curve heard (statuses come at each peer's own rounds). */
  measured(swarm: string): MeasuredRate {
    const points = maxErrorCurve([...(this.curves.get(swarm)?.values() ?? [])])
    return { rate_measured: measuredRateFromPoints(points, 1), at_floor: atFloor(points, 1) }
  }

  views(swarm: string): DashboardPeer[] {
    return [...(this.peers.get(swarm)?.values() ?? [])].sort((a, b) => a.peer - b.peer)
  }
}

/**
 * max over peers of the relative error at every round some peer reported, each peer's curve read between its
 * points log-linearly (a status comes at whatever round the peer is at); only rounds that every peer's curve
 * spans, so a peer not heard yet cannot lower the max.
 */
export function maxErrorCurve(curves: ReadonlyArray<readonly CurvePoint[]>): ErrorPoint[] {
  const known = curves
    .map((c) => c.filter((p): p is [number, number, number] => p[1] !== null && p[1] > 0 && Number.isFinite(p[1])))
    .filter((c) => c.length > 0)
  if (known.length === 0) return []
  const from = Math.max(...known.map((c) => c[0]![0]))
  const to = Math.min(...known.map((c) => c.at(-1)![0]))
  const rounds = [...new Set(known.flatMap((c) => c.map((p) => p[0])))]
    .filter((r) => r >= from && r <= to)
    .sort((a, b) => a - b)
  const at = known.map(() => 0)
  return rounds.map((round) => {
    let max = 0
    known.forEach((c, s) => {
      while (at[s]! < c.length - 1 && c[at[s]! + 1]![0] <= round) at[s]!++
      const a = c[at[s]!]!
      const b = c[Math.min(at[s]! + 1, c.length - 1)]!
      const e =
        b[0] === a[0]
          ? a[1]
          : Math.exp(Math.log(a[1]) + ((round - a[0]) / (b[0] - a[0])) * (Math.log(b[1]) - Math.log(a[1])))
      max = Math.max(max, e)
    })
    return { round, error: max }
  })
}

/** Keep every other point, and always the newest. */
function thin(curve: CurvePoint[]): void {
  const newest = curve.at(-1)!
  let k = 0
  for (let j = 0; j < curve.length; j += 2) curve[k++] = curve[j]!
  curve.length = k
  if (curve.at(-1) !== newest) curve.push(newest)
}
