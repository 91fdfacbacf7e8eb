/**
 * `meshgd sweep EXPERIMENT --grid path=v1,v2 ... [--repeat K] [--jobs N] [--out DIR] [--swarm]`: every cell of the
 * grid (each combination of the values, times K repeats) run through the simulator in worker threads (or, with
 * `--swarm`, as a real local swarm, one at a time), a row per finished cell in DIR/sweep.jsonl and DIR/sweep.csv,
 * and the plots (src/report/sweep-report.ts). Each cell runs in DIR/cells/<key>/, and its row is written the moment
 * it finishes, so an interrupted sweep run again skips the cells it finished. Repeat r of a cell sets
 * `run.seed = S + r` (S: the experiment's run.seed): the same data, other random streams (sampling, init, QSGD);
 * to vary the data, sweep `problem.seed` as a grid field. Ctrl-C stops the running cells between rounds, keeps
 * the rows of the finished ones and exits 130; a second Ctrl-C exits at once.
 */
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { isInputError, MeshgdError, prefixed } from '../../util/errors.js'
import { portableExperiment } from '../../config/portable.js'
import { createSweepProgress } from '../../report/sweep-progress.js'
import type { Summary } from '../../report/summary.js'
import { appendSweepRow, readSweepRows, writeSweepTables, type SweepRow } from '../../report/sweep-rows.js'
import type { SweepPlotRequest } from '../../report/sweep-report.js'
import { defaultOutDir, keyFileOf, loadForCommand, repeatableOption, setOption } from '../options.js'
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, type Exit } from '../process.js'
import { claimRunDirectory } from '../run-claim.js'
import {
  claimSweepDirectory,
  loadCells,
  rowOf,
  runLanes,
  simulateCell,
  swarmCell,
  type LoadedCell,
} from '../sweep/cells.js'
import { expandCells, parseGrid, parsePlots, positiveInt, type GridAxis } from '../sweep/grid.js'

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

const rateNote = (s: Summary): string =>
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
    throw new ConfigError(
      'CONFIG_INVALID',
      '--repeat: the repeats set run.seed, which the grid sweeps too; give one or the other',
    )
  const jobs = opts.swarm ? 1 : opts.jobs === undefined ? availableParallelism() : positiveInt('--jobs', opts.jobs)
  const base = loadForCommand(file, opts.set)
  const out = resolve(opts.out ?? defaultOutDir(`sweep-${base.experiment.swarm.id}`))
  // every asked cell is checked before anything is written; then the sweep in DIR, grown by what is new, is planned
  loadCells(file, opts.set, expandCells(axes, repeat, base.experiment.run.seed), out)
  const asked = {
    experiment: portableExperiment(base.experiment, base.baseDir),
    grid: axes,
    repeat,
    runner: opts.swarm ? ('swarm' as const) : ('sim' as const),
    theory: opts.theory,
  }
  const claimed = claimSweepDirectory(out, asked, opts.force ?? false)
  const cells = loadCells(file, opts.set, expandCells(claimed.grid, claimed.repeat, base.experiment.run.seed), out)
  return { out, axes: [...claimed.grid], plots, repeat: claimed.repeat, cells, jobs }
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
        const summary = await run.catch((err: unknown) => Promise.reject(prefixed(err, `cell ${c.cell.key}`)))
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
    // after Ctrl-C, a cell's swarm that stopped short is the stop's doing, not a failure
    if (!signals.stopped() || !(err instanceof MeshgdError)) return cellFailure(err, plan, done)
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
  if (isInputError(err)) throw err
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
    const { writeSweepReport } = await import('../../report/sweep-report.js')
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
