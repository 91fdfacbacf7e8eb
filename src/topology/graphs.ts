/**
 * Graph builders (pure, seeded): every `topology.kind` of the experiment file, edge weights, and the connectivity
 * check. A graph that cannot be built is a TopologyError naming the field.
 */
import { Rng } from '../util/rng.js'
import type { EdgeWeights, Graph, TopologySpec } from './types.js'
import { MeshgdError } from '../util/errors.js'

export class TopologyError extends MeshgdError<'INVALID' | 'DISCONNECTED'> {
  override readonly name = 'TopologyError'
  constructor(code: TopologyError['code'], message: string, field?: string) {
    super(code, message, { outcome: 'input', ...(field ? { field } : {}) })
  }
}

function invalid(field: string, message: string): TopologyError {
  return new TopologyError('INVALID', message, `topology.${field}`)
}

/** Accumulates undirected edges without duplicates or self-loops. */
class EdgeSet {
  private readonly keys = new Set<number>()
  readonly list: Array<[number, number]> = []
  constructor(private readonly n: number) {}

  add(i: number, j: number): boolean {
    if (i === j) return false
    const a = Math.min(i, j)
    const b = Math.max(i, j)
    const key = a * this.n + b
    if (this.keys.has(key)) return false
    this.keys.add(key)
    this.list.push([a, b])
    return true
  }

  has(i: number, j: number): boolean {
    return this.keys.has(Math.min(i, j) * this.n + Math.max(i, j))
  }

  remove(i: number, j: number): void {
    const a = Math.min(i, j)
    const b = Math.max(i, j)
    this.keys.delete(a * this.n + b)
    const at = this.list.findIndex(([x, y]) => x === a && y === b)
    if (at >= 0) this.list.splice(at, 1)
  }
}

function ringEdges(n: number, edges: EdgeSet): void {
  for (let i = 0; i < n; i++) edges.add(i, (i + 1) % n)
}

function lattice(rows: number, cols: number, wrap: boolean, edges: EdgeSet): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c
      if (c + 1 < cols) edges.add(i, i + 1)
      else if (wrap && cols > 1) edges.add(i, r * cols)
      if (r + 1 < rows) edges.add(i, i + cols)
      else if (wrap && rows > 1) edges.add(i, c)
    }
  }
}

function shape(spec: TopologySpec, n: number): { rows: number; cols: number } {
  const rows = spec.rows ?? 0
  const cols = spec.cols ?? 0
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows * cols !== n) {
    throw invalid('rows', `${spec.kind} needs rows x cols = peers (rows=${spec.rows}, cols=${spec.cols}, peers=${n})`)
  }
  return { rows, cols }
}

/** Random d-regular graph by the pairing model, retried until simple and connected (seeded). */
function randomRegular(n: number, degree: number, rng: Rng, edges: () => EdgeSet): EdgeSet {
  if (degree >= n || (n * degree) % 2 !== 0 || degree < 1) {
    throw invalid(
      'degree',
      `random-regular needs degree < peers and peers x degree even (peers=${n}, degree=${degree})`,
    )
  }
  for (let attempt = 0; attempt < 1000; attempt++) {
    const stubs: number[] = []
    for (let i = 0; i < n; i++) for (let k = 0; k < degree; k++) stubs.push(i)
    rng.shuffle(stubs)
    const set = edges()
    let ok = true
    for (let k = 0; k < stubs.length; k += 2) {
      if (!set.add(stubs[k]!, stubs[k + 1]!)) {
        ok = false
        break
      }
    }
    if (ok && components(n, set.list).length === 1) return set
  }
  throw invalid(
    'degree',
    `no simple connected random-regular graph found in 1000 attempts (peers=${n}, degree=${degree})`,
  )
}

/** Connected components, each sorted, ordered by smallest member. */
function components(n: number, edges: ReadonlyArray<readonly [number, number, ...number[]]>): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i)
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!
      x = parent[x]!
    }
    return x
  }
  for (const [i, j] of edges) {
    const a = find(i)
    const b = find(j)
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = find(i)
    const g = groups.get(r)
    if (g) g.push(i)
    else groups.set(r, [i])
  }
  return [...groups.values()]
}

export function connectedComponents(g: Graph): number[][] {
  return components(g.n, g.edges)
}

/**
 * The largest number of hops between two peers (breadth-first search from every peer; Infinity when disconnected).
 * How many communicating rounds news takes to reach every peer.
 */
export function graphDiameter(g: Graph): number {
  let diameter = 0
  const hops = new Int32Array(g.n)
  const queue = new Int32Array(g.n)
  for (let source = 0; source < g.n; source++) {
    hops.fill(-1)
    hops[source] = 0
    let head = 0
    let tail = 0
    queue[tail++] = source
    while (head < tail) {
      const v = queue[head++]!
      for (const u of g.neighbours[v]!) {
        if (hops[u] === -1) {
          hops[u] = hops[v]! + 1
          queue[tail++] = u
        }
      }
    }
    if (tail < g.n) return Infinity
    diameter = Math.max(diameter, hops[queue[tail - 1]!]!)
  }
  return diameter
}

function describeComponent(c: readonly number[]): string {
  return c.length <= 8 ? `{${c.join(',')}}` : `{${c.slice(0, 6).join(',')},... ${c.length} peers}`
}

