/**
 * The full-space theory of `elastic` (the oracle): A = eta blockdiag(H_i) + mu (L kron I_d) as an nd x nd operator,
 * dense or matrix-free. Its null space {1 kron v : X v = 0} is handled by deflation: the spectrum is taken of
 * A' = A + P, P the orthogonal projector onto that subspace, which has eigenvalue 1 there (|1 - 1| = 0 drops out
 * of the rate) and A's eigenvalues elsewhere, so no eigenvalue has to be told apart from 1 numerically.
 * Costs (nd)^3 dense, so it is the reference the reduced paths (elastic-reduced.ts, elastic-sample-space.ts) are
 * tested against, and runs only when a caller asks for method 'dense' or 'lanczos'.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { lanczosExtremes } from '../linalg/lanczos.js'
import type { Shard } from '../problems/types.js'
import { laplacian } from '../topology/matrices.js'
import type { Graph } from '../topology/types.js'
import { checkShards, type ElasticEngine, type HessianFacts } from './elastic-engine.js'

function symmetricEigenvalues(M: Matrix): number[] {
  return new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues.slice().sort((a, b) => a - b)
}

/** H_i = (1/m_i) sum_s x_s x_s^T as a dense d x d matrix. */
function localHessian(shard: Shard): Matrix {
  const d = shard.dim
  const H = Matrix.zeros(d, d)
  for (let s = 0; s < shard.rows; s++) {
    for (let a = 0; a < d; a++) {
      const xa = shard.features[s * d + a] / shard.rows
      if (xa === 0) continue
      for (let b = 0; b < d; b++) H.set(a, b, H.get(a, b) + xa * shard.features[s * d + b])
    }
  }
  return H
}

/** Orthogonal projector onto null(X) (d x d), X stacking every peer's samples. */
function nullProjector(shards: readonly Shard[], d: number): Matrix {
  const G = Matrix.zeros(d, d) // X^T X
  for (const shard of shards) {
    for (let s = 0; s < shard.rows; s++) {
      for (let a = 0; a < d; a++) {
        const xa = shard.features[s * d + a]
        if (xa === 0) continue
        for (let b = 0; b < d; b++) G.set(a, b, G.get(a, b) + xa * shard.features[s * d + b])
      }
    }
  }
  const evd = new EigenvalueDecomposition(G, { assumeSymmetric: true })
  const values = evd.realEigenvalues
  const V = evd.eigenvectorMatrix
  const top = Math.max(0, ...values)
  const P = Matrix.zeros(d, d)
  values.forEach((v, k) => {
    if (v > top * d * 1e-12) return
    const u = V.getColumn(k)
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) P.set(a, b, P.get(a, b) + u[a] * u[b])
  })
  return P
}

/** A = eta blockdiag(H_i) + mu (L kron I_d) as a dense nd x nd matrix. */
export function operatorMatrix(graph: Graph, shards: readonly Shard[], eta: number, mu: number): Matrix {
  const d = shards[0].dim
  const n = graph.n
  const A = Matrix.zeros(n * d, n * d)
  shards.forEach((shard, i) => {
    const H = localHessian(shard)
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) A.set(i * d + a, i * d + b, eta * H.get(a, b))
  })
  const L = laplacian(graph)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const l = L.get(i, j)
      if (l === 0) continue
      for (let a = 0; a < d; a++) A.set(i * d + a, j * d + a, A.get(i * d + a, j * d + a) + mu * l)
    }
  }
  return A
}

