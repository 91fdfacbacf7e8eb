/**
 * Graph building (pure, seeded): a `topology` spec and the number of peers to a connected, weighted `Graph`. The
 * edges of each kind are families.ts's, the connectivity check connectivity.ts's; a graph that cannot be built is a
 * TopologyError naming the field (edge-set.ts).
 */
import { Rng } from '../util/rng.js'
import { assertConnected } from './connectivity.js'
import { invalid, TopologyError } from './edge-set.js'
import { edgesOf } from './families.js'
import type { EdgeWeights, Graph, TopologySpec } from './types.js'

export { TopologyError } from './edge-set.js'
export { assertConnected, connectedComponents, graphDiameter } from './connectivity.js'

export function buildGraph(spec: TopologySpec, n: number): Graph {
  if (!Number.isInteger(n) || n < 1)
    throw new TopologyError('INVALID', `must be a positive integer, got ${n}`, 'swarm.peers')
  const rng = Rng.derive(spec.seed, -1, `topology:${spec.kind}`)
  const { edges, explicitWeights } = edgesOf(spec, n, rng)
  const pairs = edges.list
  // kind edges with unit weights keeps the file's order and weights; every other graph is in sorted order
  const keepFileOrder = explicitWeights !== null && spec.weights.kind === 'unit'
  const ordered = keepFileOrder ? pairs : sortPairs(pairs)
  const weights = keepFileOrder ? explicitWeights : weightsFor(sortPairs(pairs), spec.weights, spec.seed)
  const graph = graphFromEdges(
    n,
    ordered.map(([i, j], k) => [i, j, weights[k]!] as [number, number, number]),
  )
  assertConnected(graph)
  return graph
}

function weightsFor(edges: ReadonlyArray<readonly [number, number]>, weights: EdgeWeights, seed: number): number[] {
  if (weights.kind === 'unit') return edges.map(() => 1)
  if (!(weights.low > 0) || !(weights.high >= weights.low)) {
    throw invalid('weights', `uniform weights need 0 < low <= high (low=${weights.low}, high=${weights.high})`)
  }
  const rng = Rng.derive(seed, -1, 'topology:weights')
  return edges.map(() => weights.low + (weights.high - weights.low) * rng.uniform())
}

/** Assemble the Graph from an edge list with weights (neighbours ascending, edges sorted). */
export function graphFromEdges(n: number, weighted: ReadonlyArray<readonly [number, number, number]>): Graph {
  const sorted = weighted
    .map(([i, j, w]) => [Math.min(i, j), Math.max(i, j), w] as [number, number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const adjacency: Array<Array<[number, number]>> = Array.from({ length: n }, () => [])
  for (const [i, j, w] of sorted) {
    adjacency[i]!.push([j, w])
    adjacency[j]!.push([i, w])
  }
  for (const list of adjacency) list.sort((a, b) => a[0] - b[0])
  return {
    n,
    neighbours: adjacency.map((list) => list.map(([j]) => j)),
    weights: adjacency.map((list) => list.map(([, w]) => w)),
    edges: sorted,
  }
}

function sortPairs(pairs: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  return pairs.map(([i, j]) => [i, j] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
}