/** Throws TopologyError DISCONNECTED naming the components. */
export function assertConnected(g: Graph): void {
  const comps = connectedComponents(g)
  if (comps.length > 1) {
    const shown = comps.slice(0, 6).map(describeComponent).join(' ')
    const more = comps.length > 6 ? ` and ${comps.length - 6} more` : ''
    throw new TopologyError(
      'DISCONNECTED',
      `graph is disconnected: ${comps.length} components ${shown}${more}`,
      'topology',
    )
  }
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

export function buildGraph(spec: TopologySpec, n: number): Graph {
  if (!Number.isInteger(n) || n < 1)
    throw new TopologyError('INVALID', `must be a positive integer, got ${n}`, 'swarm.peers')
  const rng = Rng.derive(spec.seed, -1, `topology:${spec.kind}`)
  const fresh = (): EdgeSet => new EdgeSet(n)
  let edges = fresh()
  let explicitWeights: number[] | null = null
  switch (spec.kind) {
    case 'ring':
      ringEdges(n, edges)
      break
    case 'path':
      for (let i = 0; i + 1 < n; i++) edges.add(i, i + 1)
      break
    case 'star':
      for (let i = 1; i < n; i++) edges.add(0, i)
      break
    case 'complete':
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) edges.add(i, j)
      break
    case 'grid':
    case 'torus': {
      const { rows, cols } = shape(spec, n)
      lattice(rows, cols, spec.kind === 'torus', edges)
      break
    }
    case 'hypercube': {
      if ((n & (n - 1)) !== 0) throw invalid('kind', `hypercube needs a power-of-two number of peers (peers=${n})`)
      for (let i = 0; i < n; i++) for (let b = 1; b < n; b <<= 1) edges.add(i, i ^ b)
      break
    }
    case 'exponential':
      for (let i = 0; i < n; i++) for (let s = 1; s < n; s *= 2) edges.add(i, (i + s) % n)
      break
    case 'random-regular':
      edges = randomRegular(n, spec.degree ?? 3, rng, fresh)
      break
    case 'erdos-renyi': {
      const p = spec.p ?? 0
      if (!(p > 0 && p <= 1)) throw invalid('p', `erdos-renyi needs 0 < p <= 1, got ${spec.p}`)
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng.uniform() < p) edges.add(i, j)
      break
    }
    case 'small-world': {
      // Watts-Strogatz: ring lattice with k nearest neighbours; each lattice edge (i, i+s) rewired with prob beta.
      const k = spec.k ?? 4
      const beta = spec.beta ?? 0
      if (k % 2 !== 0 || k < 2 || k >= n)
        throw invalid('k', `small-world needs an even k with 2 <= k < peers (k=${k}, peers=${n})`)
      if (!(beta >= 0 && beta <= 1)) throw invalid('beta', `must be in [0, 1], got ${beta}`)
      for (let s = 1; s <= k / 2; s++) for (let i = 0; i < n; i++) edges.add(i, (i + s) % n)
      for (let s = 1; s <= k / 2; s++) {
        for (let i = 0; i < n; i++) {
          const j = (i + s) % n
          if (rng.uniform() >= beta || !edges.has(i, j)) continue
          // choose a new endpoint uniformly among nodes not already joined to i
          const candidates: number[] = []
          for (let c = 0; c < n; c++) if (c !== i && !edges.has(i, c)) candidates.push(c)
          if (candidates.length === 0) continue
          edges.remove(i, j)
          edges.add(i, candidates[rng.int(candidates.length)]!)
        }
      }
      break
    }
    case 'barabasi-albert': {
      const m = spec.m ?? 2
      if (m < 1 || m >= n) throw invalid('m', `barabasi-albert needs 1 <= m < peers (m=${m}, peers=${n})`)
      const ends: number[] = []
      for (let i = 0; i <= m; i++) {
        for (let j = i + 1; j <= m; j++) {
          edges.add(i, j)
          ends.push(i, j)
        }
      }
      for (let v = m + 1; v < n; v++) {
        const targets = new Set<number>()
        while (targets.size < m) targets.add(ends[rng.int(ends.length)]!) // preferential attachment
        for (const t of [...targets].sort((a, b) => a - b)) {
          edges.add(v, t)
          ends.push(v, t)
        }
      }
      break
    }
    case 'edges': {
      const list = spec.edges ?? []
      explicitWeights = []
      list.forEach((edge, at) => {
        const [i, j] = edge
        const w = edge.length === 3 ? edge[2] : 1
        if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) {
          throw invalid(`edges.${at}`, `[${edge.join(', ')}] names a peer outside 0..${n - 1}`)
        }
        if (i === j) throw invalid(`edges.${at}`, `[${edge.join(', ')}] is a self-loop`)
        if (!(w > 0) || !Number.isFinite(w))
          throw invalid(`edges.${at}`, `weight must be positive and finite, got ${w}`)
        if (!edges.add(i, j)) throw invalid(`edges.${at}`, `[${edge.join(', ')}] duplicates an earlier edge`)
        explicitWeights!.push(w)
      })
      break
    }
  }
  const pairs = edges.list
  let weights: number[]
  if (explicitWeights)
    weights = spec.weights.kind === 'unit' ? explicitWeights : weightsFor(sortPairs(pairs), spec.weights, spec.seed)
  else weights = weightsFor(sortPairs(pairs), spec.weights, spec.seed)
  const ordered = explicitWeights && spec.weights.kind === 'unit' ? pairs : sortPairs(pairs)
  const graph = graphFromEdges(
    n,
    ordered.map(([i, j], k) => [i, j, weights[k]!] as [number, number, number]),
  )
  assertConnected(graph)
  return graph
}

function sortPairs(pairs: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  return pairs.map(([i, j]) => [i, j] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
}
