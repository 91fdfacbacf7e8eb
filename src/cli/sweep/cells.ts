/**
 * The cells of `meshgd sweep`: each cell's experiment loaded and validated before anything runs, the sweep's claim
 * on its folder, one cell run in a simulator worker thread or as a local swarm, cells run on N lanes, and a finished
 * cell's row.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { ConfigError } from '../../config/errors.js'
import { isInputError, reviveError, type SerializedError } from '../../util/errors.js'
import { EXPERIMENT_FILE, portableExperiment, runDifference } from '../../config/portable.js'
import type { ExperimentInput } from '../../config/schema.js'
import { topologySpecOf } from '../../exchange/resolve.js'
import { writeFileAtomic } from '../../observe/run-dir.js'
import type { Summary } from '../../report/summary.js'
import { summaryColumns, type SweepRow } from '../../report/sweep-rows.js'
import type { RunSummary } from '../../sim/run.js'
import type { SwarmSummary } from '../../swarm/gather.js'
import { buildGraph, degreeStats, graphDiameter, spectralFacts } from '../../topology/index.js'
import { loadForCommand } from '../options.js'
import type { SimWorkerData } from '../sim-worker.js'
import type { GridAxis, SweepCell } from './grid.js'

/** The record of what DIR sweeps (sweep.json): a rerun with other settings is refused rather than mixed in. */
const SWEEP_RECORD = 'sweep.json'

/** A field of the experiment by its dotted path (for the row: the value the cell ran, typed). */
function valueAt(experiment: unknown, path: string): SweepRow[string] {
  let v: unknown = experiment
  for (const part of path.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined
  return v === undefined ? null : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as SweepRow[string])
}

/** Errors of a cell's experiment that are the user's input (as main.ts treats them): refused before anything runs. */
export interface LoadedCell {
  cell: SweepCell
  experiment: ExperimentInput
  baseDir: string
  dir: string
}

/** Every cell's experiment, validated before anything runs: a bad value is refused naming its cell. */
export function loadCells(
  file: string,
  sets: readonly string[],
  cells: readonly SweepCell[],
  out: string,
): LoadedCell[] {
  return cells.map((cell) => {
    const cellSets = [...sets, ...cell.overrides.map(([p, v]) => `${p}=${v}`), `run.seed=${cell.seed}`]
    try {
      const loaded = loadForCommand(file, cellSets)
      buildGraph(topologySpecOf(loaded.experiment), loaded.experiment.swarm.peers)
      return {
        cell,
        experiment: portableExperiment(loaded.experiment, loaded.baseDir),
        baseDir: loaded.baseDir,
        dir: join(out, 'cells', cell.key),
      }
    } catch (err) {
      if (!isInputError(err)) throw err
      // the cell's values reach the experiment as --set overrides; a bad one is the grid's
      const gridField = /^--set: ([a-z0-9_.]+):/.exec(err.message)
      const message =
        gridField && cell.overrides.some(([path]) => path === gridField[1])
          ? err.message.replace(/^--set/, '--grid')
          : err.message
      throw new ConfigError('CONFIG_INVALID', `sweep cell ${cell.key}: ${message}`)
    }
  })
}

/** What a sweep directory records of its sweep (sweep.json). */
export interface SweepRecord {
  experiment: unknown
  grid: readonly GridAxis[]
  repeat: number
  runner: 'sim' | 'swarm'
  theory: boolean
}

/**
 * Why a sweep recorded in DIR cannot go on as `asked`, naming the first thing that differs, or null. A sweep may
 * grow: more values of its swept fields, or more repeats, run only the new cells (the finished ones keep their rows);
 * another experiment, other swept fields, another runner or theory setting is another sweep.
 */
export function sweepDifference(recorded: SweepRecord, asked: SweepRecord): string | null {
  const experiment = runDifference(recorded.experiment, asked.experiment as ExperimentInput)
  if (experiment !== null) return `the experiment differs (${experiment})`
  const paths = (r: SweepRecord): string => r.grid.map((a) => a.path).join(', ')
  if (paths(recorded) !== paths(asked))
    return `it sweeps ${paths(recorded)}, this --grid ${paths(asked)} (add values to the same fields to extend it)`
  if (recorded.runner !== asked.runner)
    return `it ran cells ${recorded.runner === 'swarm' ? 'as swarms (--swarm)' : 'in the simulator'}, this asks ${asked.runner === 'swarm' ? '--swarm' : 'the simulator'}`
  if (recorded.theory !== asked.theory)
    return `its theory setting was ${recorded.theory ? 'on' : '--no-theory'}, this asks ${asked.theory ? 'for it' : '--no-theory'}`
  return null
}

/**
 * Claims DIR for this sweep. The same sweep, or one grown by values or repeats, goes on there (the record becomes
 * the union, so what ran before stays part of it); another is refused naming what differs (with --force, removed).
 * Returns the sweep to run: the record written.
 */
