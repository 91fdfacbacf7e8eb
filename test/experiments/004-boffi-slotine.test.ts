/**
 * Boffi & Slotine (2020), "A continuous-time analysis of distributed stochastic gradient", at reduced scale: the
 * claims behind experiments/004-boffi-slotine's figure, on a quorum-coupled swarm (Eq. 7, complete graph) at the
 * quadratic minimum of isotropic.csv (H_i = I) with gradient noise sigma = 1, measured over run seeds 1..40.
 * - the variance of the swarm mean falls as 1/p: a log-log fit over p = 1..16 has slope -1 within 0.06, and each
 *   value lies within 20% of eta sigma^2 / (p h (2 - eta h)) (sampling error of 40 x 16 samples: about 6%);
 * - it does not depend on the coupling k (identical noise draws give the same mean to 1e-9 relative);
 * - each agent's fluctuation about the mean shrinks with k, and lies within 20% of
 *   eta sigma^2 (1 - 1/p) / ((h + k)(2 - eta (h + k))).
 */
import { describe, expect, it } from 'vitest'
import { noiseAgainstAgents } from '../../experiments/004-boffi-slotine/make.js'
import { lineFit } from '../../experiments/common.js'

describe('004 Boffi & Slotine: noise of the swarm mean and of each agent', () => {
  const ps = [1, 2, 4, 8, 16]
  const points = noiseAgainstAgents(ps, [0, 8], 40)
  const at = (p: number, k: number) => points.find((q) => q.p === p && q.k === k)!

  it('the variance of the mean falls as 1/p (log-log slope -1 within 0.06) and matches the prediction within 20%', () => {
    const fit = lineFit(
      ps.map(Math.log),
      ps.map((p) => Math.log(at(p, 0).meanVariance.measured)),
    )
    expect(Math.abs(fit.slope + 1)).toBeLessThanOrEqual(0.06)
    for (const q of points)
      expect(Math.abs(q.meanVariance.measured / q.meanVariance.predicted - 1)).toBeLessThanOrEqual(0.2)
  })

  it('the variance of the mean does not depend on the coupling k', () => {
    for (const p of ps)
      expect(Math.abs(at(p, 8).meanVariance.measured / at(p, 0).meanVariance.measured - 1)).toBeLessThanOrEqual(1e-9)
  })

  it("each agent's fluctuation shrinks with k and matches the prediction within 20%", () => {
    for (const p of ps.filter((p) => p > 1)) {
      expect(at(p, 8).agentVariance.measured).toBeLessThan(at(p, 0).agentVariance.measured / 3)
      for (const k of [0, 8])
        expect(Math.abs(at(p, k).agentVariance.measured / at(p, k).agentVariance.predicted - 1)).toBeLessThanOrEqual(
          0.2,
        )
    }
  })
})
