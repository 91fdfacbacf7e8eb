/**
 * The edges of every `topology.kind` of the experiment file (pure, seeded; docs/configuration.md lists the
 * kinds): `edgesOf` draws a kind's edges in the order its random stream is used, which fixes every graph bit for
 * bit. Weights and assembly are graphs.ts's.
 */
import type { Rng } from '../util/rng.js'
import { components } from './connectivity.js'
import { EdgeSet, invalid } from './edge-set.js'
import type { Arc } from './dynamics.js'
import type { StaticKind, TopologySpec } from './types.js'

/** The spec of one fixed graph. */
export type StaticSpec = TopologySpec & { kind: StaticKind }

/** A kind's edges, and for kind `edges` the weights the file gives them (in the file's order). */
export interface KindEdges {
  edges: EdgeSet
  explicitWeights: number[] | null
}

export function edgesOf(spec: StaticSpec, n: number, rng: Rng): KindEdges {
  const edges = new EdgeSet(n)
  const plain = (fill: (edges: EdgeSet) => void): KindEdges => {
    fill(edges)
    return { edges, explicitWeights: null }
  }
  switch (spec.kind) {
    case 'ring':
    case 'directed-ring':
      return plain((e) => ringEdges(n, e))
    case 'path':
      return plain((e) => {
        for (let i = 0; i + 1 < n; i++) e.add(i, i + 1)
      })
    case 'star':
      return plain((e) => {
        for (let i = 1; i < n; i++) e.add(0, i)
      })
    case 'complete':
      return plain((e) => {
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) e.add(i, j)
      })
    case 'grid':
    case 'torus': {
      const { rows, cols } = shape(spec, n)
      return plain((e) => lattice(rows, cols, spec.kind === 'torus', e))
    }
    case 'hypercube':
      return plain((e) => hypercube(n, e))
    case 'exponential':
    case 'directed-exponential':
      return plain((e) => {
        for (const [i, j] of exponentialArcs(n)) e.add(i, j)
      })
    case 'random-regular':
      return { edges: randomRegular(n, spec.degree ?? 3, rng, () => new EdgeSet(n)), explicitWeights: null }
    case 'erdos-renyi':
      return plain((e) => erdosRenyi(n, spec.p, rng, e))
    case 'small-world':
      return plain((e) => smallWorld(n, spec.k ?? 4, spec.beta ?? 0, rng, e))
    case 'barabasi-albert':
      return plain((e) => barabasiAlbert(n, spec.m ?? 2, rng, e))
    case 'edges':
      if (spec.directed) return plain((e) => directedEdges(n, spec.edges ?? [], e))
      return { edges, explicitWeights: explicitEdges(n, spec.edges ?? [], edges) }
  }
}

/** The one-way links of a directed kind (each peer's sends, the same every round), or null for an undirected one. */
export function directedArcsOf(spec: StaticSpec, n: number): Arc[] | null {
  switch (spec.kind) {
    case 'directed-ring':
      return n < 2 ? [] : Array.from({ length: n }, (_, i): Arc => [i, (i + 1) % n])
    case 'directed-exponential':
      return exponentialArcs(n)
    case 'edges':
      return spec.directed ? (spec.edges ?? []).map(([i, j]): Arc => [i, j]) : null
    default:
      return null
  }
}

/** i -> i + 2^k (mod n) for every 2^k < n. */
function exponentialArcs(n: number): Arc[] {
  const arcs: Arc[] = []
  for (let i = 0; i < n; i++) for (let s = 1; s < n; s *= 2) arcs.push([i, (i + s) % n])
  return arcs
}

/** Kind `edges` with `directed: true`: [i, j] sends from i to j; the link itself is held once. */
function directedEdges(n: number, list: NonNullable<TopologySpec['edges']>, edges: EdgeSet): void {
  const seen = new Set<string>()
  list.forEach((edge, at) => {
    const [i, j] = edge
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) {
      throw invalid(`edges.${at}`, `[${edge.join(', ')}] names a peer outside 0..${n - 1}`)
    }
    if (i === j) throw invalid(`edges.${at}`, `[${edge.join(', ')}] is a self-loop`)
    if (edge.length === 3)
      throw invalid(`edges.${at}`, 'a one-way edge carries no weight (dsgd and push-sum weigh by degree)')
    if (seen.has(`${i},${j}`)) throw invalid(`edges.${at}`, `[${edge.join(', ')}] duplicates an earlier edge`)
    seen.add(`${i},${j}`)
    edges.add(i, j)
  })
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

function hypercube(n: number, edges: EdgeSet): void {
  if ((n & (n - 1)) !== 0) throw invalid('kind', `hypercube needs a power-of-two number of peers (peers=${n})`)
  for (let i = 0; i < n; i++) for (let b = 1; b < n; b <<= 1) edges.add(i, i ^ b)
}

function erdosRenyi(n: number, given: number | undefined, rng: Rng, edges: EdgeSet): void {
  const p = given ?? 0
  if (!(p > 0 && p <= 1)) throw invalid('p', `erdos-renyi needs 0 < p <= 1, got ${given}`)
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (rng.uniform() < p) edges.add(i, j)
}

/** Watts-Strogatz: ring lattice with k nearest neighbours; each lattice edge (i, i+s) rewired with prob beta. */
function smallWorld(n: number, k: number, beta: number, rng: Rng, edges: EdgeSet): void {
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
}

/** Preferential attachment: a complete core of m + 1 peers, then each new peer joins m ends drawn by degree. */
function barabasiAlbert(n: number, m: number, rng: Rng, edges: EdgeSet): void {
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
    while (targets.size < m) targets.add(ends[rng.int(ends.length)]!)
    for (const t of [...targets].sort((a, b) => a - b)) {
      edges.add(v, t)
      ends.push(v, t)
    }
  }
}

/** Kind `edges`: the file's list, checked entry by entry; returns their weights in the file's order. */
function explicitEdges(n: number, list: NonNullable<TopologySpec['edges']>, edges: EdgeSet): number[] {
  return list.map((edge, at) => {
    const [i, j] = edge
    const w = edge.length === 3 ? edge[2] : 1
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= n || j >= n) {
      throw invalid(`edges.${at}`, `[${edge.join(', ')}] names a peer outside 0..${n - 1}`)
    }
    if (i === j) throw invalid(`edges.${at}`, `[${edge.join(', ')}] is a self-loop`)
    if (!(w > 0) || !Number.isFinite(w)) throw invalid(`edges.${at}`, `weight must be positive and finite, got ${w}`)
    if (!edges.add(i, j)) throw invalid(`edges.${at}`, `[${edge.join(', ')}] duplicates an earlier edge`)
    return w
  })
}
