/**
 * `meshgd sweep EXPERIMENT --grid path=v1,v2 ... [--repeat K] [--jobs N] [--out DIR] [--swarm]`: every cell of the
 * grid (each combination of the values, times K repeats) run through the simulator in worker threads (or, with
 * `--swarm`, as a real local swarm, one at a time), a row per finished cell in DIR/sweep.jsonl and DIR/sweep.csv,
 * and the plots (src/observe/sweep-report.ts). Each cell runs in DIR/cells/<key>/, and its row is written the moment
 * it finishes, so an interrupted sweep run again skips the cells it finished. Repeat r of a cell sets
 * `run.seed = S + r` (S: the experiment's run.seed): the same data, other random streams (sampling, init, QSGD);
 * to vary the data, sweep `problem.seed` as a grid field. Ctrl-C stops the running cells between rounds, keeps
 * the rows of the finished ones and exits 130; a second Ctrl-C exits at once.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXPERIMENT_FILE, portableExperiment } from '../../config/portable.js'
import type { ExperimentInput } from '../../config/schema.js'
import { topologySpecOf } from '../../exchange/resolve.js'
import { writeFileAtomic } from '../../observe/run-dir.js'
import { createSweepProgress } from '../../observe/sweep-progress.js'
import {
  appendSweepRow,
  readSweepRows,
  SUMMARY_METRICS,
  summaryColumns,
  writeSweepTables,
  type SummaryFigures,
  type SweepRow,
} from '../../observe/sweep-rows.js'
import type { SweepPlotRequest } from '../../observe/sweep-report.js'
import type { RunSummary } from '../../sim/run.js'
import { buildGraph } from '../../topology/index.js'
import { defaultOutDir, keyFileOf, loadForCommand, repeatableOption, setOption } from '../options.js'
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type Exit } from '../process.js'
import { claimRunDirectory } from '../run-claim.js'
import type { SimWorkerData } from '../sim-worker.js'

export interface SweepCommandOptions {
  grid: string[]
  set: string[]
  plot: string[]
  repeat: string
  jobs?: string
  out?: string
  swarm?: boolean
  force?: boolean
  quiet?: boolean
  theory: boolean
  /** false with --no-plots */
  plots: boolean
}

export interface GridAxis {
  path: string
  values: string[]
}

/** One run of the sweep: its overrides (grid values, then the repeat's seed) and the folder it runs in. */
export interface SweepCell {
  key: string
  overrides: Array<readonly [string, string]>
  repeat: number
  seed: number
}

/** The record of what DIR sweeps (sweep.json): a rerun with other settings is refused rather than mixed in. */
const SWEEP_RECORD = 'sweep.json'

/** `--grid path=v1,v2,...` each, in order; a path given twice, or no value, is refused. */
export function parseGrid(specs: readonly string[]): GridAxis[] {
  if (specs.length === 0) throw new ConfigError('--grid: give at least one, e.g. --grid algorithm.mu=0.1,0.2,0.3')
  const axes: GridAxis[] = []
  for (const spec of specs) {
    const m = /^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)=(.+)$/.exec(spec)
    const values = m ? m[2]!.split(',').map((v) => v.trim()) : []
    if (!m || values.some((v) => v === ''))
      throw new ConfigError(`--grid ${spec}: expected path=v1,v2,... (e.g. topology.kind=ring,torus)`)
    if (axes.some((a) => a.path === m[1])) throw new ConfigError(`--grid ${spec}: ${m[1]} is swept twice`)
    if (new Set(values).size !== values.length) throw new ConfigError(`--grid ${spec}: a value is given twice`)
    axes.push({ path: m[1]!, values })
  }
  return axes
}

/** `--plot field[:metric]` each (default: the first grid field against rate_measured). */
export function parsePlots(specs: readonly string[], axes: readonly GridAxis[]): SweepPlotRequest[] {
  const requests = specs.length > 0 ? specs : [axes[0]!.path]
  return requests.map((spec) => {
    const [field, metric = 'rate_measured', extra] = spec.split(':')
    if (extra !== undefined || !axes.some((a) => a.path === field))
      throw new ConfigError(
        `--plot ${spec}: expected FIELD[:METRIC] with FIELD one of the grid's (${axes.map((a) => a.path).join(', ')})`,
      )
    if (!(SUMMARY_METRICS as readonly string[]).includes(metric))
      throw new ConfigError(`--plot ${spec}: unknown metric ${metric}; one of ${SUMMARY_METRICS.join(', ')}`)
    return { field: field!, metric }
  })
}

