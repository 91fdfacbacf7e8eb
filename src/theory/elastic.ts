/**
 * Theory of `elastic` with squared loss and full gradients (docs/algorithms.md "Exact rate of `elastic`", Mitra 2018 Sec. III).
 *
 * The swarm is the linear iteration w^{t+1} = M w^t + c with M = I - A, A = eta blockdiag(H_i) + mu (L kron I_d),
 * H_i = X_i^T X_i / m_i (X_i: peer i's m_i samples as rows). A is symmetric PSD and its null space is exactly
 * {1 kron v : X v = 0} (X stacks every sample), the eigenvalue-1 subspace of M, on which nothing moves. The
 * predicted rate R is the largest |1 - lambda| over the eigenvalues lambda of A on the complement.
 *
 * Decomposition. Let U be the span of all N samples, r = dim U <= min(N, d). Every H_i maps into U and vanishes on
 * U-perp, so R^{nd} = (R^n kron U) + (R^n kron U-perp), both invariant under A:
 * - on R^n kron U-perp (present when r < d) A = mu L kron I, eigenvalues mu lambda_k(L). The constant mode is the
 *   null space above and is dropped; the others count (a disconnected graph has lambda_2 = 0, so R = 1).
 * - on R^n kron U, in an orthonormal basis Q of U, A_U = eta blockdiag(Q^T H_i Q) + mu (L kron I_r), n r x n r
 *   (elastic-basis.ts finds Q^T x_s from the N x N Gram matrix, N^2 d / 2 multiply-adds, without forming Q; from
 *   the d x d scatter matrix when N >= d).
 * R = max |1 - lambda| over spec(A_U) and {mu lambda_k(L) : k >= 2, when r < d}. Paths ('auto' chooses):
 * - 'sample-space' (elastic-sample-space.ts): the extremes of A_U from N x N Cholesky tests; when N <= n r and
 *   N <= SAMPLE_SPACE_LIMIT, i.e. few samples per peer (one sample per peer at d = 10^6: N = n).
 * - 'exact' (elastic-reduced.ts): a dense eigen-solve of A_U otherwise, while n r <= REDUCED_DENSE_LIMIT.
 * - 'reduced-lanczos': Lanczos on A_U otherwise (many samples per peer and large n r).
 * - 'dense', 'lanczos' (elastic-full.ts): the full nd x nd operator; the test oracle, only when asked for.
 * lambda_min^+(Hbar) and lambda_max(Hbar) come from Q^T Hbar Q (r x r), lambda_max(H_i) from the smaller of
 * X_i X_i^T / m_i and Q^T H_i Q.
 *
 * Stability. The usual statement calls `eta lambda_max(H_i) < 2` and `mu lambda_max(L) < 2` sufficient; they are not
 * (2 peers, d = 1, H = h: the eigenvalue 1 - eta h - 2 mu is below -1 when both products are 1.9). The sufficient
 * condition is the sum eta max_i lambda_max(H_i) + mu lambda_max(L) < 2 (Weyl), reported beside the exact ranges:
 * A's eigenvalues grow monotonically with eta and with mu, so the stable range of each (the other fixed) is an
 * interval (0, max) with lambda_max(A) = 2 at the end, found by bisection on the test lambda_max(A) < 2 that every
 * path answers (lambda_max(A) = max(lambda_max(A_U), mu lambda_max(L)), and the first is the larger when r >= 1).
 */
import type { Shard } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { hessianFacts, sampleBasis } from './elastic-basis.js'
import {
  checkShards,
  laplacianEigen,
  rateOf,
  type ElasticEngine,
  type ElasticMethod,
  type LaplacianEigen,
} from './elastic-engine.js'
import { fullEngine } from './elastic-full.js'
import { reducedEngine, type ReducedMethod } from './elastic-reduced.js'
import { sampleSpaceEngine } from './elastic-sample-space.js'

export { elasticIterationMatrix } from './elastic-full.js'
export type { ElasticMethod } from './elastic-engine.js'

export interface ElasticTheory {
  /** Predicted linear rate R. */
  rate: number
  /**
   * The rate of the modes a start common to every peer excites (R^n kron U: elastic-engine.ts), the rate a run from
   * w_i^0 = 0 shows; <= rate, and below it when the slowest mode of A lies in R^n kron U-perp. Null on the
   * full-space paths.
   */
  rateExcited: number | null
  /** The path that computed R (see the file header). */
  method: ElasticMethod
  /** Mitra 2018 Sec. III corrected: R >= 1 - eta lambda_min^+(Hbar), Hbar = (1/n) sum_i H_i. */
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
  /** 'auto' (default) picks a reduced path; 'dense' and 'lanczos' work on the full nd x nd operator. */
  method?: 'auto' | ElasticMethod
  optimiseMu?: boolean
  /** Compute the stable ranges etaMax and muMax (bisection; NaN when off). Default true. */
  ranges?: boolean
}

