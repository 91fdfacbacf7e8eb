/**
 * Ma, Bassily & Belkin (2018), Sec. 5.2 on real handwritten digits (experiments/002-ma-bassily-belkin/mnist.ts), at
 * reduced scale: SGD with the critical batch m* (Eq. 14) reaches gradient descent's distance to the interpolant in
 * fewer than 4 times its iterations, and with 16 m* in about the same number; the random-feature problem
 * interpolates (the minimum-norm solution fits every digit to rounding).
 */
import { describe, expect, it } from 'vitest'
import { digitsProblem, iterationsTo, sgdAgainstGd } from '../../experiments/002-ma-bassily-belkin/mnist.js'
import { minNormInterpolant } from '../helpers/processes.js'

const SETTINGS = { perDigit: 40, features: 800, sigma: 5, seed: 3 }

describe('MNIST digits, SGD with m* against gradient descent (Sec. 5.2)', () => {
  it('the digits in random features interpolate: the minimum-norm solution fits every label', () => {
    const shard = digitsProblem(SETTINGS).shards[0]!
    expect(shard.rows).toBe(400)
    const w = minNormInterpolant([shard]) // an independent dense Gram solve
    let worst = 0
    for (let r = 0; r < shard.rows; r++) {
      let z = 0
      for (let k = 0; k < shard.dim; k++) z += shard.features[r * shard.dim + k]! * w[k]!
      worst = Math.max(worst, Math.abs(z - shard.targets[r]!))
    }
    expect(worst).toBeLessThan(1e-6)
  })

  it('m* needs fewer than 4 times the iterations of gradient descent, 16 m* fewer than 1.5 times', () => {
    const gdRounds = 60
    const c = sgdAgainstGd(SETTINGS, gdRounds)
    expect(c.mStar).toBeGreaterThanOrEqual(2)
    expect(16 * c.mStar).toBeLessThan(c.samples) // still a mini-batch
    const [gd, sgd, sgd16] = c.curves
    for (const t of [20, 40, gdRounds]) {
      const error = gd!.relativeError[t]!
      expect(iterationsTo(sgd!.relativeError, error), `m* at GD's round ${t}`).toBeLessThan(4 * t)
      expect(iterationsTo(sgd16!.relativeError, error), `16 m* at GD's round ${t}`).toBeLessThan(1.5 * t)
      expect(iterationsTo(sgd!.relativeError, error)!).toBeGreaterThan(t) // a smaller batch is not faster per step than GD
    }
  })
})
