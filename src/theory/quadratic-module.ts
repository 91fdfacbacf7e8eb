/**
 * The theory's view of a problem (pure): built-in data as it is, and a problem module that declares itself
 * quadratic (`hessian(i)`) as squared-loss shards with the same Hessians, so that the elastic theory, whose rates
 * depend on the data only through each peer's Hessian (Mitra 2018), applies to it. A module without `hessian` has
 * no theory: null.
 */
import { minNormSolution } from '../linalg/min-norm.js'
import { symmetricEigen } from '../linalg/symmetric-eigen.js'
import { ProblemError } from '../problems/errors.js'
import { objectiveOf } from '../problems/objective.js'
import type { DataProblem, ModuleProblem, Problem, Shard } from '../problems/types.js'
import type { Reference } from './reference.js'

const cache = new WeakMap<ModuleProblem, DataProblem>()

export function theoryData(problem: Problem): DataProblem | null {
  if (problem.loss !== 'module') return problem
  if (!problem.hessian) return null
  let data = cache.get(problem)
  if (!data) {
    const d = problem.paramDim
    const shards = Array.from({ length: problem.peers }, (_, i) => hessianShard(problem, i))
    data = { loss: 'squared', dim: d, classes: 1, paramDim: d, shards, planted: null }
    cache.set(problem, data)
  }
  return data
}

/**
 * Rows x_k = sqrt(d lambda_k) v_k from H = sum_k lambda_k v_k v_k^T, so that (1/d) sum_k x_k x_k^T = H: the
 * squared loss's Hessian over d samples. Targets are zero; the theory's rates do not read them.
 */
function hessianShard(problem: ModuleProblem, i: number): Shard {
  const d = problem.paramDim
  const H = problem.hessian!(i)
  const scale = H.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1
  for (let a = 0; a < d; a++)
    for (let b = 0; b < a; b++)
      if (Math.abs(H[a * d + b]! - H[b * d + a]!) > 1e-12 * scale)
        throw notConvex(problem, i, `is not symmetric (entries ${a},${b} and ${b},${a} differ)`)
  const { values, vectors } = symmetricEigen(H, d)
  if (values[0]! < -1e-12 * scale) throw notConvex(problem, i, `has a negative eigenvalue, ${values[0]}`)
  const features = new Float64Array(d * d)
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(d * Math.max(values[k]!, 0))
    for (let c = 0; c < d; c++) features[k * d + c] = s * vectors[c * d + k]!
  }
  return { rows: d, dim: d, features, targets: new Float64Array(d), sourceRows: [...Array(d).keys()] }
}

function notConvex(problem: ModuleProblem, i: number, what: string): ProblemError {
  return new ProblemError('MODULE_INVALID', `problem module ${problem.path}: hessian(${i}) ${what}`)
}

/**
 * The minimiser of sum_i f_i for a module that declares itself quadratic: f_i(w) = 1/2 w^T H_i w - b_i^T w + c_i,
 * so grad f_i(0) = -b_i and the minimiser solves (sum_i H_i) w = sum_i b_i; null where that has no unique solution.
 */
export function quadraticReference(problem: ModuleProblem): Reference | null {
  if (!problem.hessian) return null
  const d = problem.paramDim
  const H = new Float64Array(d * d)
  const b = new Float64Array(d)
  const g = new Float64Array(d)
  const zero = new Float64Array(d)
  for (let i = 0; i < problem.peers; i++) {
    const Hi = problem.hessian(i)
    for (let k = 0; k < d * d; k++) H[k]! += Hi[k]!
    objectiveOf(problem, i).gradient(zero, g)
    for (let k = 0; k < d; k++) b[k]! -= g[k]!
  }
  const solution = minNormSolution(H, b, d, d)
  return solution.rank === d ? { w: solution.w, kind: 'least-squares' } : null
}