/** A folder name for a cell: `topology.kind-ring_algorithm.mu-0.1_r0` (other characters become `_`). */
export function cellKey(overrides: ReadonlyArray<readonly [string, string]>, repeat: number): string {
  return [...overrides.map(([path, value]) => `${path}-${value}`), `r${repeat}`]
    .join('_')
    .replace(/[^A-Za-z0-9._-]/g, '_')
}

/** Every combination of the grid's values (the first field outermost), each `repeat` times with seed `seed + r`. */
export function expandCells(axes: readonly GridAxis[], repeat: number, seed: number): SweepCell[] {
  let combos: Array<Array<readonly [string, string]>> = [[]]
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => [...c, [axis.path, v] as const]))
  const cells = combos.flatMap((overrides) =>
    Array.from({ length: repeat }, (_, r) => ({ key: cellKey(overrides, r), overrides, repeat: r, seed: seed + r })),
  )
  const keys = new Set<string>()
  for (const c of cells) {
    if (keys.has(c.key))
      throw new ConfigError(
        `--grid: two cells share the folder name ${c.key}; use values that differ in letters or digits`,
      )
    keys.add(c.key)
  }
  return cells
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`${flag} ${text}: expected a positive integer`)
  return n
}

/** A field of the experiment by its dotted path (for the row: the value the cell ran, typed). */
function valueAt(experiment: unknown, path: string): SweepRow[string] {
  let v: unknown = experiment
  for (const part of path.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined
  return v === undefined ? null : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as SweepRow[string])
}

/** Errors of a cell's experiment that are the user's input (as main.ts treats them): refused before anything runs. */
const INPUT_ERRORS = new Set(['ConfigError', 'TopologyError', 'ProblemError', 'AlgorithmError'])

interface LoadedCell {
  cell: SweepCell
  experiment: ExperimentInput
  baseDir: string
  dir: string
}

/** Every cell's experiment, validated before anything runs: a bad value is refused naming its cell. */
function loadCells(file: string, sets: readonly string[], cells: readonly SweepCell[], out: string): LoadedCell[] {
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
      if (!(err instanceof Error && INPUT_ERRORS.has(err.name))) throw err
      // the cell's values reach the experiment as --set overrides; a bad one is the grid's
      const gridField = /^--set: ([a-z0-9_.]+):/.exec(err.message)
      const message =
        gridField && cell.overrides.some(([path]) => path === gridField[1])
          ? err.message.replace(/^--set/, '--grid')
          : err.message
      throw new ConfigError(`sweep cell ${cell.key}: ${message}`)
    }
  })
}

/** Claims DIR for this sweep: a sweep of other settings there is refused (or, with --force, removed). */
function claimSweepDirectory(out: string, record: unknown, force: boolean): void {
  const file = join(out, SWEEP_RECORD)
  const text = JSON.stringify(record, null, 2) + '\n'
  if (existsSync(file) && readFileSync(file, 'utf8') !== text) {
    if (!force)
      throw new ConfigError(
        `--out ${out}: holds a sweep of another experiment, grid, repeat count, runner or theory setting; pass --force to replace it, or choose another --out`,
      )
    for (const f of [SWEEP_RECORD, 'sweep.jsonl', 'sweep.csv', 'cells'])
      rmSync(join(out, f), { recursive: true, force: true })
  }
  mkdirSync(out, { recursive: true })
  writeFileAtomic(file, text)
}

type WorkerMessage =
  { kind: 'progress' } | { kind: 'done'; summary: RunSummary } | { kind: 'error'; name: string; message: string }