/** Matrix-free A x (and A' x = A x + P x when `nullP` is given: P x = 1 kron Pi_null(mean_i x_i)). */
function operator(graph: Graph, shards: readonly Shard[], eta: number, mu: number, nullP: Matrix | null) {
  const n = graph.n
  const d = shards[0].dim
  return (x: Float64Array, out: Float64Array): void => {
    out.fill(0)
    for (let i = 0; i < n; i++) {
      const shard = shards[i]
      const off = i * d
      for (let s = 0; s < shard.rows; s++) {
        let z = 0
        for (let a = 0; a < d; a++) z += shard.features[s * d + a] * x[off + a]
        const c = (eta * z) / shard.rows
        for (let a = 0; a < d; a++) out[off + a] += c * shard.features[s * d + a]
      }
      const ns = graph.neighbours[i]
      const ws = graph.weights[i]
      for (let k = 0; k < ns.length; k++) {
        const c = mu * ws[k]
        for (let a = 0; a < d; a++) out[off + a] += c * (x[off + a] - x[ns[k] * d + a])
      }
    }
    if (nullP) {
      const mean = new Float64Array(d)
      for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] += x[i * d + a] / n
      const p = nullP.mmul(Matrix.columnVector(Array.from(mean))).getColumn(0)
      for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) out[i * d + a] += p[a]
    }
  }
}

/** Extremes of A' = A + P (deflated: eigenvalue 1 on the null space). */
function deflatedSpectrum(
  graph: Graph,
  shards: readonly Shard[],
  eta: number,
  mu: number,
  dense: boolean,
  nullP: Matrix,
) {
  const n = graph.n
  const d = shards[0].dim
  if (dense) {
    const A = operatorMatrix(graph, shards, eta, mu)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        for (let a = 0; a < d; a++)
          for (let b = 0; b < d; b++) A.set(i * d + a, j * d + b, A.get(i * d + a, j * d + b) + nullP.get(a, b) / n)
      }
    }
    const ev = symmetricEigenvalues(A)
    return { min: ev[0], max: ev[ev.length - 1] }
  }
  const r = lanczosExtremes(n * d, operator(graph, shards, eta, mu, nullP), { maxIterations: 600, tol: 1e-10 })
  return { min: r.min, max: r.max }
}

/** lambda_max(A) (no deflation needed: its top is what matters for stability). */
function topEigenvalue(graph: Graph, shards: readonly Shard[], eta: number, mu: number, dense: boolean): number {
  if (dense) return symmetricEigenvalues(operatorMatrix(graph, shards, eta, mu)).at(-1)!
  return lanczosExtremes(graph.n * shards[0].dim, operator(graph, shards, eta, mu, null), {
    maxIterations: 300,
    tol: 1e-10,
  }).max
}

function fullHessianFacts(shards: readonly Shard[], n: number): HessianFacts {
  const d = shards[0].dim
  const hessians = shards.map(localHessian)
  let Hbar = Matrix.zeros(d, d)
  for (const H of hessians) Hbar = Hbar.add(H)
  const hev = symmetricEigenvalues(Hbar.div(n))
  const lambdaMaxH = hev[hev.length - 1]
  return {
    lambdaMaxH,
    lambdaMinPlusH: hev.find((v) => v > lambdaMaxH * d * 1e-12) ?? 0,
    lambdaMaxHi: Math.max(...hessians.map((H) => symmetricEigenvalues(H).at(-1)!)),
  }
}

/** The full-space engine: every eigen-solve on the nd x nd operator, dense or by Lanczos. */
export function fullEngine(graph: Graph, shards: readonly Shard[], method: 'dense' | 'lanczos'): ElasticEngine {
  const dense = method === 'dense'
  const nullP = nullProjector(shards, shards[0].dim)
  return {
    method,
    hessian: fullHessianFacts(shards, graph.n),
    spectrum: (eta, mu) => ({ ...deflatedSpectrum(graph, shards, eta, mu, dense, nullP), method }),
    stable: (eta, mu) => topEigenvalue(graph, shards, eta, mu, dense) < 2,
  }
}

/** The dense iteration matrix M = I - eta blockdiag(H_i) - mu (L kron I_d) (tests and small problems). */
export function elasticIterationMatrix(graph: Graph, shards: readonly Shard[], eta: number, mu: number): Matrix {
  checkShards('elasticIterationMatrix', graph, shards)
  const A = operatorMatrix(graph, shards, eta, mu)
  return Matrix.eye(A.rows).sub(A)
}
