/**
 * Matrices of a graph (pure): the weighted Laplacian L = D - A, Metropolis-Hastings mixing weights, degree
 * statistics, and spectral facts through ml-matrix (docs/algorithms.md "Notation").
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import type { Graph } from './types.js'

/** Dense weighted Laplacian L = D - A. */
export function laplacian(g: Graph): Matrix {
  const L = Matrix.zeros(g.n, g.n)
  for (const [i, j, a] of g.edges) {
    L.set(i, j, L.get(i, j) - a)
    L.set(j, i, L.get(j, i) - a)
    L.set(i, i, L.get(i, i) + a)
    L.set(j, j, L.get(j, j) + a)
  }
  return L
}

/** out = (L kron I_d) x for x in R^(n d) in block form: out_i = sum_j a_ij (x_i - x_j). */
export function laplacianApply(
  g: Graph,
  x: Float64Array,
  out: Float64Array = new Float64Array(x.length),
): Float64Array {
  if (x.length % g.n !== 0 || out.length !== x.length) {
    throw new RangeError(`laplacianApply: x has ${x.length} entries for ${g.n} peers (out ${out.length})`)
  }
  if (out === x) throw new RangeError('laplacianApply: out aliases x')
  const d = x.length / g.n
  out.fill(0)
  for (let i = 0; i < g.n; i++) {
    const ns = g.neighbours[i]!
    const ws = g.weights[i]!
    for (let k = 0; k < ns.length; k++) {
      const j = ns[k]!
      const a = ws[k]!
      for (let c = 0; c < d; c++) out[i * d + c]! += a * (x[i * d + c]! - x[j * d + c]!)
    }
  }
  return out
}

/** Metropolis-Hastings weights: W_ij = 1 / (1 + max(deg_i, deg_j)) on edges, W_ii = 1 - sum_j W_ij. */
export interface MixingWeights {
  readonly self: Float64Array
  /** neighbour[i][k] = W_ij for j = g.neighbours[i][k]. */
  readonly neighbour: ReadonlyArray<Float64Array>
}

export function metropolisWeights(g: Graph): MixingWeights {
  const deg = g.neighbours.map((ns) => ns.length)
  const self = new Float64Array(g.n)
  const neighbour = g.neighbours.map((ns, i) => {
    const row = Float64Array.from(ns, (j) => 1 / (1 + Math.max(deg[i]!, deg[j]!)))
    let s = 0
    for (const w of row) s += w
    self[i] = 1 - s
    return row
  })
  return { self, neighbour }
}

export function mixingMatrix(g: Graph): Matrix {
  const { self, neighbour } = metropolisWeights(g)
  const W = Matrix.zeros(g.n, g.n)
  for (let i = 0; i < g.n; i++) {
    W.set(i, i, self[i]!)
    g.neighbours[i]!.forEach((j, k) => W.set(i, j, neighbour[i]![k]!))
  }
  return W
}

export function degreeStats(g: Graph): { min: number; max: number; mean: number } {
  const deg = g.neighbours.map((ns) => ns.length)
  return {
    min: Math.min(...deg),
    max: Math.max(...deg),
    mean: deg.reduce((s, x) => s + x, 0) / Math.max(1, deg.length),
  }
}

function symmetricEigenvalues(M: Matrix): number[] {
  return new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues.slice().sort((a, b) => a - b)
}

/** Algebraic connectivity lambda_2(L) and lambda_max(L), from a dense symmetric eigen-solve. */
export function spectralFacts(g: Graph): {
  algebraicConnectivity: number
  lambdaMax: number
  laplacianEigenvalues: number[]
} {
  const ev = symmetricEigenvalues(laplacian(g))
  return { algebraicConnectivity: g.n > 1 ? ev[1]! : 0, lambdaMax: ev[ev.length - 1]!, laplacianEigenvalues: ev }
}

/** 1 - (second largest |eigenvalue| of W): how fast gossip averaging with Metropolis weights mixes. */
export function mixingSpectralGap(g: Graph): number {
  const ev = symmetricEigenvalues(mixingMatrix(g))
  const abs = ev.map(Math.abs).sort((a, b) => b - a)
  return 1 - (abs[1] ?? 0)
}
