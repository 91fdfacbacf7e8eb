/**
 * Theory of sampled gradients on squared loss, over the union of all peers' samples (pure).
 *
 * Ma, Bassily & Belkin (Ma, Bassily & Belkin 2017), interpolation regime, mini-batch m drawn with replacement:
 *   g(lambda; m, eta) = (1 - eta lambda)^2 + (eta^2 lambda / m)(beta - lambda)                     (Sec. 4.1)
 *   eta*(m) = m / (beta + (m - 1) lambda_n)                 if m <= beta / (lambda_1 - lambda_n) + 1  (Eq. 9)
 *           = 2m / (beta + (m - 1)(lambda_1 + lambda_n))    otherwise
 *   g*(m)   = 1 - m lambda_n / (beta + (m - 1) lambda_n)     resp. 1 - 4 m (m - 1) lambda_1 lambda_n /
 *                                                            (beta + (m - 1)(lambda_1 + lambda_n))^2  (Eq. 10)
 *   eta_hat(m), g_hat(m): the lambda_n-free rule of Theorem 5 (Eqs. 11-12), N = total samples.
 *   m* = beta / lambda_1 (docs/algorithms.md: beta bounds |x|^2 and stands for tr H), and Eq. 14's
 *   beta / (lambda_1 - lambda_n) + 1 under its own name.
 * H = (1/N) sum x x^T, lambda_1 its largest and lambda_n its smallest NONZERO eigenvalue, beta = max |x|^2.
 * E|w_{t+1} - w*|^2 <= g(m, eta) E|w_t - w*|^2.
 *
 * Mitra (Mitra 2018 Eqs. 10-12), Bernoulli sampling with expected batch m out of N samples, normalised rows; with
 * |x|^2 <= beta in general the noise term scales by beta:
 *   g(m, eta, lambda) = (1 - eta lambda)^2 + (eta^2 lambda beta / m)(1 - m / N)
 *   eta* = 2 / (lambda_1 + lambda_n + c), g* = 1 - 4 lambda_1 lambda_n / (lambda_1 + lambda_n + c)^2,
 *   c = beta (1/m - 1/N)  (beta = 1 gives Mitra's 1/m - 1/n exactly).
 */
import { scatterMatrix } from '../linalg/gram.js'
import { symmetricEigenvalues } from '../linalg/symmetric-eigen.js'
import type { Shard } from '../problems/types.js'
import { sampleGram, sampleRowsOf } from './sample-gram.js'

export interface SampleSpectrum {
  /** total number of samples N */
  samples: number
  /** max |x|^2 */
  beta: number
  lambda_1: number
  /** smallest nonzero eigenvalue of H */
  lambda_n: number
  trace: number
}

/**
 * Spectrum of H = (1/N) sum over every sample of x x^T (dense eigen-solve of the smaller Gram matrix); |x|^2 from the
 * Gram matrix's diagonal when N <= d, so that a Gram matrix given ahead (sample-gram.ts) is all it reads.
 */
export function sampleSpectrum(shards: readonly Shard[]): SampleSpectrum {
  const N = shards.reduce((sum, s) => sum + s.rows, 0)
  const d = shards[0]!.dim
  // The nonzero eigenvalues of (1/N) X^T X equal those of (1/N) X X^T: use the smaller one.
  const size = Math.min(N, d)
  const rows = N <= d ? null : sampleRowsOf(shards)
  const G = rows === null ? sampleGram(shards) : scatterMatrix(rows, d)
  const norms = rows === null ? Array.from({ length: N }, (_, s) => G[s * N + s]) : rows.map(squaredNorm)
  const beta = norms.reduce((a, b) => Math.max(a, b), 0)
  const trace = norms.reduce((sum, q) => sum + q / N, 0)
  const ev = Array.from(
    symmetricEigenvalues(
      G.map((v) => v / N),
      size,
    ),
  )
  const top = ev[ev.length - 1]!
  const lambda_n = ev.find((v) => v > top * Math.max(N, d) * 1e-12) ?? 0
  return { samples: N, beta, lambda_1: top, lambda_n, trace }
}

function squaredNorm(x: Float64Array): number {
  let q = 0
  for (let k = 0; k < x.length; k++) q += x[k] * x[k] // indexed: a Float64Array iterator cost 0.3 s at N d = 6.4e7
  return q
}

/** g(lambda; m, eta) of Ma, Bassily & Belkin 2017 Sec. 4.1. */
export function mbbContraction(lambda: number, m: number, eta: number, beta: number): number {
  return (1 - eta * lambda) ** 2 + ((eta * eta * lambda) / m) * (beta - lambda)
}

export interface SgdTheory extends SampleSpectrum {
  m: number
  eta_star: number
  g_star: number
  eta_hat: number
  g_hat: number
  /** beta / lambda_1 */
  m_star: number
  /** Eq. 14's form, beta / (lambda_1 - lambda_n) + 1 */
  m_star_eq14: number
  /** eta_1(m) = 2m / (beta + (m - 1) lambda_1): the step beyond which E|w - w*|^2 may grow (Eq. 6) */
  eta_max: number
}

export function mbbTheory(spec: SampleSpectrum, m: number): SgdTheory {
  const { beta, lambda_1: l1, lambda_n: ln, samples: N } = spec
  const split = l1 > ln ? beta / (l1 - ln) + 1 : Infinity
  const eta_star = m <= split ? m / (beta + (m - 1) * ln) : (2 * m) / (beta + (m - 1) * (l1 + ln))
  const g_star =
    m <= split
      ? 1 - (m * ln) / (beta + (m - 1) * ln)
      : 1 - (4 * m * (m - 1) * l1 * ln) / (beta + (m - 1) * (l1 + ln)) ** 2
  const hatSplit = l1 > beta / N ? beta / (l1 - beta / N) + 1 : Infinity
  const eta_hat = m <= hatSplit ? m / (beta * (1 + (m - 1) / N)) : (2 * m) / (beta + (m - 1) * (l1 + beta / N))
  const g_hat =
    m <= hatSplit
      ? 1 - (m * ln) / (beta * (1 + (m - 1) / N))
      : 1 - (4 * m * (m - 1) * l1 * ln) / (beta + (m - 1) * (l1 + beta / N)) ** 2
  return {
    ...spec,
    m,
    eta_star,
    g_star,
    eta_hat,
    g_hat,
    m_star: beta / l1,
    m_star_eq14: split,
    eta_max: (2 * m) / (beta + (m - 1) * l1),
  }
}

export interface BernoulliTheory {
  m: number
  eta_star: number
  g_star: number
}

/** Mitra's Bernoulli-SGD optimum (Mitra 2018 Eqs. 11-12, with the beta scaling above). */
export function mitraBernoulli(spec: SampleSpectrum, m: number): BernoulliTheory {
  const c = spec.beta * (1 / m - 1 / spec.samples)
  const s = spec.lambda_1 + spec.lambda_n + c
  return { m, eta_star: 2 / s, g_star: 1 - (4 * spec.lambda_1 * spec.lambda_n) / (s * s) }
}
