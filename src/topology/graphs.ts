/**
 * Graph building (pure, seeded): a `topology` spec and the number of peers to a connected, weighted `Graph`. The
 * edges of each kind are families.ts's, the connectivity check connectivity.ts's; a graph that cannot be built is a
 * TopologyError naming the field (edge-set.ts).
 */
import { Rng } from '../util/rng.js'
import { assertConnected, assertStronglyConnected } from './connectivity.js'
import { arcsOf, cycled, onePeerExponential, randomMatching, roundFromArcs, type Arc } from './dynamics.js'
import { invalid, TopologyError } from './edge-set.js'
import { directedArcsOf, edgesOf, type StaticSpec } from './families.js'
import type { Dynamics, EdgeWeights, Graph, TopologySpec } from './types.js'

export { TopologyError } from './edge-set.js'
export { assertConnected, connectedComponents, graphDiameter } from './connectivity.js'

export function buildGraph(spec: TopologySpec, n: number): Graph {
  if (!Number.isInteger(n) || n < 1)
    throw new TopologyError('INVALID', `must be a positive integer, got ${n}`, 'swarm.peers')
  if (spec.directed && spec.kind !== 'edges')
    throw invalid(
      'directed',
      `applies to kind edges; ${spec.kind} is ${isStatic(spec) ? 'undirected (directed-ring and directed-exponential point one way)' : 'built by its kind'}`,
    )
  if (!isStatic(spec)) return changingGraph(spec, n)
  const graph = staticGraph(spec, n)
  const arcs = directedArcsOf(spec, n)
  if (!arcs) return graph
  assertStronglyConnected(n, arcs)
  return { ...graph, dynamics: cycled([roundFromArcs(n, arcs)]) }
}

/** A fixed kind's graph (its links, undirected), connected. */
function staticGraph(spec: StaticSpec, n: number): Graph {
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

const isStatic = (spec: TopologySpec): spec is StaticSpec =>
  spec.kind !== 'one-peer-exponential' && spec.kind !== 'random-matching' && spec.kind !== 'schedule'

/** A graph that changes from round to round: its dynamics, and the union of its links as the graph peers hold. */
function changingGraph(spec: TopologySpec, n: number): Graph {
  const dynamics = dynamicsOf(spec, n)
  const links = (arcs: readonly Arc[]): Graph =>
    graphFromEdges(
      n,
      unionPairs(n, arcs).map(([i, j]) => [i, j, 1] as [number, number, number]),
    )
  if (dynamics.period === null) {
    // a matching may pair any two peers: every link is held
    const all: Arc[] = []
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) all.push([i, j])
    return { ...links(all), dynamics }
  }
  const arcs = arcsOf(Array.from({ length: dynamics.period }, (_, t) => dynamics.at(t)))
  const graph = { ...links(arcs), dynamics }
  if (dynamics.directed) assertStronglyConnected(n, arcs)
  else assertConnected(graph)
  return graph
}

function dynamicsOf(spec: TopologySpec, n: number): Dynamics {
  switch (spec.kind) {
    case 'one-peer-exponential':
      if (n < 2) throw invalid('kind', `one-peer-exponential needs at least 2 peers (peers=${n})`)
      return onePeerExponential(n)
    case 'random-matching':
      if (n % 2 !== 0)
        throw invalid(
          'kind',
          `random-matching pairs every peer each round and needs an even number of peers (peers=${n})`,
        )
      return randomMatching(n, spec.seed)
    default:
      return scheduleOf(spec, n)
  }
}

/** `schedule`: each graph of `graphs` (built without the connectivity check: only the union must be connected). */
function scheduleOf(spec: TopologySpec, n: number): Dynamics {
  const graphs = spec.graphs ?? []
  if (graphs.length === 0) throw invalid('graphs', 'schedule needs a list of graphs')
  const rounds = graphs.map((entry, at) => {
    if (!isStatic(entry))
      throw invalid(`graphs.${at}.kind`, `${entry.kind} changes by itself; a schedule lists fixed graphs`)
    try {
      const rng = Rng.derive(entry.seed, -1, `topology:${entry.kind}`)
      const arcs =
        directedArcsOf(entry, n) ??
        edgesOf(entry, n, rng).edges.list.flatMap(([i, j]): Arc[] => [
          [i, j],
          [j, i],
        ])
      return roundFromArcs(n, arcs)
    } catch (err) {
      const field = err instanceof TopologyError ? err.field : undefined
      if (!field?.startsWith('topology.')) throw err
      const inner = field.slice('topology.'.length)
      throw invalid(`graphs.${at}.${inner}`, (err as Error).message.slice(field.length + 2))
    }
  })
  return cycled(rounds, spec.period ?? 1)
}

/** Each link of a list of one-way arcs once, as i < j. */
function unionPairs(n: number, arcs: readonly Arc[]): Array<[number, number]> {
  const seen = new Set<number>()
  const pairs: Array<[number, number]> = []
  for (const [a, b] of arcs) {
    const [i, j] = [Math.min(a, b), Math.max(a, b)]
    if (seen.has(i * n + j)) continue
    seen.add(i * n + j)
    pairs.push([i, j])
  }
  return pairs
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
