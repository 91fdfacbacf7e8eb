import { describe, expect, it } from 'vitest'
import { batchBuffers, stochasticGradient } from '../../src/algorithms/sampling.js'
import { objectiveOf } from '../../src/problems/objective.js'
import type { SamplingSpec } from '../../src/config/schema.js'
import type { Shard } from '../../src/problems/types.js'
import { Rng } from '../../src/util/rng.js'

/** A hand-made shard: 5 samples in 3 dimensions; with w = 0 the squared-loss gradient of sample s is -y_s x_s. */
const shard: Shard = {
  rows: 5,
  dim: 3,
  features: Float64Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 0, 0, 1, 1]),
  targets: Float64Array.from([1, 2, 3, 4, 5]),
  sourceRows: [0, 1, 2, 3, 4],
}
const objective = objectiveOf({ loss: 'squared', dim: 3, classes: 1, paramDim: 3, shards: [shard], planted: null }, 0)
const w = new Float64Array(3)
// (1/5) sum_s -y_s x_s = -(1/5) [1 + 4, 4 + 4 + 5, 9 + 5] = [-1, -2.6, -2.8]
const fullGradient = [-1, -2.6, -2.8]

function meanOf(sampling: SamplingSpec, draws: number, seed: number): number[] {
  const ctx = {
    objective,
    sampling,
    rng: Rng.derive(seed, 0, 'sampling'),
    ...batchBuffers(sampling, shard.rows),
  }
  const out = new Float64Array(3)
  const sum = [0, 0, 0]
  for (let k = 0; k < draws; k++) {
    stochasticGradient(ctx, w, out)
    for (let c = 0; c < 3; c++) sum[c]! += out[c]!
  }
  return sum.map((s) => s / draws)
}

describe('sampling (docs/algorithms.md)', () => {
  it('full is the hand-computed local gradient', () => {
    expect(Array.from(meanOf({ kind: 'full' }, 1, 1))).toEqual(fullGradient.map((v) => expect.closeTo(v, 14)))
  })

  for (const sampling of [
    { kind: 'batch', size: 2, replace: true },
    { kind: 'bernoulli', size: 2 },
  ] as const) {
    it(`${sampling.kind} is unbiased (200000 draws, within 0.02 = ~5 standard errors)`, () => {
      const mean = meanOf(sampling, 200_000, 3)
      mean.forEach((v, c) => expect(Math.abs(v - fullGradient[c]!)).toBeLessThan(0.02))
    })
  }

  it('batch draws exactly size samples with replacement, scaled by 1/size', () => {
    const rng = Rng.derive(9, 0, 'sampling')
    const twin = Rng.derive(9, 0, 'sampling')
    const ctx = {
      objective,
      sampling: { kind: 'batch', size: 3, replace: true } as const,
      rng,
      ...batchBuffers({ kind: 'batch', size: 3, replace: true }, shard.rows),
    }
    const out = stochasticGradient(ctx, w, new Float64Array(3))
    const expected = [0, 0, 0]
    for (let b = 0; b < 3; b++) {
      const s = twin.int(5)
      for (let c = 0; c < 3; c++) expected[c]! += (-shard.targets[s]! * shard.features[s * 3 + c]!) / 3
    }
    expected.forEach((v, c) => expect(out[c]).toBeCloseTo(v, 14))
  })
})
