/**
 * How fast plain gossip averages on a graph, fixed or changing, two-way or one-way (pure; docs/algorithms.md
 * "Graphs that change, graphs that point one way" and "The theory `meshgd theory` reports").
 *
 * The rounds of one period multiply to M = A_{P-1} ... A_1 A_0, A_t round t's mixing matrix W(t) (row-stochastic:
 * dsgd, gradient-tracking) or push matrix P(t) (column-stochastic: push-sum, push-diging), P = 1 on a fixed graph.
 * Gossip is at x^{kP} = M^k x^0 after k periods; M^k tends to the rank-one limit at the rate of M's second largest
 * eigenvalue modulus, so the disagreement shrinks by that factor per period asymptotically, by its P-th root per
 * round (Xiao & Boyd 2004, for one fixed matrix; a period product is one). Row-stochastic M averages to pi^T x^0,
 * pi its left Perron vector: the mean only when every W(t) is doubly stochastic. A random matching never repeats:
 * its mean-square rate (Boyd, Ghosh, Prabhakar & Shah 2006) stands in for the period product's.
 */
import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix'
import { roundEdges } from '../topology/dynamics.js'
import { mixingRow, pushShare } from '../topology/round-weights.js'
import type { Graph } from '../topology/types.js'

/** Which matrices gossip multiplies by: row-stochastic mixing W(t), or column-stochastic push shares P(t). */
export type GossipWeights = 'mixing' | 'push'

/**
 * Above this many peers the dense n x n eigen-decomposition is skipped: `meshgd theory` up to MIXING_PEER_LIMIT
 * (about 30 s at 1000 peers for a non-symmetric product here), a run summary's prediction up to
 * MIXING_PREDICTION_PEER_LIMIT (under 3 s).
 */
export const MIXING_PEER_LIMIT = 1024
export const MIXING_PREDICTION_PEER_LIMIT = 512

/** Entry-wise tolerance of "M is 11^T / n" and of a row or column summing to 1 (Float64 rounding of a few products). */
const EXACT_TOL = 1e-12

/** The mixing theory as `meshgd theory --json` prints it (snake_case, docs/experiments.md "What a run writes"). */
export interface MixingTheory {
  weights: GossipWeights
  /** rounds after which the round matrices repeat; null: never (random-matching) */
  period: number | null
  /** second largest eigenvalue modulus of one period's product M (0 when M = 11^T / n); null where not computed */
  contraction: number | null
  /** contraction^(1/period): the asymptotic per-round factor of gossip's disagreement */
  rate_per_round: number | null
  /** the first round t <= period at which A_{t-1} ... A_0 = 11^T / n (Ying et al. 2021): averaging done; else null */
  exact_after: number | null
  /** every round's matrix is doubly stochastic (columns of W(t), rows of P(t), sum to 1 to 1e-12) */
  doubly_stochastic: boolean | null
  /** mixing weights not doubly stochastic: max_i pi_i / min_i pi_i of the weights gossip averages the starts with */
  limit_weight_ratio: number | null
  /** random-matching: the per-round rate of the root-mean-square disagreement, sqrt(lambda_2(E[W^T W])) */
  mean_square_rate: number | null
  note: string | null
}

/**
 * Peer i's row of round t's matrix: its sources (ascending) with their entries, and its own entry. Push: P_ij = the
 * share 1 / (1 + |out_j|) of each j that sends to i, and i's own share.
 */
function roundRow(
  graph: Graph,
  weights: GossipWeights,
  t: number,
  i: number,
): { from: readonly number[]; value: ArrayLike<number>; self: number } {
  if (weights === 'mixing') {
    const row = mixingRow(graph, t, i)
    return { from: row.from, value: row.weights, self: row.self }
  }
  const from = roundEdges(graph, t).in[i]!
  return { from, value: from.map((j) => pushShare(graph, t, j)), self: pushShare(graph, t, i) }
}

/** out = A_t M for dense row-major n x n M, A_t sparse (its rows of roundRow): n^2 (degree + 1) multiply-adds. */
function leftMultiply(graph: Graph, weights: GossipWeights, t: number, M: Float64Array, out: Float64Array): void {
  const n = graph.n
  for (let i = 0; i < n; i++) {
    const row = roundRow(graph, weights, t, i)
    const target = i * n
    for (let c = 0; c < n; c++) out[target + c] = row.self * M[target + c]!
    row.from.forEach((j, k) => {
      const a = row.value[k]!
      const source = j * n
      for (let c = 0; c < n; c++) out[target + c]! += a * M[source + c]!
    })
  }
}

/** Whether every entry of the row-major n x n M is 1/n to EXACT_TOL. */
function isAveraging(M: Float64Array, n: number): boolean {
  for (const m of M) if (Math.abs(m - 1 / n) > EXACT_TOL) return false
  return true
}

/** M = A_{P-1} ... A_0 (row-major) and the first round after which the prefix product is 11^T / n, or null. */
export function periodProduct(
  graph: Graph,
  weights: GossipWeights,
  period: number,
): { product: Float64Array; exactAfter: number | null } {
  const n = graph.n
  let M = new Float64Array(n * n)
  for (let i = 0; i < n; i++) M[i * n + i] = 1
  let next = new Float64Array(n * n)
  let exactAfter: number | null = null
  for (let t = 0; t < period; t++) {
    leftMultiply(graph, weights, t, M, next)
    ;[M, next] = [next, M]
    if (exactAfter === null && isAveraging(M, n)) exactAfter = t + 1
  }
  return { product: M, exactAfter }
}

/**
 * The second largest eigenvalue modulus of a stochastic matrix: one eigenvalue closest to 1 is the Perron root,
 * the largest modulus |re + i im| of the others is the contraction (1 when the eigenvalue 1 is repeated).
 */
