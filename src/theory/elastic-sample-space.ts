/**
 * The sample-space path of `elastic` (pure): the extreme eigenvalues of the reduced operator A_U (elastic.ts
 * header) from positive-definiteness tests of N x N matrices, N the number of samples, so that a swarm with few
 * samples per peer costs the same at d = 10^6 as at d = 100 once the Gram matrix is formed.
 *
 * Write A_U = eta B^T B + mu (L kron I_r), B (N x n r) with row s = (e_i kron y_s)^T, i the peer of sample s and
 * y_s its coordinates (elastic-basis.ts). For an n x n matrix F, Phi(F) = B (F kron I_r) B^T is the N x N matrix
 * Phi(F)_st = F_{i(s) i(t)} (y_s . y_t). L = sum_k lambda_k v_k v_k^T, v_1 = 1/sqrt(n) the constant mode.
 *
 * Top (any graph). For t > mu lambda_max(L) the matrix tI - mu L kron I is positive definite, and the Schur
 * complements of [[tI - mu L kron I, B^T], [B, I/eta]] give: tI - A_U > 0 iff I - eta Phi((t - mu L)^{-1}) > 0.
 * That holds for all t above lambda_max(A_U) and none below, and lambda_max(A_U) >= mu lambda_max(L) (B^T B >= 0),
 * so lambda_max(A_U) is found by bisection on t in [mu lambda_max(L), mu lambda_max(L) + eta max_i lambda_max(H_i)].
 *
 * Bottom (0 < t < mu lambda_2). D = (mu L - t) kron I_r has exactly r negative eigenvalues (the constant mode).
 * Haynsworth inertia additivity on [[D, B^T], [B, -I/eta]] gives pos(A_U - tI) = (n - 1) r + neg(M) with
 * M = S - Y Y^T / (t n), S = I/eta + Phi(sum_{k>=2} v_k v_k^T / (mu lambda_k - t)) > 0, and once more on
 * [[S, Y], [Y^T, t n I_r]]: neg(M) = neg(t n I - Y^T S^{-1} Y). So A_U - tI > 0 iff Y^T S^{-1} Y - t n I > 0 (r x r,
 * after one Cholesky of S), or, when r = N and Y is invertible, iff Y Y^T / (t n) - S > 0 (congruence, then
 * inversion): a single N x N Cholesky. If A_U - tI stays positive definite up to t = mu lambda_2, then
 * lambda_min(A_U) >= mu lambda_2: when r < d the U-perp modes put mu lambda_2 into the spectrum anyway, and when
 * r = d the reduced operator answers (elastic-reduced.ts).
 *
 * Every bisection step is a Cholesky (N^3 / 3) plus forming F (n^3 / 2); bisection stops at 1e-14 relative, far
 * inside the 1e-10 the rate is quoted to (or at the looser tolerance a scan over mu asks for).
 */
import { symmetricEigenvalues } from '../linalg/symmetric-eigen.js'
import type { Graph } from '../topology/types.js'
import type { SampleBasis } from './elastic-basis.js'
import { withComplement, type ElasticEngine, type HessianFacts, type LaplacianEigen } from './elastic-engine.js'
import { reducedSpectrum, type ReducedMethod } from './elastic-reduced.js'
import { aboveTop, belowBottom, expand, laplacianFunction, workspace, type Workspace } from './elastic-sample-tests.js'

/** Below this lambda_2 / lambda_max(L) the graph counts as disconnected (lambda_2 is rounding). */
const CONNECTED_TOLERANCE = 1e-12
const BISECTION_TOLERANCE = 1e-14

/** The boundary of a monotone test: above(lo) false, above(hi) true; to BISECTION_TOLERANCE relative. */
function boundary(above: (t: number) => boolean, lo: number, hi: number, tolerance = BISECTION_TOLERANCE): number {
  for (let k = 0; k < 400 && hi - lo > tolerance * hi; k++) {
    const mid = lo + (hi - lo) / 2
    if (above(mid)) hi = mid
    else lo = mid
  }
  return lo + (hi - lo) / 2
}

/**
 * Where an extreme of A_U must lie, from the points of a scan over mu done on either side: A_U(mu) = eta B^T B +
 * mu (L kron I) grows with mu (L >= 0), so each extreme is non-decreasing in mu, and by Weyl it moves by at most
 * |mu - mu'| lambda_max(L). `null` when no point is known.
 */
interface Hint {
  readonly lo: number
  readonly hi: number
}

