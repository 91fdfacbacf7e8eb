/**
 * Problems: losses, planted data, CSV data and problem modules (pure; the caller reads a CSV file's text through
 * `readText` and imports a module through `importModule`).
 */
import { parseCsvProblem } from './csv.js'
import { ProblemError } from './errors.js'
import { moduleProblem } from './module.js'
import { plantedProblem } from './planted.js'
import type { DataProblem, Problem, ProblemSpec } from './types.js'

export type { DataProblem, LossKind, ModuleProblem, Objective, Problem, ProblemSpec, Shard } from './types.js'
export type { CreateProblem, ProblemContext, ProblemInstance, ProblemRng } from './module-types.js'
export { ProblemError } from './errors.js'
export { objectiveOf, peersOf } from './objective.js'
export { addSampleGradient, localGradient, localLoss, sampleLoss } from './losses.js'
export { plantedProblem, plantedShard, plantedWeights } from './planted.js'
export { parseCsvProblem, shardRows } from './csv.js'

/** What building a problem needs from outside the pure layer. */
export interface ProblemSources {
  readonly readText?: (path: string) => string
  /** A module's namespace object, imported from its absolute path. */
  readonly importModule?: (path: string) => unknown
  /** `run.seed`, and the one peer this process computes for (null: all of them), for a module. */
  readonly seed?: number
  readonly peer?: number | null
}

export function buildProblem(spec: ProblemSpec, peers: number, sources: ProblemSources = {}): Problem {
  if (spec.kind === 'planted') return plantedProblem(spec, peers)
  if (spec.kind === 'module') {
    if (!sources.importModule)
      throw new ProblemError('INVALID', 'a module needs importing by the caller', 'problem.path')
    const dir = spec.path.slice(0, Math.max(spec.path.lastIndexOf('/'), 0)) || '/'
    const context = { peers, seed: sources.seed ?? 1, peer: sources.peer ?? null, dir }
    return moduleProblem({ path: spec.path, namespace: sources.importModule(spec.path) }, spec.options, context)
  }
  if (!sources.readText)
    throw new ProblemError('INVALID', 'a CSV problem needs its file read by the caller', 'problem.path')
  return parseCsvProblem(sources.readText(spec.path), spec.path, spec, peers)
}

/** All peers' samples stacked: rows in peer order, then row order. */
export function stackedFeatures(problem: DataProblem): { X: Float64Array; y: Float64Array; rows: number } {
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

/** The problem as built-in data, for code that reads shards (experiments, tests); a problem module is refused. */
export function dataProblem(problem: Problem): DataProblem {
  if (problem.loss === 'module') throw new RangeError(`built-in data expected, not the problem module ${problem.path}`)
  return problem
}