/**
 * Relative accuracy of the extremes while scanning mu for the best rate: the scan compares rates that differ by far
 * more than 1e-10 of an eigenvalue, and the rate it reports is computed again at full accuracy (a third fewer
 * bisection steps on the sample-space path).
 */
const SCAN_TOLERANCE = 1e-10

/** Up to this n r the reduced operator is solved dense when the sample-space path does not apply. */
export const REDUCED_DENSE_LIMIT = 1000
/** Up to this many samples N the sample-space path (N x N Choleskys, ~100 per eigenvalue) is used. */
export const SAMPLE_SPACE_LIMIT = 2000

/** The rough cost of elasticTheory, in multiply-adds, and the step that dominates it. */
export interface ElasticCost {
  readonly multiplyAdds: number
  /** The step that dominates, in words, for a note that says why the theory is skipped. */
  readonly dominant: string
}

/**
 * Rough multiply-adds of elasticTheory on 'auto'. Per rate: about 110 bisection steps on the sample-space path, one
 * dense eigen-solve on 'exact' (ml-matrix with vectors, 10 k^3: 6 s at k = 1024 on a loaded 2-core machine), one
 * Lanczos run of up to 600 steps otherwise; the stable ranges cost about 100 stability tests, the mu scan about 40
 * more rates. r is taken at its bound min(N, d).
 */
export function elasticTheoryCost(
  n: number,
  samples: number,
  dim: number,
  opts: Pick<ElasticTheoryOptions, 'ranges' | 'optimiseMu'> = {},
): ElasticCost {
  const k = Math.min(samples, dim)
  const size = n * k
  const rates = opts.optimiseMu ? 40 : 1
  const tests = opts.ranges !== false || opts.optimiseMu ? 100 : 0
  const method = autoMethod(n, samples, k)
  const lanczos = 600 * (600 * size + samples * k)
  const solve =
    method === 'sample-space'
      ? (110 * rates + tests) * (n ** 3 / 2 + samples ** 3 / 3 + samples * samples * k)
      : method === 'exact'
        ? 10 * size ** 3 * rates + (tests * size ** 3) / 3
        : (rates + tests) * lanczos
  const steps: Array<[number, string]> = [
    [
      (k * k * Math.max(samples, dim)) / 2,
      samples < dim
        ? `forming the N x N Gram matrix of the samples (N = ${samples}, d = ${dim})`
        : `forming the d x d scatter matrix of the samples (d = ${dim}, N = ${samples})`,
    ],
    [10 * k ** 3, `the eigen-solve of the ${k} x ${k} Gram matrix of the samples`],
    [
      solve,
      method === 'sample-space'
        ? `the ${samples} x ${samples} Cholesky tests of the sample-space path`
        : `the ${method} solves of the reduced operator of size n r = ${size}`,
    ],
  ]
  const dominant = steps.reduce((a, b) => (b[0] > a[0] ? b : a))[1]
  return { multiplyAdds: steps.reduce((sum, [c]) => sum + c, 0), dominant }
}

function autoMethod(n: number, samples: number, rank: number): 'sample-space' | ReducedMethod {
  if (samples <= n * rank && samples <= SAMPLE_SPACE_LIMIT) return 'sample-space'
  return n * rank <= REDUCED_DENSE_LIMIT ? 'exact' : 'reduced-lanczos'
}

function createEngine(
  graph: Graph,
  shards: readonly Shard[],
  method: 'auto' | ElasticMethod,
): { engine: ElasticEngine; lap: LaplacianEigen } {
  checkShards('elasticTheory', graph, shards)
  const lap = laplacianEigen(graph)
  if (method === 'dense' || method === 'lanczos') return { engine: fullEngine(graph, shards, method), lap }
  const basis = sampleBasis(shards)
  const hessian = hessianFacts(basis)
  const chosen = method === 'auto' ? autoMethod(graph.n, basis.samples, basis.rank) : method
  const reduced: ReducedMethod = graph.n * basis.rank <= REDUCED_DENSE_LIMIT ? 'exact' : 'reduced-lanczos'
  if (chosen === 'sample-space') return { engine: sampleSpaceEngine(graph, basis, lap, hessian, reduced), lap }
  return { engine: reducedEngine(graph, basis, lap, hessian, chosen), lap }
}

/**
 * Largest x in (0, hi] that is stable, stability monotone (stable below, unstable above); doubles hi until it
 * brackets. 0 when no x is (unstable already as x goes to 0: the other parameter alone is unstable), Infinity when
 * every x is (x has no effect, as mu on a graph without edges). Bisection to 1e-13 relative.
 */