/**
 * [lo, hi] narrowed to the hint (widened by 1e-9 relative for the neighbours' own bisection error) when that is at
 * least 16 times narrower and its two ends test as they must; the full bracket otherwise.
 */
function narrowed(above: (t: number) => boolean, lo: number, hi: number, hint: Hint | null): [number, number] {
  if (hint === null) return [lo, hi]
  const a = Math.max(lo, hint.lo * (1 - 1e-9))
  const b = Math.min(hi, hint.hi * (1 + 1e-9) + 1e-300)
  if (!(a < b && 16 * (b - a) < hi - lo)) return [lo, hi]
  return !above(a) && above(b) ? [a, b] : [lo, hi]
}

function top(
  ws: Workspace,
  hessian: HessianFacts,
  eta: number,
  mu: number,
  tolerance: number,
  hint: Hint | null,
): number {
  const base = mu * ws.lap.values[ws.lap.n - 1]
  const above = (t: number): boolean => aboveTop(ws, eta, mu, t)
  const weyl = (base + eta * hessian.lambdaMaxHi) * (1 + 1e-12) + 1e-300 // Weyl: lambda_max(A_U) <= this
  let [lo, hi] = narrowed(above, base, weyl, hint)
  for (let k = 0; k < 60 && hi === weyl && !above(hi); k++) {
    lo = hi
    hi *= 2
  }
  return boundary(above, lo, hi, tolerance)
}

/** lambda_min(A_U) when it is below `cap` (<= mu lambda_2), else null. */
function bottom(
  ws: Workspace,
  eta: number,
  mu: number,
  cap: number,
  tolerance: number,
  hint: Hint | null,
): number | null {
  if (!(cap > 0)) return null
  const edge = cap * (1 - 1e-13)
  const above = (t: number): boolean => !belowBottom(ws, eta, mu, t)
  if (!above(edge)) return null
  return boundary(above, ...narrowed(above, 0, edge, hint), tolerance)
}

/**
 * How many eigenvalues of A_U lie below t (t > 0, not an eigenvalue of mu L), by inertia: with D = (mu L - t) kron
 * I_r, the Schur complements of [[D, B^T], [B, -I/eta]] on either block give neg(A_U - tI) = neg(D) + pos(I/eta +
 * Phi((mu L - t)^{-1})) - N, and neg(D) = r #{k : mu lambda_k < t}. One N x N symmetric eigen-solve: it holds above
 * mu lambda_2 too, where `belowBottom`'s Cholesky test does not.
 */
function countBelow(ws: Workspace, eta: number, mu: number, t: number): number {
  const N = ws.basis.samples
  laplacianFunction(ws, (lambda) => 1 / (mu * lambda - t), false)
  expand(ws, 1, 0, 1 / eta)
  const positive = symmetricEigenvalues(ws.K, N).filter((v) => v > 0).length
  const below = ws.lap.values.filter((lambda) => mu * lambda < t).length
  return ws.basis.rank * below + positive - N
}

/** lambda_min(A_U) above cap, where `bottom` found none below it (the excited-modes rate needs it there). */
function bottomAnywhere(ws: Workspace, eta: number, mu: number, max: number, cap: number): number {
  return boundary((t) => countBelow(ws, eta, mu, t) >= 1, Math.max(cap, 0), max * (1 + 1e-12))
}

/** mu lambda_2(L), the top of the interval the bottom test holds on: 0 on a disconnected graph, none for n = 1. */
function couplingGap(lap: LaplacianEigen, mu: number): number {
  if (lap.n < 2) return Infinity
  return lap.values[1] > CONNECTED_TOLERANCE * lap.values[lap.n - 1] ? mu * lap.values[1] : 0
}

/** lambda_max(A_U) and the bottom test's answer at one (eta, mu): `spectrum` and `spectrumU` both need them. */
interface Extremes {
  readonly max: number
  /** mu lambda_2 capped at max: the top of the interval the bottom test holds on */
  readonly cap: number
  /** lambda_min(A_U) when below cap, else null */
  readonly min: number | null
}

/** The extremes at (eta, mu); `near`: those at a nearby mu with the same eta, to start the bisections from. */
function extremesOf(
  ws: Workspace,
  hessian: HessianFacts,
  eta: number,
  mu: number,
  tolerance: number,
  near: Neighbours,
): Extremes {
  const slope = ws.lap.values[ws.lap.n - 1]
  const max = top(
    ws,
    hessian,
    eta,
    mu,
    tolerance,
    hintOf(near, mu, slope, (e) => e.max),
  )
  const cap = Math.min(couplingGap(ws.lap, mu), max)
  const min = bottom(
    ws,
    eta,
    mu,
    cap,
    tolerance,
    hintOf(near, mu, slope, (e) => e.min),
  )
  return { max, cap, min }
}

