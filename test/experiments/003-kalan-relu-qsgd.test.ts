/**
 * Kalan, Soltanolkotabi & Avestimehr (2019), "Fitting ReLUs via SGD and Quantized SGD", at reduced scale: the claims
 * behind experiments/003-kalan-relu-qsgd's figures (Fig. 1a, 1b) on a planted ReLU (d = 100, n = 1000, seed 7).
 * - Theorem 3.1 / Fig. 1a: SGD with eta = m/d converges linearly (log error against iteration is a straight line:
 *   r^2 > 0.99 of a least-squares fit), and faster for larger m: 1 - R grows like m (log-log slope 1 within 0.2) for
 *   m = 8 ... 64, all below d.
 * - Theorem 3.2 / Fig. 1b: QSGD also converges linearly; more bits converge faster; with b = 7 bits the rate is that
 *   of unquantized SGD within 5% of 1 - R.
 * Seeded: planted data (problem.seed), sampling and quantization (run.seed = 1).
 */
import { describe, expect, it } from 'vitest'
import { errorAgainstBatch, errorAgainstBits } from '../../experiments/003-kalan-relu-qsgd/make.js'
import { lineFit } from '../../experiments/common.js'

/** r^2 of the straight-line fit of log error against iteration, over the iterations before the error nears 1e-12. */
function linearity(error: Float64Array): number {
  const t: number[] = []
  const y: number[] = []
  for (let k = 0; k < error.length && error[k]! > 1e-12; k++) {
    t.push(k)
    y.push(Math.log(error[k]!))
  }
  const fit = lineFit(t, y)
  const mean = y.reduce((s, v) => s + v, 0) / y.length
  let ssRes = 0
  let ssTot = 0
  for (let k = 0; k < t.length; k++) {
    ssRes += (y[k]! - (fit.intercept + fit.slope * t[k]!)) ** 2
    ssTot += (y[k]! - mean) ** 2
  }
  return 1 - ssRes / ssTot
}

describe('003 Kalan et al.: ReLU by SGD and QSGD', () => {
  it('Fig. 1a: linear convergence, and 1 - R grows like m', () => {
    const curves = errorAgainstBatch([8, 16, 32, 64], 400)
    for (const c of curves) expect(linearity(c.relativeError)).toBeGreaterThan(0.99)
    const fit = lineFit(
      curves.map((c) => Math.log(c.m)),
      curves.map((c) => Math.log(1 - c.rateMeasured!)),
    )
    expect(Math.abs(fit.slope - 1)).toBeLessThanOrEqual(0.2)
  })

  it('Fig. 1b: QSGD converges linearly, faster with more bits, and at b = 7 like SGD', () => {
    const curves = errorAgainstBits(80, [3, 5, 7], 300)
    const sgd = curves[curves.length - 1]!
    for (const c of curves) expect(linearity(c.relativeError)).toBeGreaterThan(0.99)
    for (let k = 1; k < 3; k++) expect(curves[k]!.rateMeasured!).toBeLessThan(curves[k - 1]!.rateMeasured!)
    const b7 = curves[2]!
    expect(Math.abs((1 - b7.rateMeasured!) / (1 - sgd.rateMeasured!) - 1)).toBeLessThanOrEqual(0.05)
  })
})
