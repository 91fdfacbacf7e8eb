/**
 * How many rounds news takes to reach every peer from every peer (pure): the diameter of a fixed undirected graph;
 * for one that changes or points one way, the most rounds, over the rounds a period may start at, until every peer
 * has heard (through any chain of round-by-round links) from every other. Run-target stopping waits this long
 * (src/exchange/target-stop.ts).
 */
import { graphDiameter } from './connectivity.js'
import { roundEdges } from './dynamics.js'
import type { Graph } from './types.js'

const computed = new WeakMap<Graph, number>()

/**
 * Rounds for news to cross the graph; Infinity when it never surely does (a graph that never repeats). Worked out
 * once per graph: a peer asks for it for its target window, its book and the frames it keeps.
 */
export function disseminationRounds(graph: Graph): number {
  let rounds = computed.get(graph)
  if (rounds === undefined) {
    rounds = roundsToCross(graph)
    computed.set(graph, rounds)
  }
  return rounds
}

function roundsToCross(graph: Graph): number {
  const dynamics = graph.dynamics
  if (!dynamics) return graphDiameter(graph)
  if (dynamics.period === null) return Infinity
  let worst = 0
  for (let start = 0; start < dynamics.period; start++) worst = Math.max(worst, roundsFrom(graph, start))
  return worst
}

/** Rounds from round `start` until every peer has heard from every peer (Infinity past n periods). */
function roundsFrom(graph: Graph, start: number): number {
  const n = graph.n
  const words = Math.ceil(n / 32)
  let heard = new Uint32Array(n * words)
  for (let i = 0; i < n; i++) heard[i * words + (i >> 5)]! |= 1 << (i & 31)
  const limit = n * (graph.dynamics?.period ?? 1) + n
  for (let r = 0; r <= limit; r++) {
    if (everyoneHeard(heard, n, words)) return r
    const next = Uint32Array.from(heard)
    const round = roundEdges(graph, start + r)
    for (let i = 0; i < n; i++)
      for (const j of round.in[i]!) for (let w = 0; w < words; w++) next[i * words + w]! |= heard[j * words + w]!
    heard = next
  }
  return Infinity
}

function everyoneHeard(heard: Uint32Array, n: number, words: number): boolean {
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < words; w++) {
      const bits = w === words - 1 && n % 32 !== 0 ? (1 << (n % 32)) - 1 : 0xffffffff
      if ((heard[i * words + w]! & bits) >>> 0 !== bits >>> 0) return false
    }
  }
  return true
}
