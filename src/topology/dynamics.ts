/**
 * Graphs that change from round to round, and graphs whose links go one way (pure, seeded; docs/algorithms.md
 * "Graphs that change, graphs that point one way"). Every peer computes round t's edges from the experiment alone,
 * so no peer coordinates with another to know whom it talks to.
 *
 * - `one-peer-exponential` (Ying et al. 2021): in round t peer i sends to i + 2^(t mod tau), tau = ceil(log2 n);
 * - `random-matching`: a fresh random perfect matching every round, drawn from `topology.seed` and t;
 * - `schedule`: the graphs of `topology.graphs` in turn, each for `topology.period` rounds, cycled;
 * - `directed-ring`, `directed-exponential` and `edges` with `directed: true`: the same one-way links every round.
 */
import { Rng } from '../util/rng.js'
import type { Dynamics, Graph, RoundEdges } from './types.js'

/** A one-way link [from, to]. */
export type Arc = readonly [number, number]

/** Round edges from one-way arcs (duplicates ignored), both lists ascending. */
export function roundFromArcs(n: number, arcs: Iterable<Arc>): RoundEdges {
  const out: Array<Set<number>> = Array.from({ length: n }, () => new Set())
  const into: Array<Set<number>> = Array.from({ length: n }, () => new Set())
  for (const [from, to] of arcs) {
    out[from]!.add(to)
    into[to]!.add(from)
  }
  const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b)
  return { out: out.map(sorted), in: into.map(sorted) }
}

/** Whether some link of the round is used one way only. */
export function isOneWay(round: RoundEdges): boolean {
  return round.out.some((targets, i) => targets.some((j) => !round.out[j]!.includes(i)))
}

/** The same round graphs cycled, each held for `hold` rounds. */
export function cycled(rounds: readonly RoundEdges[], hold = 1): Dynamics {
  return {
    directed: rounds.some(isOneWay),
    period: rounds.length * hold,
    at: (t) => rounds[Math.floor(t / hold) % rounds.length]!,
  }
}

/** tau = ceil(log2 n): the rounds of one period of the one-peer exponential graph. */
export function onePeerExponentialPeriod(n: number): number {
  let tau = 0
  while (2 ** tau < n) tau++
  return Math.max(1, tau)
}

/** Ying et al. 2021: in round t, peer i sends to i + 2^(t mod tau) (mod n). */
export function onePeerExponential(n: number): Dynamics {
  const rounds = Array.from({ length: onePeerExponentialPeriod(n) }, (_, k) =>
    roundFromArcs(
      n,
      Array.from({ length: n }, (_, i): Arc => [i, (i + 2 ** k) % n]),
    ),
  )
  return cycled(rounds)
}

/** A fresh perfect matching every round (n even), drawn from the topology's seed and the round. */
export function randomMatching(n: number, seed: number): Dynamics {
  // a peer asks for the rounds around its own (a frame from a neighbour ahead, then its own round): keep a few
  const recent = new Map<number, RoundEdges>()
  return {
    directed: false,
    period: null,
    at(t: number): RoundEdges {
      const kept = recent.get(t)
      if (kept) return kept
      const order = Rng.derive(seed, t, 'topology:matching').shuffle(Array.from({ length: n }, (_, i) => i))
      const arcs: Arc[] = []
      for (let k = 0; k + 1 < n; k += 2) arcs.push([order[k]!, order[k + 1]!], [order[k + 1]!, order[k]!])
      const round = roundFromArcs(n, arcs)
      recent.set(t, round)
      if (recent.size > 8) recent.delete(recent.keys().next().value!)
      return round
    },
  }
}

const staticRounds = new WeakMap<Graph, RoundEdges>()

/** Round t's edges of any graph: its dynamics', or every neighbour both ways. */
export function roundEdges(graph: Graph, t: number): RoundEdges {
  if (graph.dynamics) return graph.dynamics.at(t)
  let round = staticRounds.get(graph)
  if (!round) {
    round = { out: graph.neighbours, in: graph.neighbours }
    staticRounds.set(graph, round)
  }
  return round
}

/** The round graphs of one period (the first `cap` rounds when they never repeat). */
export function periodRounds(graph: Graph, cap = 64): RoundEdges[] {
  const period = graph.dynamics ? (graph.dynamics.period ?? cap) : 1
  return Array.from({ length: period }, (_, t) => roundEdges(graph, t))
}

/** Every arc of a list of rounds, once. */
export function arcsOf(rounds: readonly RoundEdges[]): Arc[] {
  const seen = new Set<string>()
  const arcs: Arc[] = []
  for (const round of rounds) {
    round.out.forEach((targets, i) => {
      for (const j of targets) {
        const key = `${i},${j}`
        if (!seen.has(key)) {
          seen.add(key)
          arcs.push([i, j])
        }
      }
    })
  }
  return arcs
}
