/**
 * Mitra (2018), "Fast Convergence for Stochastic and Distributed Gradient Descent in the Interpolation Limit", at
 * reduced scale: the claims behind experiments/000-mitra's figures, checked against independent computations.
 * - Eq. 14 on a ring: the simulator's measured rate equals the eigen-solve's predicted rate (within 2% of 1 - R),
 *   every rate lies above Sec. III's lower bound 1 - eta lambda_min^+(H) (corrected form, H from ml-matrix here),
 *   and the predicted optimal mu is where the measured rate is smallest.
 * - Bernoulli SGD with eta*(m) (Eqs. 10-12): the measured contraction of |w - w*|^2 stays under g*(m), falls with
 *   m, and at m = N equals gradient descent's ((lambda_1 - lambda_n)/(lambda_1 + lambda_n))^2 (Eq. 13).
 * Seeded: the planted data and the sampling use the seeds of the experiment files and run.seed = 1..3.
 */
import { dataProblem } from '../../src/problems/index.js'
import { describe, expect, it } from 'vitest'
import { bernoulliAgainstM, rateAgainstMu } from '../../experiments/000-mitra/make.js'
import { loadResolved } from '../../experiments/common.js'
import { peerAveragedHessianEigenvalues } from './helpers.js'

describe('000 Mitra: elastic rate against mu (Eq. 14, Sec. III)', () => {
  const sweep = rateAgainstMu('ring.yaml', 6, 20000)

  it('measured rate equals predicted rate within 2% of 1 - R', () => {
    for (const p of sweep.points) {
      expect(p.measured).not.toBeNull()
      expect(Math.abs(p.measured! - p.predicted)).toBeLessThanOrEqual(0.02 * (1 - p.predicted))
    }
  })

  it('every rate is above 1 - eta lambda_min^+(H), H computed independently', () => {
    const resolved = loadResolved('000-mitra', 'ring.yaml')
    const lambdaMin = peerAveragedHessianEigenvalues(dataProblem(resolved.problem).shards)[0]!
    for (const p of sweep.points) expect(p.measured!).toBeGreaterThanOrEqual(1 - sweep.eta * lambdaMin - 1e-9)
  })

  it('the predicted optimal mu is where the measured rate is smallest', () => {
    const best = sweep.points.reduce((a, b) => (b.measured! < a.measured! ? b : a))
    expect(best.mu).toBeCloseTo(sweep.muOptimal.mu, 12)
  })
})

describe('000 Mitra: Bernoulli SGD against m (Eqs. 10-13)', () => {
  const bern = bernoulliAgainstM([1, 4, 16, 64], 3, 4000)

  it('the measured contraction of |w - w*|^2 stays under the bound g*(m) and falls with m', () => {
    for (const p of bern.points) expect(p.measured!).toBeLessThanOrEqual(p.predicted * (1 + 1e-3))
    for (let k = 1; k < bern.points.length; k++)
      expect(bern.points[k]!.measured!).toBeLessThan(bern.points[k - 1]!.measured!)
  })

  it('at m = N it is gradient descent: ((lambda_1 - lambda_n) / (lambda_1 + lambda_n))^2 within 1%', () => {
    const resolved = loadResolved('000-mitra', 'bernoulli.yaml')
    const ev = peerAveragedHessianEigenvalues(dataProblem(resolved.problem).shards)
    const l1 = ev[ev.length - 1]!
    const ln = ev[0]!
    const gd = ((l1 - ln) / (l1 + ln)) ** 2
    const full = bern.points.find((p) => p.m === bern.samples)!
    expect(Math.abs(full.measured! - gd)).toBeLessThanOrEqual(0.01 * gd)
  })

  it('with correlated samples (d < N) the computation m / log(1/g*) is least at an interior batch', () => {
    expect(bern.mOptimal).toBeGreaterThan(1)
    expect(bern.mOptimal).toBeLessThan(bern.samples)
  })
})
