/** Graph shapes shared by topology builders, theory, the simulator and the peer runtime (pure types). */

export type TopologyKind =
  | 'ring'
  | 'path'
  | 'star'
  | 'complete'
  | 'grid'
  | 'torus'
  | 'hypercube'
  | 'exponential'
  | 'random-regular'
  | 'erdos-renyi'
  | 'small-world'
  | 'barabasi-albert'
  | 'edges'

/** How edge weights a_ij are chosen; explicit edge lists may also give a weight per edge. */
export type EdgeWeights = { kind: 'unit' } | { kind: 'uniform'; low: number; high: number }

/** The `topology:` section of an experiment, after defaults and validation. */
export interface TopologySpec {
  kind: TopologyKind
  seed: number
  weights: EdgeWeights
  /** grid / torus: rows x cols must equal the number of peers. */
  rows?: number
  cols?: number
  /** random-regular: degree (n * degree even, degree < n). */
  degree?: number
  /** erdos-renyi: edge probability. */
  p?: number
  /** small-world (Watts-Strogatz): each node joined to k nearest ring neighbours (k even), rewired with prob beta. */
  k?: number
  beta?: number
  /** barabasi-albert: edges added per new node. */
  m?: number
  /** edges: explicit list of [i, j] or [i, j, weight]. */
  edges?: ReadonlyArray<readonly [number, number] | readonly [number, number, number]>
}

/** An undirected, weighted, simple graph on peers 0..n-1. */
export interface Graph {
  readonly n: number
  /** neighbours[i]: the neighbours of i in ascending order (never i itself). */
  readonly neighbours: ReadonlyArray<readonly number[]>
  /** weights[i][k] = a_ij for j = neighbours[i][k]; symmetric, > 0. */
  readonly weights: ReadonlyArray<readonly number[]>
  /** Each edge once, i < j, sorted by (i, j). */
  readonly edges: ReadonlyArray<readonly [number, number, number]>
}
