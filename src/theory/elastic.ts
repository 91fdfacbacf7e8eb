/**
 * Theory of `elastic` with squared loss and full gradients (ALGORITHMS.md section 1, 000_... Sec. III).
 *
 * The swarm is the linear iteration w^{t+1} = M w^t + c with M = I - A, A = eta blockdiag(H_i) + mu (L kron I_d),
 * H_i = (1/m_i) sum_s x_s x_s^T. A is symmetric PSD and its null space is exactly {1 kron v : X v = 0}, the
 * eigenvalue-1 subspace of M, on which nothing moves. The predicted rate R is the largest |1 - lambda| over the
 * eigenvalues lambda of A on the complement. It is computed on A' = A + Q Q^T, where Q Q^T projects onto that
 * subspace: A' has eigenvalue 1 there (|1 - 1| = 0 drops out of the maximum) and A's eigenvalues elsewhere, so no
 * eigenvalue has to be told apart from 1 numerically.
 *
 * Stability. ALGORITHMS.md calls `eta lambda_max(H_i) < 2` and `mu lambda_max(L) < 2` sufficient; they are not
 * (2 peers, d = 1, H = h: the eigenvalue 1 - eta h - 2 mu is below -1 when both products are 1.9). The sufficient
 * condition is the sum eta max_i lambda_max(H_i) + mu lambda_max(L) < 2 (Weyl), reported beside the exact ranges:
 * A's eigenvalues grow monotonically with eta and with mu, so the stable range of each (the other fixed) is an
 * interval (0, max) with lambda_max(A) = 2 at the end, found by bisection.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { lanczosExtremes } from '../linalg/lanczos.js'
import type { Shard } from '../problems/types.js'
import { laplacian } from '../topology/matrices.js'
import type { Graph } from '../topology/types.js'

export interface ElasticTheory {
  /** Predicted linear rate R. */
  rate: number
  method: 'dense' | 'lanczos'
  /** 000_... Sec. III corrected: R >= 1 - eta lambda_min^+(Hbar), Hbar = (1/n) sum_i H_i. */
  mitra: { lowerBound: number; upperBound: 1 }
  lambdaMinPlusH: number
  lambdaMaxH: number
  /** max_i lambda_max(H_i) */
  lambdaMaxHi: number
  laplacian: { lambdaMax: number; algebraicConnectivity: number }
  stable: boolean
  /** eta < etaMax is stable at this mu: 0 when no eta is, Infinity when any is */
  etaMax: number
  /** mu < muMax is stable at this eta: 0 when no mu is (eta alone is unstable), Infinity when any is (no edges) */
  muMax: number
  sufficient: { etaTimesLambdaMaxHi: number; muTimesLambdaMaxL: number; sum: number }
  muOptimal: { mu: number; rate: number } | null
}

export interface ElasticTheoryOptions {
  method?: 'auto' | 'dense' | 'lanczos'
  optimiseMu?: boolean
  /** Compute the stable ranges etaMax and muMax (bisection; NaN when off). Default true. */
  ranges?: boolean
}

/** Up to this n*d the dense eigen-solve (about 3 s at 1000 on this machine) is used. */
export const DENSE_LIMIT = 1000

function symmetricEigenvalues(M: Matrix): number[] {
  return new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues.slice().sort((a, b) => a - b)
}

function checkShards(graph: Graph, shards: readonly Shard[]): number {
  if (shards.length !== graph.n) throw new RangeError(`elasticTheory: ${shards.length} shards for ${graph.n} peers`)
  const d = shards[0]!.dim
  for (const s of shards) if (s.dim !== d) throw new RangeError(`elasticTheory: shards of dimension ${s.dim} and ${d}`)
  return d
}

/** H_i = (1/m_i) sum_s x_s x_s^T as a dense d x d matrix. */
function localHessian(shard: Shard): Matrix {
  const d = shard.dim
  const H = Matrix.zeros(d, d)
  for (let s = 0; s < shard.rows; s++) {
    for (let a = 0; a < d; a++) {
      const xa = shard.features[s * d + a]! / shard.rows
      if (xa === 0) continue
      for (let b = 0; b < d; b++) H.set(a, b, H.get(a, b) + xa * shard.features[s * d + b]!)
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
        const xa = shard.features[s * d + a]!
        if (xa === 0) continue
        for (let b = 0; b < d; b++) G.set(a, b, G.get(a, b) + xa * shard.features[s * d + b]!)
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
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) P.set(a, b, P.get(a, b) + u[a]! * u[b]!)
  })
  return P
}

