/**
 * The solution a run is measured against (`error`, `max_error`, `rate_measured` of docs/algorithms.md "Metrics").
 *
 * For `squared` and `quartic` losses the swarm's fixed points on interpolating data are the interpolants, and from
 * w^0 = 0 every update stays in the row space of X, so the limit is the minimum-norm interpolant X^+ y
 * (docs/algorithms.md "1. `elastic`: graph elastic penalty"); it is computed centrally from all peers' samples. For `relu` with a noise-free planted
 * w*, w* itself. For `squared` loss on data no w interpolates, the unique minimiser of the swarm's loss
 * sum_i l_i(w) (each l_i the mean over peer i's samples) when X has full column rank: what the methods that
 * converge exactly (gradient-tracking, push-diging) reach, and what dsgd misses by its bias (docs/algorithms.md
 * "7. `gradient-tracking`"). Otherwise no reference is known (null).
 */
import { minNormSolution } from '../linalg/min-norm.js'
import { stackedFeatures } from '../problems/index.js'
import type { DataProblem } from '../problems/types.js'

export interface Reference {
  readonly w: Float64Array
  readonly kind: 'min-norm-interpolant' | 'planted' | 'least-squares'
}

export function referenceSolution(problem: DataProblem, noiseFree: boolean): Reference | null {
  if (problem.loss === 'squared' || problem.loss === 'quartic') {
    const { X, y, rows } = stackedFeatures(problem)
    const solution = minNormSolution(X, y, rows, problem.dim)
    if (solution.interpolating) return { w: solution.w, kind: 'min-norm-interpolant' }
    return problem.loss === 'squared' ? leastSquares(problem) : null
  }
  if (problem.loss === 'relu' && noiseFree && problem.planted) return { w: problem.planted, kind: 'planted' }
  return null
}

/** argmin_w sum_i (1/m_i) sum_s 1/2 (x_s w - y_s)^2: rows of peer i scaled by 1/sqrt(m_i); null when not unique. */
function leastSquares(problem: DataProblem): Reference | null {
  const { X, y, rows } = stackedFeatures(problem)
  const d = problem.dim
  let r = 0
  for (const shard of problem.shards) {
    const scale = 1 / Math.sqrt(shard.rows)
    for (let s = 0; s < shard.rows; s++, r++) {
      y[r] = y[r]! * scale
      for (let k = 0; k < d; k++) X[r * d + k] = X[r * d + k]! * scale
    }
  }
  const solution = minNormSolution(X, y, rows, d)
  return solution.rank === d ? { w: solution.w, kind: 'least-squares' } : null
}