export function claimSweepDirectory(out: string, record: SweepRecord, force: boolean): SweepRecord {
  const file = join(out, SWEEP_RECORD)
  let claimed = record
  if (existsSync(file)) {
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as SweepRecord
    const difference = sweepDifference(recorded, record)
    if (difference !== null && !force)
      throw new ConfigError(
        'CONFIG_INVALID',
        `--out ${out}: holds another sweep: ${difference}; pass --force to replace it, or choose another --out`,
      )
    if (difference !== null)
      for (const f of [SWEEP_RECORD, 'sweep.jsonl', 'sweep.csv', 'cells'])
        rmSync(join(out, f), { recursive: true, force: true })
    else claimed = grownSweep(recorded, record)
  }
  mkdirSync(out, { recursive: true })
  writeFileAtomic(file, JSON.stringify(claimed, null, 2) + '\n')
  return claimed
}

/** The recorded sweep with the asked one's new values (after its own, in the asked order) and the larger repeat count. */
function grownSweep(recorded: SweepRecord, asked: SweepRecord): SweepRecord {
  const grid = recorded.grid.map((axis, k) => ({
    ...axis,
    values: [...axis.values, ...asked.grid[k]!.values.filter((v) => !axis.values.includes(v))],
  }))
  return { ...asked, grid, repeat: Math.max(recorded.repeat, asked.repeat) }
}

type WorkerMessage =
  { kind: 'progress' } | { kind: 'done'; summary: RunSummary } | { kind: 'error'; error: SerializedError }

/** One cell through the simulator in a worker thread (../sim-worker.ts); `stop` is shared by every cell. */
export function simulateCell(c: LoadedCell, stop: SharedArrayBuffer, theory: boolean): Promise<RunSummary> {
  const data: SimWorkerData = {
    experiment: c.experiment,
    out: c.dir,
    baseDir: c.baseDir,
    theory,
    progress: false,
    stop,
  }
  const worker = new Worker(new URL('../sim-worker.js', import.meta.url), { workerData: data })
  return new Promise<RunSummary>((resolveRun, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'done') resolveRun(m.summary)
      else if (m.kind === 'error') reject(reviveError(m.error))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the simulation stopped (worker exit ${code})`)))
  }).finally(() => void worker.terminate())
}

/** One cell as a real local swarm (what `meshgd swarm` runs); interrupted, its summary says so (or it throws a SwarmError). */
export async function swarmCell(c: LoadedCell, signal: AbortSignal, keyFile: string | null): Promise<SwarmSummary> {
  const { runSwarm } = await import('../../swarm/local.js')
  return runSwarm({
    file: join(c.dir, EXPERIMENT_FILE),
    experiment: c.experiment,
    baseDir: c.baseDir,
    out: c.dir,
    signal,
    quiet: true,
    ...(keyFile ? { swarmKeyFile: keyFile } : {}),
  })
}

/** Runs `todo` on `jobs` lanes until done or `stopped()`; the first failure stops the rest and is rethrown. */
export async function runLanes<T>(
  todo: readonly T[],
  jobs: number,
  runOne: (item: T) => Promise<void>,
  stopped: () => boolean,
  stopAll: () => void,
): Promise<void> {
  let next = 0
  let failure: unknown = null
  const lane = async (): Promise<void> => {
    while (next < todo.length && !stopped() && failure === null) {
      const item = todo[next++]!
      try {
        await runOne(item)
      } catch (err) {
        failure ??= err
        stopAll()
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, lane))
  if (failure !== null) throw failure instanceof Error ? failure : new Error(String(failure))
}

/** The row of a finished cell: its key, the grid values as the cell ran them, the repeat and seed, the figures. */
export function rowOf(c: LoadedCell, axes: readonly GridAxis[], summary: Summary): SweepRow {
  const row: SweepRow = { cell: c.cell.key }
  for (const a of axes) row[a.path] = valueAt(c.experiment, a.path)
  row.repeat = c.cell.repeat
  row['run.seed'] = c.cell.seed
  return { ...row, ...summaryColumns(summary), ...graphColumns(c.experiment) }
}

const graphFacts = new Map<string, SweepRow>()

/**
 * What the cell's graph is, for comparing topologies: its Laplacian's algebraic connectivity (lambda_2) and largest
 * eigenvalue, mean degree and diameter (one eigen-solve per distinct graph of the sweep).
 */
function graphColumns(experiment: ExperimentInput): SweepRow {
  const spec = topologySpecOf(experiment)
  const key = JSON.stringify([spec, experiment.swarm.peers])
  let facts = graphFacts.get(key)
  if (!facts) {
    const graph = buildGraph(spec, experiment.swarm.peers)
    const { algebraicConnectivity, lambdaMax } = spectralFacts(graph)
    facts = {
      lambda_2: algebraicConnectivity,
      lambda_max: lambdaMax,
      degree: degreeStats(graph).mean,
      diameter: graphDiameter(graph),
    }
    graphFacts.set(key, facts)
  }
  return facts
}
