/**
 * The solution a run is measured against (`error`, `max_error`, `rate_measured` of docs/algorithms.md "Metrics").
 *
 * For `squared` and `quartic` losses the swarm's fixed points on interpolating data are the interpolants, and from
 * w^0 = 0 every update stays in the row space of X, so the limit is the minimum-norm interpolant X^+ y
 * (docs/algorithms.md "1. `elastic`: graph elastic penalty"); it is computed centrally from all peers' samples. For `relu` with a noise-free planted
 * w*, w* itself. Otherwise no reference is known (null).
 */
import { minNormSolution } from '../linalg/min-norm.js'
import { stackedFeatures } from '../problems/index.js'
import type { Problem } from '../problems/types.js'

export interface Reference {
  readonly w: Float64Array
  readonly kind: 'min-norm-interpolant' | 'planted'
}

export function referenceSolution(problem: Problem, noiseFree: boolean): Reference | null {
  if (problem.loss === 'squared' || problem.loss === 'quartic') {
    const { X, y, rows } = stackedFeatures(problem)
    const solution = minNormSolution(X, y, rows, problem.dim)
    return solution.interpolating ? { w: solution.w, kind: 'min-norm-interpolant' } : null
  }
  if (problem.loss === 'relu' && noiseFree && problem.planted) return { w: problem.planted, kind: 'planted' }
  return null
}
