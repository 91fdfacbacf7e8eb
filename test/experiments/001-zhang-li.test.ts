/**
 * Zhang & Li, "Distributed Optimization for Over-Parameterized Learning", at reduced scale: the claims behind
 * experiments/001-zhang-li's figures.
 * - Lemma 1: with intersecting optimal sets, d(x_n, S) never increases, for every T (the simulator's distance
 *   history, with a 1e-12 relative allowance for rounding), and larger T gives a smaller d(x_n, S) at every n,
 *   hence fewer communication rounds to the target.
 * - Sec. 4 (corrected): T* = u / log(1/beta), e^u = 1 + log(1/beta)/r + u, minimises the bound (1 + rT)/(1 - beta^T):
 *   checked against a brute-force scan of T; and the measured cost n*(T)(1 + rT) is least within a factor 2 of T*.
 * The planted data are seeded (problem.seed = 3); gradient descent is deterministic here.
 */
import { describe, expect, it } from 'vitest'
import { costAgainstT, costBound, roundsAgainstT } from '../../experiments/001-zhang-li/make.js'

describe('001 Zhang & Li: local steps', () => {
  const { beta, runs } = roundsAgainstT([1, 2, 4, 8, 16, 32, Infinity])

  it('Lemma 1: d(x_n, S) is non-increasing in n for every T', () => {
    for (const run of runs) {
      expect(run.converged).toBe(true)
      for (let n = 1; n < run.distance.length; n++)
        expect(run.distance[n]!).toBeLessThanOrEqual(run.distance[n - 1]! * (1 + 1e-12))
    }
  })

  it('larger T: smaller d(x_n, S) at every round, and no more rounds to the target', () => {
    // Lemma 1 bounds the decrease; it does not order the distances themselves. Measured: they are ordered for
    // finite T up to 32; T = infinity (local solve to |grad|^2 <= 1e-24) is within 2e-4 of T = 32 at every round
    // and sometimes above it, so it is checked by rounds to the target only (within 1%).
    const last = runs[runs.length - 1]!
    expect(last.rounds).toBeLessThanOrEqual(1.01 * runs[runs.length - 2]!.rounds)
    for (let k = 1; k < runs.length - 1; k++) {
      const fewer = runs[k]!
      const more = runs[k - 1]!
      expect(fewer.rounds).toBeLessThanOrEqual(more.rounds)
      for (let n = 1; n < fewer.distance.length; n++)
        expect(fewer.distance[n]!).toBeLessThanOrEqual(more.distance[n]! * (1 + 1e-12))
    }
  })

  it('T* (corrected) minimises (1 + rT)/(1 - beta^T): brute force over T in (0, 200] to 1e-3', () => {
    for (const c of costAgainstT(beta, runs, [0.01, 0.1, 1])) {
      let best = 1e-3
      for (let T = 1e-3; T <= 200; T += 1e-3) if (costBound(beta, c.r, T) < costBound(beta, c.r, best)) best = T
      expect(Math.abs(best - c.tStar)).toBeLessThanOrEqual(2e-3)
    }
  })

  it('the measured cost n*(T)(1 + rT) is least at a T within a factor 2 of T*', () => {
    for (const c of costAgainstT(beta, runs, [0.01, 0.1, 1])) {
      const least = c.points.reduce((a, b) => (b.measured < a.measured ? b : a))
      expect(least.T).toBeGreaterThanOrEqual(c.tStar / 2)
      expect(least.T).toBeLessThanOrEqual(c.tStar * 2)
    }
  })
})
