/**
 * What every path of the `elastic` rate theory provides (elastic.ts chooses one): the extreme eigenvalues of
 * A = eta blockdiag(H_i) + mu (L kron I_d) off its null space {1 kron v : X v = 0}, and the stability test
 * lambda_max(A) < 2, at any (eta, mu). Pure.
 */
import { symmetricEigen } from '../linalg/symmetric-eigen.js'
import type { Shard } from '../problems/types.js'
import { laplacian } from '../topology/matrices.js'
import type { Graph } from '../topology/types.js'
import type { SampleBasis } from './elastic-basis.js'

/**
 * 'dense' / 'lanczos': the full nd x nd operator (elastic-full.ts, the oracle). 'exact': a dense eigen-solve of the
 * reduced n r x n r operator; 'sample-space': N x N Cholesky tests (elastic-sample-space.ts); 'reduced-lanczos':
 * Lanczos on the reduced operator (elastic-reduced.ts).
 */
export type ElasticMethod = 'dense' | 'lanczos' | 'exact' | 'sample-space' | 'reduced-lanczos'

/** Extreme eigenvalues; an empty spectrum is min = Infinity, max = -Infinity. */
export interface Extremes {
  readonly min: number
  readonly max: number
}

export interface HessianFacts {
  readonly lambdaMinPlusH: number
  readonly lambdaMaxH: number
  readonly lambdaMaxHi: number
}

export interface ElasticEngine {
  readonly method: ElasticMethod
  readonly hessian: HessianFacts
  /**
   * Extremes of A's spectrum off its null space at (eta, mu), and the path that computed them. `tolerance`: the
   * relative accuracy a path that bisects may stop at (a scan over mu compares rates, it does not report them);
   * 1e-14 when absent, and ignored by the paths that solve directly.
   */
  spectrum(eta: number, mu: number, tolerance?: number): Extremes & { method: ElasticMethod }
  /** lambda_max(A) < 2: the iteration is stable. */
  stable(eta: number, mu: number): boolean
  /**
   * Extremes of A on R^n kron U alone (U: the span of all samples): the only modes a start common to every peer
   * (w_i^0 = 0) excites, since the error w^0 - w_ref then lies in R^n kron U and M keeps it there. Absent on the
   * full-space paths, which have no basis of U.
   */
  spectrumU?(eta: number, mu: number): Extremes
}

/** One shard per peer, all of one dimension (RangeError naming the sizes otherwise). */
export function checkShards(op: string, graph: Graph, shards: readonly Shard[]): void {
  if (shards.length !== graph.n) throw new RangeError(`${op}: ${shards.length} shards for ${graph.n} peers`)
  const d = shards[0].dim
  for (const s of shards) if (s.dim !== d) throw new RangeError(`${op}: shards of dimension ${s.dim} and ${d}`)
}

export interface LaplacianEigen {
  readonly n: number
  /** Ascending; values[0] belongs to the constant vector. */
  readonly values: Float64Array
  /** n x n row-major, column k the eigenvector of values[k]. */
  readonly vectors: Float64Array
}

const laplacianEigens = new WeakMap<Graph, LaplacianEigen>()

/** L's eigen-decomposition, once per graph (a graph is not changed once built). */
export function laplacianEigen(graph: Graph): LaplacianEigen {
  const known = laplacianEigens.get(graph)
  if (known) return known
  const L = laplacian(graph)
  const n = graph.n
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = L.get(i, j)
  const eigen = { n, ...symmetricEigen(a, n) }
  laplacianEigens.set(graph, eigen)
  return eigen
}

/**
 * Adds the eigenvalues of A on R^n kron U-perp (present when r < d): mu lambda_k(L) for the nonconstant modes
 * k >= 2. The constant mode there is the null space and is dropped. A disconnected graph has lambda_2 = 0: rate 1.
 */
export function withComplement(u: Extremes, basis: SampleBasis, lap: LaplacianEigen, mu: number): Extremes {
  if (basis.rank === basis.dim || lap.n < 2) return u
  return { min: Math.min(u.min, mu * lap.values[1]), max: Math.max(u.max, mu * lap.values[lap.n - 1]) }
}

/** R = max |1 - lambda| over the spectrum (0 when it is empty: nothing moves). */
export function rateOf(s: Extremes): number {
  if (s.min > s.max) return 0
  return Math.max(Math.abs(1 - s.min), Math.abs(s.max - 1))
}