interface Near {
  readonly eta: number
  readonly mu: number
  readonly extremes: Extremes
}

/** The nearest points done below and above mu (same eta). */
interface Neighbours {
  readonly below: Near | null
  readonly above: Near | null
}

function hintOf(near: Neighbours, mu: number, slope: number, pick: (e: Extremes) => number | null): Hint | null {
  const below = near.below ? pick(near.below.extremes) : null
  const above = near.above ? pick(near.above.extremes) : null
  let lo = -Infinity
  let hi = Infinity
  if (below !== null) {
    lo = below
    hi = below + (mu - near.below!.mu) * slope
  }
  if (above !== null) {
    lo = Math.max(lo, above - (near.above!.mu - mu) * slope)
    hi = Math.min(hi, above)
  }
  return below === null && above === null ? null : { lo, hi }
}

/**
 * The extremes of A_U at (eta, mu), remembered: `spectrum` and `spectrumU` ask for the same point, and a scan over
 * mu at a loose tolerance starts each point's bisections from the points it has done on either side (Hint). At
 * the full tolerance the bisections always start from the whole bracket, so a reported rate does not depend on what
 * was asked before it.
 */
function extremesMemo(ws: Workspace, hessian: HessianFacts): (eta: number, mu: number, tolerance?: number) => Extremes {
  let last: { eta: number; mu: number; tolerance: number; extremes: Extremes } | null = null
  const scanned: Near[] = []
  return (eta, mu, tolerance = BISECTION_TOLERANCE) => {
    if (last !== null && last.eta === eta && last.mu === mu && last.tolerance === tolerance) return last.extremes
    const loose = tolerance > BISECTION_TOLERANCE
    const near = loose ? neighbours(scanned, eta, mu) : { below: null, above: null }
    const extremes = extremesOf(ws, hessian, eta, mu, tolerance, near)
    if (loose) scanned.push({ eta, mu, extremes })
    last = { eta, mu, tolerance, extremes }
    return extremes
  }
}

function neighbours(done: readonly Near[], eta: number, mu: number): Neighbours {
  let below: Near | null = null
  let above: Near | null = null
  for (const p of done) {
    if (p.eta !== eta) continue
    if (p.mu <= mu && (below === null || p.mu > below.mu)) below = p
    if (p.mu >= mu && (above === null || p.mu < above.mu)) above = p
  }
  return { below, above }
}

/** Extremes of A_U. */
function spectrumU(graph: Graph, ws: Workspace, e: Extremes, eta: number, mu: number, fallback: ReducedMethod) {
  const { max, cap, min } = e
  if (min !== null) return { min, max, method: 'sample-space' as const }
  if (cap >= max) return { min: max, max, method: 'sample-space' as const }
  // lambda_min(A_U) >= mu lambda_2: the U-perp modes are there when r < d; otherwise solve the reduced operator
  if (ws.basis.rank < ws.basis.dim) return { min: cap, max, method: 'sample-space' as const }
  return { min: reducedSpectrum(graph, ws.basis, eta, mu, fallback).min, max, method: fallback }
}

export function sampleSpaceEngine(
  graph: Graph,
  basis: SampleBasis,
  lap: LaplacianEigen,
  hessian: HessianFacts,
  fallback: ReducedMethod,
): ElasticEngine {
  const ws = workspace(basis, lap)
  const extremes = extremesMemo(ws, hessian)
  return {
    method: 'sample-space',
    hessian,
    spectrum: (eta, mu, tolerance) => {
      if (basis.rank === 0)
        return { ...withComplement({ min: Infinity, max: -Infinity }, basis, lap, mu), method: 'sample-space' }
      const u = spectrumU(graph, ws, extremes(eta, mu, tolerance), eta, mu, fallback)
      return { ...withComplement(u, basis, lap, mu), method: u.method }
    },
    stable: (eta, mu) => (basis.rank === 0 ? mu * lap.values[lap.n - 1] < 2 : aboveTop(ws, eta, mu, 2)),
    spectrumU: (eta, mu) => {
      if (basis.rank === 0) return { min: Infinity, max: -Infinity }
      const { max, cap, min } = extremes(eta, mu)
      return { min: min ?? bottomAnywhere(ws, eta, mu, max, cap), max }
    },
  }
}
