/**
 * The resolved experiment as a file (docs/design.md "The run directory"): `experiment.json`, the experiment file plus
 * every `--set` with every default filled in. It is written first into each run directory, every process a
 * launcher starts reads it instead of the user's file and flags, and `meshgd report` judges a run against it.
 * Pure: no I/O.
 */
import { isAbsolute, resolve } from 'node:path'
import type { ExperimentInput } from './schema.js'

export const EXPERIMENT_FILE = 'experiment.json'

/**
 * The experiment with its paths (CSV data, problem module, swarm key) made absolute against `baseDir`, so that it
 * means the same from any folder; `paths` maps each absolute path to the one the reading process sees (a
 * container's mount: `data` for a CSV file or a problem module).
 */
export function portableExperiment(
  experiment: ExperimentInput,
  baseDir: string,
  paths: { data?: (abs: string) => string; keyFile?: (abs: string) => string | null } = {},
): ExperimentInput {
  const absolute = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p))
  const keyFile =
    experiment.swarm.key_file === null
      ? null
      : (paths.keyFile ?? ((p: string) => p))(absolute(experiment.swarm.key_file))
  const problem =
    experiment.problem.kind === 'csv' || experiment.problem.kind === 'module'
      ? { ...experiment.problem, path: (paths.data ?? ((p: string) => p))(absolute(experiment.problem.path)) }
      : experiment.problem
  return { ...experiment, swarm: { ...experiment.swarm, key_file: keyFile }, problem }
}

/** The text of experiment.json: stable (sorted keys), so equal experiments give equal files. */
export function experimentText(experiment: ExperimentInput): string {
  return `${JSON.stringify(sortKeys(experiment), null, 2)}\n`
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  )
}

/**
 * Where two records of one experiment may differ: the paths of its data and key files, which depend on the machine
 * and the mount (a container's /experiment/data, a VM's folder), not on the run. `sameRun` compares without them.
 */
function pathless(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
  const x = structuredClone(value) as { swarm?: { key_file?: unknown }; problem?: { path?: unknown } }
  if (x.swarm && typeof x.swarm === 'object') delete x.swarm.key_file
  if (x.problem && typeof x.problem === 'object') delete x.problem.path
  return x
}

/** The first difference that matters between a recorded experiment and the one asked for, or null (firstDifference). */
export function runDifference(recorded: unknown, asked: ExperimentInput): string | null {
  return firstDifference(pathless(recorded), pathless(JSON.parse(experimentText(asked))))
}

/**
 * The first field where two experiments differ, as `path: A there, B here`, or null when they are the same
 * (`there` is the recorded one, `here` the one asked for).
 */
export function firstDifference(there: unknown, here: unknown, path = ''): string | null {
  if (Object.is(there, here)) return null
  const bothObjects = there !== null && here !== null && typeof there === 'object' && typeof here === 'object'
  if (bothObjects && Array.isArray(there) === Array.isArray(here)) {
    const a = there as Record<string, unknown>
    const b = here as Record<string, unknown>
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], path ? `${path}.${k}` : k)
      if (d !== null) return d
    }
    return null
  }
  return `${path || '(the whole experiment)'}: ${show(there)} there, ${show(here)} here`
}

function show(v: unknown): string {
  if (v === undefined) return 'absent'
  const text = JSON.stringify(v)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