/** The dense iteration matrix M = I - eta blockdiag(H_i) - mu (L kron I_d) (tests and small problems). */
export function elasticIterationMatrix(graph: Graph, shards: readonly Shard[], eta: number, mu: number): Matrix {
  const A = operatorMatrix(graph, shards, eta, mu)
  return Matrix.eye(A.rows).sub(A)
}

function operatorMatrix(graph: Graph, shards: readonly Shard[], eta: number, mu: number): Matrix {
  const d = checkShards(graph, shards)
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

/** Matrix-free A x (and A' x = A x + Q Q^T x when `deflate`). */
function operator(graph: Graph, shards: readonly Shard[], eta: number, mu: number, nullP: Matrix | null) {
  const n = graph.n
  const d = shards[0]!.dim
  return (x: Float64Array, out: Float64Array): void => {
    out.fill(0)
    for (let i = 0; i < n; i++) {
      const shard = shards[i]!
      const off = i * d
      for (let s = 0; s < shard.rows; s++) {
        let z = 0
        for (let a = 0; a < d; a++) z += shard.features[s * d + a]! * x[off + a]!
        const c = (eta * z) / shard.rows
        for (let a = 0; a < d; a++) out[off + a] = out[off + a]! + c * shard.features[s * d + a]!
      }
      const ns = graph.neighbours[i]!
      const ws = graph.weights[i]!
      for (let k = 0; k < ns.length; k++) {
        const j = ns[k]!
        const c = mu * ws[k]!
        for (let a = 0; a < d; a++) out[off + a] = out[off + a]! + c * (x[off + a]! - x[j * d + a]!)
      }
    }
    if (nullP) {
      // Q Q^T x = 1 kron Pi_null(mean_i x_i)
      const mean = new Float64Array(d)
      for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] = mean[a]! + x[i * d + a]! / n
      const p = nullP.mmul(Matrix.columnVector(Array.from(mean))).getColumn(0)
      for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) out[i * d + a] = out[i * d + a]! + p[a]!
    }
  }
}

interface Spectrum {
  min: number
  max: number
}

function deflatedSpectrum(graph: Graph, shards: readonly Shard[], eta: number, mu: number, method: 'dense' | 'lanczos', nullP: Matrix): Spectrum {
  const n = graph.n
  const d = shards[0]!.dim
  if (method === 'dense') {
    const A = operatorMatrix(graph, shards, eta, mu)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) A.set(i * d + a, j * d + b, A.get(i * d + a, j * d + b) + nullP.get(a, b) / n)
      }
    }
    const ev = symmetricEigenvalues(A)
    return { min: ev[0]!, max: ev[ev.length - 1]! }
  }
  const r = lanczosExtremes(n * d, operator(graph, shards, eta, mu, nullP), { maxIterations: 600, tol: 1e-10 })
  return { min: r.min, max: r.max }
}

function rateOf(s: Spectrum): number {
  return Math.max(Math.abs(1 - s.min), Math.abs(s.max - 1))
}

/** lambda_max(A) for the stability bisection (A itself, no deflation needed: its top is what matters). */
function topEigenvalue(graph: Graph, shards: readonly Shard[], eta: number, mu: number): number {
  const n = graph.n
  const d = shards[0]!.dim
  if (n * d <= 300) {
    const ev = symmetricEigenvalues(operatorMatrix(graph, shards, eta, mu))
    return ev[ev.length - 1]!
  }
  return lanczosExtremes(n * d, operator(graph, shards, eta, mu, null), { maxIterations: 300, tol: 1e-10 }).max
}

/**
 * Largest x in (0, hi] with f(x) <= 2, f increasing; doubles hi until it brackets. 0 when no x is (f is above 2
 * already as x goes to 0: the other parameter alone is unstable), Infinity when every x is (x has no effect, as
 * mu on a graph without edges).
 */
function bisectToTwo(f: (x: number) => number, start: number): number {
  let lo = 0
  let hi = Math.max(start, 1e-6)
  if (f(1e-9 * hi) > 2) return 0
  let k = 0
  for (; k < 60 && f(hi) <= 2; k++) {
    lo = hi
    hi *= 2
  }
  if (k === 60) return Infinity
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2
    if (f(mid) <= 2) lo = mid
    else hi = mid
    if (hi - lo <= 1e-10 * hi) break
  }
  return (lo + hi) / 2
}