export function secondEigenvalueModulus(M: Matrix): number {
  const symmetric = M.isSymmetric() || isNearlySymmetric(M)
  const evd = new EigenvalueDecomposition(M, { assumeSymmetric: symmetric })
  const re = evd.realEigenvalues
  const im = symmetric ? re.map(() => 0) : evd.imaginaryEigenvalues
  let perron = 0
  for (let k = 1; k < re.length; k++)
    if (Math.hypot(re[k]! - 1, im[k]!) < Math.hypot(re[perron]! - 1, im[perron]!)) perron = k
  let second = 0
  for (let k = 0; k < re.length; k++) if (k !== perron) second = Math.max(second, Math.hypot(re[k]!, im[k]!))
  return Math.min(1, second)
}

function isNearlySymmetric(M: Matrix): boolean {
  for (let i = 0; i < M.rows; i++)
    for (let j = 0; j < i; j++) if (Math.abs(M.get(i, j) - M.get(j, i)) > 1e-15) return false
  return true
}

/** Whether every round's matrix of one period is doubly stochastic (its rows are stochastic by construction). */
function roundsDoublyStochastic(graph: Graph, weights: GossipWeights, period: number): boolean {
  const n = graph.n
  const sums = new Float64Array(n)
  for (let t = 0; t < period; t++) {
    sums.fill(0)
    for (let i = 0; i < n; i++) {
      const row = roundRow(graph, weights, t, i)
      // mixing: the column sums of W(t); push: the row sums of P(t) (its columns are stochastic)
      if (weights === 'mixing') {
        sums[i]! += row.self
        row.from.forEach((j, k) => (sums[j]! += row.value[k]!))
      } else {
        sums[i] = row.self
        for (let k = 0; k < row.from.length; k++) sums[i]! += row.value[k]!
      }
    }
    for (const s of sums) if (Math.abs(s - 1) > EXACT_TOL) return false
  }
  return true
}

/** max_i pi_i / min_i pi_i for the left Perron vector pi of a row-stochastic M (pi^T M = pi^T, sum pi = 1). */
export function limitWeightRatio(M: Matrix): number {
  const n = M.rows
  // (M^T - I) pi = 0 with its last equation replaced by sum pi = 1 (M irreducible: the solution is unique)
  const A = M.transpose().sub(Matrix.eye(n))
  for (let j = 0; j < n; j++) A.set(n - 1, j, 1)
  const b = Matrix.zeros(n, 1)
  b.set(n - 1, 0, 1)
  const pi = solve(A, b).getColumn(0)
  return Math.max(...pi) / Math.min(...pi)
}

/** The rate theory of gossip on this graph with these weights (docs/algorithms.md "The theory `meshgd theory` reports"). */
export function mixingTheory(graph: Graph, weights: GossipWeights, opts: { peerLimit?: number } = {}): MixingTheory {
  const limit = opts.peerLimit ?? MIXING_PEER_LIMIT
  const period = graph.dynamics ? graph.dynamics.period : 1
  if (period === null) return neverRepeating(graph, weights)
  const n = graph.n
  const none = { weights, period, contraction: null, rate_per_round: null, exact_after: null, mean_square_rate: null }
  if (n > limit) {
    return {
      ...none,
      doubly_stochastic: null,
      limit_weight_ratio: null,
      note: `the mixing rate needs a dense ${n} x ${n} eigen-decomposition; it is computed up to ${limit} peers`,
    }
  }
  const doubly = roundsDoublyStochastic(graph, weights, period)
  const { product, exactAfter } = periodProduct(graph, weights, period)
  const M = Matrix.from1DArray(n, n, product)
  // exact averaging: M = 11^T / n has eigenvalues 1 and 0 (the decomposition gives rounding, ~1e-15)
  const contraction = n > 1 && exactAfter === null ? secondEigenvalueModulus(M) : 0
  const ratio = weights === 'mixing' && !doubly ? limitWeightRatio(M) : null
  return {
    ...none,
    contraction,
    rate_per_round: contraction ** (1 / period),
    exact_after: exactAfter,
    doubly_stochastic: doubly,
    limit_weight_ratio: ratio,
    note:
      ratio === null
        ? null
        : `the mixing weights are row-stochastic, not doubly stochastic: plain gossip (dsgd) goes to a weighted mean of the starts (the left Perron vector of one period's product, largest over smallest weight ${ratio.toPrecision(4)}), not the mean`,
  }
}

/**
 * A graph that never repeats has no period product. A random matching (W(t) = P(t) = I - L_t / 2, L_t the
 * Laplacian of round t's perfect matching, W^T W = W) has E[W^T W] = I - (n / (2 (n - 1))) (I - 11^T / n): the
 * squared disagreement shrinks in expectation by (n - 2) / (2 (n - 1)) a round, exactly (Boyd, Ghosh, Prabhakar &
 * Shah 2006); a single run contracts at least as fast as its square root (Jensen), usually faster.
 */
function neverRepeating(graph: Graph, weights: GossipWeights): MixingTheory {
  const n = graph.n
  const matching = roundEdges(graph, 0).out.every((targets) => targets.length === 1)
  const meanSquare = matching ? Math.sqrt((n - 2) / (2 * (n - 1))) : null
  return {
    weights,
    period: null,
    contraction: null,
    rate_per_round: null,
    exact_after: matching && n === 2 ? 1 : null,
    doubly_stochastic: matching ? true : null,
    limit_weight_ratio: null,
    mean_square_rate: meanSquare,
    note: matching
      ? 'no period product: mean_square_rate^2 is the factor E|x - mean|^2 shrinks by a round over the draws; a single run contracts faster (Jensen)'
      : 'the round graphs never repeat: there is no period product to take the rate of',
  }
}