function bisectStable(stable: (x: number) => boolean, start: number): number {
  let lo = 0
  let hi = Math.max(start, 1e-6)
  if (!stable(1e-9 * hi)) return 0
  let k = 0
  for (; k < 60 && stable(hi); k++) {
    lo = hi
    hi *= 2
  }
  if (k === 60) return Infinity
  for (let k = 0; k < 100 && hi - lo > 1e-13 * hi; k++) {
    const mid = (lo + hi) / 2
    if (stable(mid)) lo = mid
    else hi = mid
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
  const n = graph.n
  const { engine, lap } = createEngine(graph, shards, opts.method ?? 'auto')
  const spectrum = engine.spectrum(eta, mu)
  const rate = rateOf(spectrum)
  const { lambdaMinPlusH, lambdaMaxH, lambdaMaxHi } = engine.hessian
  const lambdaMaxL = lap.values[n - 1]

  const ranges = opts.ranges !== false || opts.optimiseMu === true
  const etaMax = ranges ? bisectStable((e) => engine.stable(e, mu), eta) : NaN
  const muMax = ranges ? bisectStable((m) => engine.stable(eta, m), Math.max(mu, 1e-3)) : NaN

  let muOptimal: ElasticTheory['muOptimal'] = null
  if (opts.optimiseMu && muMax > 0 && Number.isFinite(muMax)) {
    const best = minimiseOver((m) => rateOf(engine.spectrum(eta, m, SCAN_TOLERANCE)), muMax)
    muOptimal = { mu: best.x, rate: rateOf(engine.spectrum(eta, best.x)) }
  }

  return {
    rate,
    rateExcited: engine.spectrumU ? Math.min(rate, rateOf(engine.spectrumU(eta, mu))) : null,
    method: spectrum.method,
    mitra: { lowerBound: 1 - eta * lambdaMinPlusH, upperBound: 1 },
    lambdaMinPlusH,
    lambdaMaxH,
    lambdaMaxHi,
    laplacian: { lambdaMax: lambdaMaxL, algebraicConnectivity: n > 1 ? lap.values[1] : 0 },
    stable: rate < 1,
    etaMax,
    muMax,
    sufficient: {
      etaTimesLambdaMaxHi: eta * lambdaMaxHi,
      muTimesLambdaMaxL: mu * lambdaMaxL,
      sum: eta * lambdaMaxHi + mu * lambdaMaxL,
    },
    muOptimal,
  }
}

/**
 * Minimise f over (0, hi) by golden-section search, to an interval of 5e-7 hi. The rate is convex in mu and in eta:
 * A is affine in each, so lambda_max(A) is convex and lambda_min(A) concave (a max and a min of affine functions;
 * the null space off which they are taken does not move), and R = max(1 - lambda_min, lambda_max - 1) is a max of
 * convex functions. So the search needs no scan to find the basin.
 */
function minimiseOver(f: (x: number) => number, hi: number): { x: number; value: number } {
  const phi = (Math.sqrt(5) - 1) / 2
  let a = 0
  let b = hi
  let c = b - phi * (b - a)
  let e = a + phi * (b - a)
  let fc = f(c)
  let fe = f(e)
  for (let k = 0; k < 30; k++) {
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
  return fc < fe ? { x: c, value: fc } : { x: e, value: fe }
}

/**
 * The coupling mu in (0, muMax(eta)) that minimises the predicted rate of `elastic` at step eta (the theory's best
 * mu, `algorithm.mu: auto`); null when no mu is stable at this eta, or every mu is (mu has no effect: one peer).
 */
export function optimalMu(
  graph: Graph,
  shards: readonly Shard[],
  eta: number,
  opts: { method?: 'auto' | ElasticMethod } = {},
): number | null {
  const { engine } = createEngine(graph, shards, opts.method ?? 'auto')
  const muMax = bisectStable((m) => engine.stable(eta, m), 1)
  if (!(muMax > 0) || !Number.isFinite(muMax)) return null
  return minimiseOver((m) => rateOf(engine.spectrum(eta, m, SCAN_TOLERANCE)), muMax).x
}

/** The step eta in (0, etaMax(mu)) that minimises the predicted rate of `elastic` at coupling mu. */
export function optimalEta(
  graph: Graph,
  shards: readonly Shard[],
  mu: number,
  opts: { method?: 'auto' | ElasticMethod } = {},
): number {
  const { engine } = createEngine(graph, shards, opts.method ?? 'auto')
  const etaMax = bisectStable((e) => engine.stable(e, mu), 1)
  return minimiseOver((e) => rateOf(engine.spectrum(e, mu)), etaMax).x
}
