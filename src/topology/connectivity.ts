/**
 * Connectivity of a graph (pure): its components, its diameter, and the check that refuses a disconnected one.
 */
import { TopologyError } from './edge-set.js'
import type { Graph } from './types.js'

/** Connected components, each sorted, ordered by smallest member. */
export function components(n: number, edges: ReadonlyArray<readonly [number, number, ...number[]]>): number[][] {
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

/** Throws TopologyError DISCONNECTED unless every peer reaches every other along the one-way links `arcs`. */
export function assertStronglyConnected(n: number, arcs: ReadonlyArray<readonly [number, number]>): void {
  const forward: number[][] = Array.from({ length: n }, () => [])
  const backward: number[][] = Array.from({ length: n }, () => [])
  for (const [from, to] of arcs) {
    forward[from]!.push(to)
    backward[to]!.push(from)
  }
  const unreached = (next: number[][]): number => {
    const seen = new Uint8Array(n)
    const stack = [0]
    seen[0] = 1
    while (stack.length > 0)
      for (const u of next[stack.pop()!]!)
        if (!seen[u]) {
          stack.push(u)
          seen[u] = 1
        }
    return seen.indexOf(0)
  }
  const cannotReach = unreached(forward)
  const cannotBeReached = unreached(backward)
  if (cannotReach >= 0 || cannotBeReached >= 0) {
    const [a, b] = cannotReach >= 0 ? [0, cannotReach] : [cannotBeReached, 0]
    throw new TopologyError(
      'DISCONNECTED',
      `one-way links leave peer ${b} out of reach of peer ${a} (a directed graph must be strongly connected)`,
      'topology',
    )
  }
}
