import { describe, expect, it } from 'vitest'
import { addSampleGradient, localGradient, localLoss, sampleLoss } from '../../src/problems/losses.js'
import type { LossKind, Shard } from '../../src/problems/types.js'
import { Rng } from '../../src/util/rng.js'

function shardOf(rows: number[][], targets: number[]): Shard {
  return {
    rows: rows.length,
    dim: rows[0]!.length,
    features: Float64Array.from(rows.flat()),
    targets: Float64Array.from(targets),
    sourceRows: rows.map((_, k) => k),
  }
}

function numericGradient(loss: LossKind, shard: Shard, row: number, w: Float64Array, classes: number): Float64Array {
  const g = new Float64Array(w.length)
  const h = 1e-6
  for (let k = 0; k < w.length; k++) {
    const plus = Float64Array.from(w)
    const minus = Float64Array.from(w)
    plus[k]! += h
    minus[k]! -= h
    g[k] = (sampleLoss(loss, shard, row, plus, classes) - sampleLoss(loss, shard, row, minus, classes)) / (2 * h)
  }
  return g
}

describe('losses (docs/algorithms.md table)', () => {
  const x = [0.5, -1, 2]
  it('take their hand-computed values', () => {
    const w = Float64Array.from([1, 1, 1]) // z = 1.5
    expect(sampleLoss('squared', shardOf([x], [0.5]), 0, w, 1)).toBeCloseTo(0.5, 15)
    expect(sampleLoss('quartic', shardOf([x], [0.5]), 0, w, 1)).toBeCloseTo(0.25, 15)
    expect(sampleLoss('relu', shardOf([x], [2]), 0, w, 1)).toBeCloseTo(0.125, 15)
    expect(sampleLoss('relu', shardOf([x], [2]), 0, Float64Array.from([-1, 1, -1]), 1)).toBeCloseTo(2, 15) // z < 0
    expect(sampleLoss('logistic', shardOf([x], [1]), 0, w, 1)).toBeCloseTo(Math.log(1 + Math.exp(1.5)) - 1.5, 14)
    // softmax, K = 2, W = [[1,0],[0,1],[0,0]]: logits [0.5, -1]; y = 0
    const W = Float64Array.from([1, 0, 0, 1, 0, 0])
    expect(sampleLoss('softmax', shardOf([x], [0]), 0, W, 2)).toBeCloseTo(
      Math.log(Math.exp(0.5) + Math.exp(-1)) - 0.5,
      14,
    )
  })

  it('have gradients equal to central finite differences (seeded random points)', () => {
    const rng = Rng.derive(3, 0, 'fd')
    const cases: Array<{ loss: LossKind; classes: number; target: () => number }> = [
      { loss: 'squared', classes: 1, target: () => rng.gaussian() },
      { loss: 'quartic', classes: 1, target: () => rng.gaussian() },
      { loss: 'relu', classes: 1, target: () => rng.gaussian() },
      { loss: 'logistic', classes: 1, target: () => rng.int(2) },
      { loss: 'softmax', classes: 3, target: () => rng.int(3) },
    ]
    for (const { loss, classes, target } of cases) {
      for (let trial = 0; trial < 10; trial++) {
        const d = 4
        const shard = shardOf([Array.from({ length: d }, () => rng.gaussian())], [target()])
        const w = Float64Array.from({ length: d * classes }, () => rng.gaussian())
        const g = new Float64Array(w.length)
        addSampleGradient(loss, shard, 0, w, classes, 1, g)
        const fd = numericGradient(loss, shard, 0, w, classes)
        const scale = Math.max(1, ...Array.from(fd, Math.abs))
        for (let k = 0; k < w.length; k++) expect(Math.abs(g[k]! - fd[k]!) / scale).toBeLessThan(1e-6)
      }
    }
  })

  it('use Clarke midpoint h(0) = 1/2 for ReLU: at w = 0 the gradient is -(1/2) y x', () => {
    const g = new Float64Array(3)
    addSampleGradient('relu', shardOf([x], [3]), 0, new Float64Array(3), 1, 1, g)
    expect(Array.from(g)).toEqual(x.map((v) => -0.5 * 3 * v))
  })

  it('logistic stays finite at z = +-800', () => {
    for (const sign of [1, -1]) {
      const w = Float64Array.from([sign * 1600, 0, 0])
      for (const y of [0, 1]) {
        expect(Number.isFinite(sampleLoss('logistic', shardOf([x], [y]), 0, w, 1))).toBe(true)
        const g = new Float64Array(3)
        addSampleGradient('logistic', shardOf([x], [y]), 0, w, 1, 1, g)
        expect(g.every(Number.isFinite)).toBe(true)
      }
    }
  })

  it('local loss and gradient are the means over the shard', () => {
    const shard = shardOf(
      [
        [1, 2],
        [3, -1],
        [0.5, 0.5],
      ],
      [1, -2, 0],
    )
    const w = Float64Array.from([0.3, -0.7])
    const g = localGradient('squared', shard, w, 1, new Float64Array(2))
    const manual = [0, 0]
    let loss = 0
    for (let s = 0; s < 3; s++) {
      const xs = Array.from(shard.features.subarray(2 * s, 2 * s + 2))
      const r = xs[0]! * w[0]! + xs[1]! * w[1]! - shard.targets[s]!
      manual[0]! += (r * xs[0]!) / 3
      manual[1]! += (r * xs[1]!) / 3
      loss += (0.5 * r * r) / 3
    }
    expect(g[0]).toBeCloseTo(manual[0]!, 14)
    expect(g[1]).toBeCloseTo(manual[1]!, 14)
    expect(localLoss('squared', shard, w, 1)).toBeCloseTo(loss, 14)
  })
})