/** One cell through the simulator in a worker thread (../sim-worker.ts); `stop` is shared by every cell. */
function simulateCell(c: LoadedCell, stop: SharedArrayBuffer, theory: boolean): Promise<RunSummary> {
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
      else if (m.kind === 'error') reject(Object.assign(new Error(m.message), { name: m.name }))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the simulation stopped (worker exit ${code})`)))
  }).finally(() => void worker.terminate())
}

/** One cell as a real local swarm (what `meshgd swarm` runs); interrupted, its summary says so (or it throws a SwarmError). */
async function swarmCell(
  c: LoadedCell,
  signal: AbortSignal,
  keyFile: string | null,
): Promise<SummaryFigures & { interrupted: boolean }> {
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
async function runLanes<T>(
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
function rowOf(c: LoadedCell, axes: readonly GridAxis[], summary: SummaryFigures): SweepRow {
  const row: SweepRow = { cell: c.cell.key }
  for (const a of axes) row[a.path] = valueAt(c.experiment, a.path)
  row.repeat = c.cell.repeat
  row['run.seed'] = c.cell.seed
  return { ...row, ...summaryColumns(summary) }
}

const rateNote = (s: SummaryFigures): string =>
  `rate measured ${s.rate_measured?.toFixed(6) ?? 'n/a'} (predicted ${s.rate_predicted?.toFixed(6) ?? 'n/a'})`

interface SweepPlan {
  out: string
  axes: GridAxis[]
  plots: SweepPlotRequest[]
  repeat: number
  cells: LoadedCell[]
  jobs: number
}

function planSweep(file: string, opts: SweepCommandOptions): SweepPlan {
  const axes = parseGrid(opts.grid)
  const plots = parsePlots(opts.plot, axes)
  const repeat = positiveInt('--repeat', opts.repeat)
  if (repeat > 1 && axes.some((a) => a.path === 'run.seed'))
    throw new ConfigError('--repeat: the repeats set run.seed, which the grid sweeps too; give one or the other')
  const jobs = opts.swarm ? 1 : opts.jobs === undefined ? availableParallelism() : positiveInt('--jobs', opts.jobs)
  const base = loadForCommand(file, opts.set)
  const out = resolve(opts.out ?? defaultOutDir(`sweep-${base.experiment.swarm.id}`))
  const cells = loadCells(file, opts.set, expandCells(axes, repeat, base.experiment.run.seed), out)
  claimSweepDirectory(
    out,
    {
      experiment: portableExperiment(base.experiment, base.baseDir),
      grid: axes,
      repeat,
      runner: opts.swarm ? 'swarm' : 'sim',
      theory: opts.theory,
    },
    opts.force ?? false,
  )
  return { out, axes, plots, repeat, cells, jobs }
}

/** Stops the sweep on the first SIGINT/SIGTERM (running cells stop between rounds); a second exits at once. */
function sweepSignals(
  stop: SharedArrayBuffer,
  controller: AbortController,
): { stopped: () => boolean; release: () => void; stopAll: () => void } {
  let signals = 0
  const stopAll = (): void => {
    Atomics.store(new Int32Array(stop), 0, 1)
    controller.abort(new Error('interrupted'))
  }
  const onSignal = (): void => {
    signals++
    stopAll()
    if (signals === 1)
      console.error(
        'meshgd: stopping the running cells after this round; the finished cells keep their rows (run the same command again to go on)',
      )
    else process.exit(EXIT_INTERRUPTED)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stopped: () => signals > 0,
    stopAll,
    release: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

export async function commandSweep(file: string, opts: SweepCommandOptions): Promise<number> {
  const plan = planSweep(file, opts)
  const keys = new Set(plan.cells.map((c) => c.cell.key))
  const done = new Map(
    readSweepRows(plan.out)
      .filter((r) => keys.has(String(r.cell)))
      .map((r) => [String(r.cell), r]),
  )
  const todo = plan.cells.filter((c) => !done.has(c.cell.key))
  if (!opts.quiet)
    console.error(
      `sweep: ${plan.cells.length} cells; ${done.size} finished before, skipped; ${todo.length} to run (${opts.swarm ? 'as local swarms, one at a time' : `simulator, ${plan.jobs} at a time`})`,
    )
  const stop = new SharedArrayBuffer(4)
  const controller = new AbortController()
  const signals = sweepSignals(stop, controller)
  const progress = opts.quiet ? null : createSweepProgress(plan.cells.length, done.size)
  const keyFile = opts.swarm ? keyFileOf(undefined, loadForCommand(file, opts.set)) : null
  try {
    await runLanes(
      todo,
      plan.jobs,
      async (c) => {
        claimRunDirectory(c.dir, c.experiment, { force: true, flag: 'sweep cell' })
        const run = opts.swarm ? swarmCell(c, controller.signal, keyFile) : simulateCell(c, stop, opts.theory)
        const summary = await run.catch((err: Error) =>
          Promise.reject(Object.assign(new Error(`cell ${c.cell.key}: ${err.message}`), { name: err.name })),
        )
        if (summary.interrupted) return
        const row = rowOf(c, plan.axes, summary)
        appendSweepRow(plan.out, row)
        done.set(c.cell.key, row)
        progress?.finished(c.cell.key, rateNote(summary))
      },
      signals.stopped,
      signals.stopAll,
    )
  } catch (err) {
    if (!signals.stopped() || !(err instanceof Error && err.name === 'SwarmError')) return cellFailure(err, plan, done)
  } finally {
    progress?.stop()
    signals.release()
  }
  return finishSweep(plan, done, opts, signals.stopped())
}

/** A cell failed: the rows so far are kept and tabled; one line naming the failure, exit 1. */
function cellFailure(err: unknown, plan: SweepPlan, done: Map<string, SweepRow>): number {
  writeSweepTables(
    plan.out,
    plan.cells.filter((c) => done.has(c.cell.key)).map((c) => done.get(c.cell.key)!),
  )
  if (err instanceof ConfigError) throw err
  console.error(
    `meshgd: sweep: a cell failed: ${err instanceof Error ? err.message : String(err)}; the ${done.size} finished rows are kept in ${join(plan.out, 'sweep.jsonl')}`,
  )
  return EXIT_FAILED
}

/** The tables in grid order, the plots and the page (not after an interrupt), and what to print. */
async function finishSweep(
  plan: SweepPlan,
  done: Map<string, SweepRow>,
  opts: SweepCommandOptions,
  interrupted: boolean,
): Promise<number> {
  const rows = plan.cells.filter((c) => done.has(c.cell.key)).map((c) => done.get(c.cell.key)!)
  writeSweepTables(plan.out, rows)
  if (interrupted) {
    console.error(
      `meshgd: interrupted: ${rows.length} of ${plan.cells.length} cells finished, their rows are in ${join(plan.out, 'sweep.jsonl')}; run the same command again to run the rest`,
    )
    return EXIT_INTERRUPTED
  }
  console.log(
    `sweep             ${plan.out}: ${rows.length} runs (${plan.axes.map((a) => `${a.path} x ${a.values.length}`).join(', ')}, ${plan.repeat} repeat${plan.repeat > 1 ? 's' : ''})`,
  )
  console.log(`rows              ${join(plan.out, 'sweep.jsonl')}, ${join(plan.out, 'sweep.csv')}`)
  if (opts.plots) {
    const { writeSweepReport } = await import('../../observe/sweep-report.js')
    const lead = [
      `${describeExperiment(plan)}; ${opts.swarm ? 'each cell a local swarm' : 'each cell through the simulator'}`,
      plan.out,
    ]
    const files = await writeSweepReport({
      dir: plan.out,
      grid: plan.axes,
      repeat: plan.repeat,
      rows,
      plots: plan.plots,
      lead,
    })
    console.log(`report page       ${join(plan.out, 'sweep.html')}`)
    console.log(`charts            ${files.written.filter((f) => f.endsWith('.svg')).join(', ')} (each with a .png)`)
    for (const note of files.notes) console.log(`                  ${note}`)
  }
  return EXIT_OK
}

/** One line on what every cell runs (the first cell's experiment: the grid changes some of it). */
function describeExperiment(plan: SweepPlan): string {
  const e = plan.cells[0]!.experiment
  return `${e.swarm.id}: ${e.swarm.peers} peers, ${e.topology.kind}, ${e.algorithm.kind}, d = ${'dim' in e.problem ? e.problem.dim : 'from data'}`
}

/** Adds `meshgd sweep` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerSweepCommand(program: Command, exit: Exit): void {
  program
    .command('sweep')
    .description(
      'run a grid of experiments (simulator in worker threads, or --swarm), one row each in sweep.jsonl/sweep.csv, with plots; rerun to resume',
    )
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .addOption(repeatableOption('--grid <path=v1,v2>', 'sweep a field by its dotted path over the values', 'required'))
    .option(
      '--repeat <k>',
      'run every cell k times, with run.seed = seed, seed+1, ... (the same data, other random streams)',
      '1',
    )
    .option('--jobs <n>', 'cells run at once in the simulator (default: the number of cores)')
    .option(
      '--out <dir>',
      'sweep directory (default runs/sweep-<swarm id>-<time>); run again with the same one to resume',
    )
    .option('--swarm', 'run each cell as a real local swarm, one at a time')
    .addOption(
      repeatableOption(
        '--plot <field[:metric]>',
        'a chart of METRIC (default rate_measured) against the swept FIELD',
        'the first grid field',
      ),
    )
    .addOption(setOption())
    .option('--no-theory', 'do not compute the predicted rates')
    .option('--no-plots', 'only the rows: no charts and no sweep.html')
    .option('--quiet', 'no progress output')
    .option('--force', 'replace a sweep of other settings in --out')
    .action(async (experimentFile: string, opts: SweepCommandOptions) => {
      throw exit(await commandSweep(experimentFile, opts))
    })
}
