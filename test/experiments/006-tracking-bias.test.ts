/**
 * The claims of experiments/006-tracking-bias (least squares with no common interpolant, 16 peers on a ring):
 * - gradient-tracking (DIGing) converges to the exact minimiser of sum_i l_i, computed here from the normal
 *   equations with ml-matrix (not with src/theory): within 1e-12 relative;
 * - dsgd (D-PSGD) stalls at a floor above 1e-3 at every step, falling with the step as O(eta): the log-log slope of
 *   the floor over the three smallest steps is 1 within 0.1;
 * - elastic (Mitra 2018, Eq. 14) with a fixed coupling mu is a penalty method and keeps an O(eta) floor as well.
 */
import { describe, expect, it } from 'vitest'
import { leastSquaresMinimiser } from '../helpers/dense.js'
import { biasRuns, floorSlope, PAPER } from '../../experiments/006-tracking-bias/make.js'
import { loadResolved, simulateResolved } from '../../experiments/common.js'

describe('006: D-PSGD bias against gradient tracking', () => {
  const runs = biasRuns()

  it('gradient-tracking reaches the least-squares minimiser of sum_i l_i (normal equations) to 1e-12', () => {
    const resolved = loadResolved(PAPER, 'least-squares.yaml', [
      'algorithm.kind=gradient-tracking',
      'algorithm.eta=0.4',
    ])
    const wls = leastSquaresMinimiser(resolved.problem)
    const norm = Math.hypot(...wls)
    const { params } = simulateResolved(resolved)
    for (const w of params) expect(Math.hypot(...Array.from(w, (v, k) => v - wls[k]!)) / norm).toBeLessThan(1e-12)
    expect(runs.find((x) => x.kind === 'gradient-tracking')!.floor).toBeLessThan(1e-12)
  })

  it('dsgd stalls above 1e-3 at every step, and its floor is O(eta)', () => {
    const dsgd = runs.filter((x) => x.kind === 'dsgd').sort((a, b) => a.eta - b.eta)
    expect(dsgd).toHaveLength(6)
    for (const x of dsgd) expect(x.floor).toBeGreaterThan(1e-3)
    for (let k = 1; k < dsgd.length; k++) expect(dsgd[k]!.floor).toBeGreaterThan(dsgd[k - 1]!.floor)
    expect(Math.abs(floorSlope(runs, 'dsgd') - 1)).toBeLessThan(0.1)
  })

  it('elastic with a fixed mu keeps an O(eta) floor too (a penalty, not exact consensus)', () => {
    for (const x of runs.filter((r) => r.kind === 'elastic')) expect(x.floor).toBeGreaterThan(1e-3)
    expect(Math.abs(floorSlope(runs, 'elastic') - 1)).toBeLessThan(0.1)
  })
})
