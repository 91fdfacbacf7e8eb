/** Problems: losses, planted data, CSV data (pure; CSV text is read by the caller through `readText`). */
import { parseCsvProblem } from './csv.js'
import { ProblemError } from './errors.js'
import { plantedProblem } from './planted.js'
import type { Problem, ProblemSpec } from './types.js'

export type { LossKind, Problem, ProblemSpec, Shard } from './types.js'
export { ProblemError } from './errors.js'
export { addSampleGradient, localGradient, localLoss, sampleLoss } from './losses.js'
export { plantedProblem, plantedShard, plantedWeights } from './planted.js'
export { parseCsvProblem, shardRows } from './csv.js'

export function buildProblem(spec: ProblemSpec, peers: number, readText?: (path: string) => string): Problem {
  if (spec.kind === 'planted') return plantedProblem(spec, peers)
  if (!readText) throw new ProblemError('INVALID', 'a CSV problem needs its file read by the caller', 'problem.path')
  return parseCsvProblem(readText(spec.path), spec.path, spec, peers)
}

/** All peers' samples stacked: rows in peer order, then row order. */
export function stackedFeatures(problem: Problem): { X: Float64Array; y: Float64Array; rows: number } {
  const rows = problem.shards.reduce((s, sh) => s + sh.rows, 0)
  const X = new Float64Array(rows * problem.dim)
  const y = new Float64Array(rows)
  let r = 0
  for (const sh of problem.shards) {
    X.set(sh.features, r * problem.dim)
    y.set(sh.targets, r)
    r += sh.rows
  }
  return { X, y, rows }
}
