/**
 * Resolving an experiment in a Node process (experiment.ts does the work): relative paths taken from the
 * experiment file's folder, data files read from disk, and problem modules imported with Node's `require`.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, resolve } from 'node:path'
import { ConfigError } from '../config/errors.js'
import type { ExperimentInput } from '../config/schema.js'
import type { ProblemSpec } from '../problems/types.js'
import { resolveWith, type ResolvedExperiment } from './experiment.js'

export { autoEta, nearSquare, topologySpecOf, type ResolvedExperiment } from './experiment.js'

export function problemSpecOf(experiment: ExperimentInput, baseDir: string): ProblemSpec {
  const p = experiment.problem
  if (p.kind === 'csv' || p.kind === 'module')
    return { ...p, path: isAbsolute(p.path) ? p.path : resolve(baseDir, p.path) }
  return p
}

function readData(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new ConfigError('CONFIG_READ', `${path}: cannot read data file (problem.path): ${reason}`)
  }
}

/**
 * A problem module, imported synchronously (Node's `require` of an ES module: one without top-level await), so that
 * resolving an experiment stays one synchronous step everywhere it happens. Imported once per process.
 */
function importModule(path: string): unknown {
  try {
    return createRequire(import.meta.url)(path)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const reason =
      e.code === 'MODULE_NOT_FOUND' && e.message.includes(path)
        ? 'no such file'
        : e.code === 'ERR_REQUIRE_ASYNC_MODULE'
          ? 'it uses top-level await, which a problem module may not (load data inside createProblem)'
          : (e.message.split('\n')[0] ?? String(err))
    throw new ConfigError('CONFIG_READ', `problem module ${path}: cannot load: ${reason}`, 'problem.path')
  }
}

/** Build the graph and the problem and fix every value (experiment.ts), reading files from `baseDir`. */
export function resolveExperiment(
  input: ExperimentInput,
  baseDir: string,
  peer: number | null = null,
): ResolvedExperiment {
  return resolveWith(input, problemSpecOf(input, baseDir), { readText: readData, importModule }, peer)
}
