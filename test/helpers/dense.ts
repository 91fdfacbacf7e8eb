/**
 * Dense reference computations the algorithm and experiment tests compare against, written from docs/algorithms.md
 * without the project's kernels: the squared-loss gradient of a shard, a tolerance check over every peer's vector,
 * and the minimiser of sum_i l_i from the normal equations.
 */
import { Matrix, solve } from 'ml-matrix'
import { expect } from 'vitest'
import { dataProblem } from '../../src/problems/index.js'
import type { Problem } from '../../src/problems/types.js'

export type Vec = number[]

/** grad l_i(w) = (1/m_i) sum_s (x_s . w - y_s) x_s */
export function squaredGradient(problem: Problem, i: number, w: Vec): Vec {
  const s = dataProblem(problem).shards[i]!
  const g = new Array<number>(s.dim).fill(0)
  for (let r = 0; r < s.rows; r++) {
    let z = 0
    for (let k = 0; k < s.dim; k++) z += s.features[r * s.dim + k]! * w[k]!
    for (let k = 0; k < s.dim; k++) g[k]! += ((z - s.targets[r]!) * s.features[r * s.dim + k]!) / s.rows
  }
  return g
}

/** Every entry of `a` within `tol` (relative to the largest entry of `b`, at least 1) of `b`, and `b` not trivial. */
export function expectClose(a: Vec[], b: Vec[], tol = 1e-12): void {
  let worst = 0
  let scale = 0
  a.forEach((row, i) =>
    row.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - b[i]![k]!))
      scale = Math.max(scale, Math.abs(b[i]![k]!))
    }),
  )
  expect(scale).toBeGreaterThan(1e-3)
  expect(worst).toBeLessThan(tol * Math.max(1, scale))
}

/** argmin_w sum_i l_i(w) for squared loss: sum_i (1/m_i) X_i^T X_i w = sum_i (1/m_i) X_i^T y_i. */
export function leastSquaresMinimiser(problem: Problem): Vec {
  const data = dataProblem(problem)
  const d = data.dim
  const A = Matrix.zeros(d, d)
  const b = Matrix.zeros(d, 1)
  for (const s of data.shards) {
    for (let r = 0; r < s.rows; r++) {
      for (let a = 0; a < d; a++) {
        const xa = s.features[r * d + a]! / s.rows
        b.set(a, 0, b.get(a, 0) + xa * s.targets[r]!)
        for (let c = 0; c < d; c++) A.set(a, c, A.get(a, c) + xa * s.features[r * d + c]!)
      }
    }
  }
  return solve(A, b).getColumn(0)
}
