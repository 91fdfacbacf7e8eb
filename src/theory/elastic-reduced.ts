/**
 * The reduced operator of `elastic` (elastic.ts header): on R^n kron U, in the basis of elastic-basis.ts,
 * A_U = eta blockdiag(Q^T H_i Q) + mu (L kron I_r), n r x n r, with Q^T H_i Q = sum over peer i's samples of
 * y_s y_s^T. Solved by a dense eigen-solve ('exact') or by Lanczos ('reduced-lanczos') when n r is large. Pure.
 */
import { isPositiveDefinite } from '../linalg/cholesky.js'
import { lanczosExtremes } from '../linalg/lanczos.js'
import { symmetricEigenvalues } from '../linalg/symmetric-eigen.js'
import type { Graph } from '../topology/types.js'
import type { SampleBasis } from './elastic-basis.js'
import {
  withComplement,
  type ElasticEngine,
  type Extremes,
  type HessianFacts,
  type LaplacianEigen,
} from './elastic-engine.js'

/** A_U as a dense row-major (n r) x (n r) matrix, plus `shift` on the diagonal. */
export function reducedOperatorMatrix(
  graph: Graph,
  basis: SampleBasis,
  eta: number,
  mu: number,
  scale = 1,
  shift = 0,
): Float64Array {
  const r = basis.rank
  const size = graph.n * r
  const Y = basis.coords
  const A = new Float64Array(size * size)
  for (let i = 0; i < graph.n; i++) {
    const off = i * r
    for (let s = basis.offsets[i]; s < basis.offsets[i + 1]; s++) {
      for (let a = 0; a < r; a++) {
        const c = scale * eta * Y[s * r + a]
        for (let b = 0; b < r; b++) A[(off + a) * size + off + b] += c * Y[s * r + b]
      }
    }
    const ns = graph.neighbours[i]
    const ws = graph.weights[i]
    for (let k = 0; k < ns.length; k++) {
      const c = scale * mu * ws[k]
      for (let a = 0; a < r; a++) {
        A[(off + a) * size + off + a] += c
        A[(off + a) * size + ns[k] * r + a] -= c
      }
    }
  }
  for (let p = 0; p < size; p++) A[p * size + p] += shift
  return A
}

/** Matrix-free A_U x: out_i = eta sum_s y_s (y_s . x_i) + mu sum_j a_ij (x_i - x_j). */
function reducedOperator(graph: Graph, basis: SampleBasis, eta: number, mu: number) {
  const r = basis.rank
  const Y = basis.coords
  return (x: Float64Array, out: Float64Array): void => {
    out.fill(0)
    for (let i = 0; i < graph.n; i++) {
      const off = i * r
      for (let s = basis.offsets[i]; s < basis.offsets[i + 1]; s++) {
        let z = 0
        for (let a = 0; a < r; a++) z += Y[s * r + a] * x[off + a]
        const c = eta * z
        for (let a = 0; a < r; a++) out[off + a] += c * Y[s * r + a]
      }
      const ns = graph.neighbours[i]
      const ws = graph.weights[i]
      for (let k = 0; k < ns.length; k++) {
        const c = mu * ws[k]
        const offj = ns[k] * r
        for (let a = 0; a < r; a++) out[off + a] += c * (x[off + a] - x[offj + a])
      }
    }
  }
}

export type ReducedMethod = 'exact' | 'reduced-lanczos'

/** Extremes of A_U's spectrum (all of it: A_U has no null space of the iteration). */
export function reducedSpectrum(
  graph: Graph,
  basis: SampleBasis,
  eta: number,
  mu: number,
  method: ReducedMethod,
): Extremes {
  const size = graph.n * basis.rank
  if (size === 0) return { min: Infinity, max: -Infinity }
  if (method === 'exact') {
    const ev = symmetricEigenvalues(reducedOperatorMatrix(graph, basis, eta, mu), size)
    return { min: ev[0], max: ev[size - 1] }
  }
  const res = lanczosExtremes(size, reducedOperator(graph, basis, eta, mu), { maxIterations: 600, tol: 1e-10 })
  return { min: res.min, max: res.max }
}

/** lambda_max(A_U) < 2: 2 I - A_U is positive definite (Cholesky), or the Lanczos top is below 2. */
function reducedTopBelowTwo(graph: Graph, basis: SampleBasis, eta: number, mu: number, method: ReducedMethod): boolean {
  const size = graph.n * basis.rank
  if (size === 0) return true
  if (method === 'exact') return isPositiveDefinite(reducedOperatorMatrix(graph, basis, eta, mu, -1, 2), size)
  return (
    lanczosExtremes(size, reducedOperator(graph, basis, eta, mu), {
      maxIterations: 300,
      tol: 1e-10,
      converge: 'max',
      stopAbove: 2,
    }).max < 2
  )
}

export function reducedEngine(
  graph: Graph,
  basis: SampleBasis,
  lap: LaplacianEigen,
  hessian: HessianFacts,
  method: ReducedMethod,
): ElasticEngine {
  const lambdaMaxL = lap.values[lap.n - 1]
  return {
    method,
    hessian,
    spectrum: (eta, mu) => ({
      ...withComplement(reducedSpectrum(graph, basis, eta, mu, method), basis, lap, mu),
      method,
    }),
    // lambda_max(A) = max(lambda_max(A_U), mu lambda_max(L)); the second term matters only when A_U is empty
    stable: (eta, mu) => mu * lambdaMaxL < 2 && reducedTopBelowTwo(graph, basis, eta, mu, method),
    spectrumU: (eta, mu) => reducedSpectrum(graph, basis, eta, mu, method),
  }
}
