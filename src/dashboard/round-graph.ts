/**
 * Who sends to whom, as the live dashboard's page draws it round by round (pure). A graph that repeats is sent once,
 * with the swarm's meta: its distinct round graphs and which one each round of the period uses, so the page picks
 * round t's graph as t mod period and nothing more crosses the wire. A graph that never repeats (random-matching),
 * or one too large to send whole, is sent one round at a time: the latest round a peer is at, with each status that
 * moves it on and with the views each second. A static undirected graph sends nothing here; the page draws its edges as always.
 */
import type { Dynamics, RoundEdges } from '../topology/types.js'

/** Sent once with the swarm's meta. */
export interface RoundGraphs {
  /** some round has a link used one way: the page draws arrows */
  directed: boolean
  /** rounds after which the graphs repeat; null: never */
  period: number | null
  /** graphs[g][i]: whom peer i sends to in distinct round graph g; null: each round comes with the views */
  graphs: number[][][] | null
  /** order[t mod period]: the index in `graphs` of round t's graph; null with `graphs` */
  order: number[] | null
}

/** One round's graph, sent with the views where the page cannot pick it from `RoundGraphs`. */
export interface RoundGraphNow {
  round: number
  /** out[i]: whom peer i sends to in this round */
  out: number[][]
}

/** Arcs sent at most, all distinct round graphs together or one round (the cap of meta's edge list). */
export const MAX_SENT_ARCS = 20_000

/** Rounds of a period sent at most as `order` (a schedule holding each graph a long time). */
export const MAX_SENT_PERIOD = 100_000

const arcCount = (out: ReadonlyArray<readonly number[]>): number =>
  out.reduce((sum, targets) => sum + targets.length, 0)

/** What the meta says of a graph's rounds; null for a static undirected graph. */
export function roundGraphsOf(dynamics: Dynamics | undefined): RoundGraphs | null {
  if (!dynamics) return null
  const { directed, period } = dynamics
  const unsent: RoundGraphs = { directed, period, graphs: null, order: null }
  if (period === null || period > MAX_SENT_PERIOD) return unsent
  // a cycled graph hands back one object per distinct round graph: each is sent once
  const index = new Map<RoundEdges, number>()
  const graphs: number[][][] = []
  const order: number[] = []
  let arcs = 0
  for (let t = 0; t < period; t++) {
    const round = dynamics.at(t)
    let g = index.get(round)
    if (g === undefined) {
      arcs += arcCount(round.out)
      if (arcs > MAX_SENT_ARCS) return unsent
      g = graphs.length
      index.set(round, g)
      graphs.push(round.out.map((targets) => [...targets]))
    }
    order.push(g)
  }
  return { directed, period, graphs, order }
}

/**
 * The round the swarm is at, as the page's round counter says it: the latest round a peer is at (a peer runs round
 * t once every round before it is done; in a synchronous run the others are a round or so behind it); null before
 * any peer is heard. The round most peers are at reads worse: statuses come about once a second, each peer's at a
 * round of its own, so two stale ones agreeing would outvote the rest.
 */
export function currentRound(views: ReadonlyArray<{ round: number }>): number | null {
  return views.length === 0 ? null : Math.max(...views.map((v) => v.round))
}

/** Round `round`'s graph to send, or null when it is larger than the cap. */
export function roundGraphNow(at: (t: number) => RoundEdges, round: number): RoundGraphNow | null {
  const { out } = at(round)
  if (arcCount(out) > MAX_SENT_ARCS) return null
  return { round, out: out.map((targets) => [...targets]) }
}