export function elasticTheory(
  graph: Graph,
  shards: readonly Shard[],
  eta: number,
  mu: number,
  opts: ElasticTheoryOptions = {},
): ElasticTheory {
  const d = checkShards(graph, shards)
  const n = graph.n
  const method = opts.method === 'dense' || opts.method === 'lanczos' ? opts.method : n * d <= DENSE_LIMIT ? 'dense' : 'lanczos'
  const nullP = nullProjector(shards, d)
  const rate = rateOf(deflatedSpectrum(graph, shards, eta, mu, method, nullP))

  // Hbar = (1/n) sum_i H_i; lambda_min^+ is its smallest nonzero eigenvalue.
  const hessians = shards.map(localHessian)
  let Hbar = Matrix.zeros(d, d)
  for (const H of hessians) Hbar = Hbar.add(H)
  Hbar = Hbar.div(n)
  const hev = symmetricEigenvalues(Hbar)
  const lambdaMaxH = hev[hev.length - 1]!
  const lambdaMinPlusH = hev.find((v) => v > lambdaMaxH * d * 1e-12) ?? 0
  const lambdaMaxHi = Math.max(...hessians.map((H) => symmetricEigenvalues(H).at(-1)!))
  const lev = symmetricEigenvalues(laplacian(graph))
  const lambdaMaxL = lev[lev.length - 1]!

  const ranges = opts.ranges !== false || opts.optimiseMu === true
  const etaMax = ranges ? bisectToTwo((e) => topEigenvalue(graph, shards, e, mu), eta) : NaN
  const muMax = ranges ? bisectToTwo((m) => topEigenvalue(graph, shards, eta, m), Math.max(mu, 1e-3)) : NaN

  let muOptimal: ElasticTheory['muOptimal'] = null
  if (opts.optimiseMu && muMax > 0 && Number.isFinite(muMax)) {
    // The scan needs many solves: Lanczos (a few ms each) unless the problem is tiny.
    const scanMethod = n * d <= 150 ? 'dense' : 'lanczos'
    const best = minimiseOver((m) => rateOf(deflatedSpectrum(graph, shards, eta, m, scanMethod, nullP)), muMax)
    muOptimal = { mu: best.x, rate: best.value }
  }

  return {
    rate,
    method,
    mitra: { lowerBound: 1 - eta * lambdaMinPlusH, upperBound: 1 },
    lambdaMinPlusH,
    lambdaMaxH,
    lambdaMaxHi,
    laplacian: { lambdaMax: lambdaMaxL, algebraicConnectivity: n > 1 ? lev[1]! : 0 },
    stable: rate < 1,
    etaMax,
    muMax,
    sufficient: { etaTimesLambdaMaxHi: eta * lambdaMaxHi, muTimesLambdaMaxL: mu * lambdaMaxL, sum: eta * lambdaMaxHi + mu * lambdaMaxL },
    muOptimal,
  }
}

/** Minimise f over (0, hi): a 16-point scan, then golden-section search around the best point. */
function minimiseOver(f: (x: number) => number, hi: number): { x: number; value: number } {
  const grid = Array.from({ length: 16 }, (_, k) => (hi * (k + 0.5)) / 16)
  const values = grid.map(f)
  const at = values.indexOf(Math.min(...values))
  let a = at > 0 ? grid[at - 1]! : 0
  let b = at + 1 < grid.length ? grid[at + 1]! : hi
  const phi = (Math.sqrt(5) - 1) / 2
  let c = b - phi * (b - a)
  let e = a + phi * (b - a)
  let fc = f(c)
  let fe = f(e)
  for (let k = 0; k < 20; k++) {
    if (fc < fe) {
      b = e
      e = c
      fe = fc
      c = b - phi * (b - a)
      fc = f(c)
    } else {
      a = c
      c = e
      fc = fe
      e = a + phi * (b - a)
      fe = f(e)
    }
  }
  const candidates = [
    { x: c, value: fc },
    { x: e, value: fe },
    { x: grid[at]!, value: values[at]! },
  ]
  return candidates.reduce((best, cand) => (cand.value < best.value ? cand : best))
}

/** The step eta in (0, etaMax(mu)) that minimises the predicted rate of `elastic` at coupling mu. */
export function optimalEta(graph: Graph, shards: readonly Shard[], mu: number): number {
  const d = checkShards(graph, shards)
  const n = graph.n
  const nullP = nullProjector(shards, d)
  const method = n * d <= 150 ? 'dense' : 'lanczos'
  const etaMax = bisectToTwo((e) => topEigenvalue(graph, shards, e, mu), 1)
  return minimiseOver((e) => rateOf(deflatedSpectrum(graph, shards, e, mu, method, nullP)), etaMax).x
}
