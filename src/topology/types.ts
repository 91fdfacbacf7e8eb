/** Graph shapes shared by topology builders, theory, the simulator and the peer runtime (pure types). */

/** The kinds of one fixed graph. */
export type StaticKind =
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
  | 'directed-ring'
  | 'directed-exponential'

/** Every `topology.kind`: a fixed graph, or one that changes from round to round. */
export type TopologyKind = StaticKind | 'one-peer-exponential' | 'random-matching' | 'schedule'

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
  /** edges: each [i, j] is one way, i sends to j. */
  directed?: boolean
  /** schedule: the graphs used in turn, each for `period` rounds. */
  graphs?: readonly TopologySpec[]
  period?: number
}

/**
 * An undirected, weighted, simple graph on peers 0..n-1: the links peers hold open. When who sends to whom changes
 * from round to round, or goes one way, `dynamics` says it round by round, within these links.
 */
export interface Graph {
  readonly n: number
  /** neighbours[i]: the neighbours of i in ascending order (never i itself). */
  readonly neighbours: ReadonlyArray<readonly number[]>
  /** weights[i][k] = a_ij for j = neighbours[i][k]; symmetric, > 0. */
  readonly weights: ReadonlyArray<readonly number[]>
  /** Each edge once, i < j, sorted by (i, j). */
  readonly edges: ReadonlyArray<readonly [number, number, number]>
  /** Absent: every round, every peer sends to and hears from all its neighbours. */
  readonly dynamics?: Dynamics
}

/** Who sends to whom in one round: both lists ascending, within the peer's neighbours. */
export interface RoundEdges {
  /** out[i]: the peers i sends to */
  readonly out: ReadonlyArray<readonly number[]>
  /** in[i]: the peers i hears from */
  readonly in: ReadonlyArray<readonly number[]>
}

/** A graph that changes from round to round, or whose links go one way (dynamics.ts). */
export interface Dynamics {
  /** Some round has a link used one way only. */
  readonly directed: boolean
  /** Rounds after which the round graphs repeat (1: the same every round); null: never (random-matching). */
  readonly period: number | null
  /** Round t's edges (t >= 0). */
  at(t: number): RoundEdges
}
