/**
 * `meshgd report DIR` (the run's own experiment.json) or `meshgd report EXPERIMENT DIR` (checked against it): the
 * summary of a finished run, and its plots. A folder of peers' outputs gathered from elsewhere (peers/<i>/ with
 * info.json, params/) is summarised afresh; a simulator's run directory already holds its summary, which is read
 * back. Then the charts (SVG and PNG) and report.html are written into DIR (src/report/run-report.ts), unless
 * `--no-plots`. A run of another experiment is refused and its summary left alone.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXPERIMENT_FILE, experimentText, portableExperiment, runDifference } from '../../config/portable.js'
import type { ExperimentInput } from '../../config/schema.js'
import { topologySpecOf } from '../../exchange/resolve.js'
import type { Summary } from '../../report/summary.js'
import type { RunSummary } from '../../sim/run.js'
import { buildGraph } from '../../topology/index.js'
import { loadForCommand, setOption } from '../options.js'
import { printSummary, simExitCode, targetExitCode } from '../output.js'
import { EXIT_FAILED, type Exit } from '../process.js'
import { recordedExperiment } from '../run-claim.js'

export interface ReportCommandOptions {
  set: string[]
  /** false with --no-plots */
  plots?: boolean
}

export async function commandReport(
  first: string,
  second: string | undefined,
  opts: ReportCommandOptions,
): Promise<number> {
  const dir = resolve(second ?? first)
  const recordFile = join(dir, EXPERIMENT_FILE)
  if (second === undefined && !existsSync(recordFile)) {
    const why =
      existsSync(dir) && statSync(dir).isDirectory() ? `${dir}: no ${EXPERIMENT_FILE}` : `${first}: not a run directory`
    throw new ConfigError('CONFIG_INVALID', `${why}; name the experiment the peers ran: meshgd report EXPERIMENT DIR`)
  }
  const loaded = loadForCommand(second === undefined ? recordFile : first, opts.set)
  const experiment = portableExperiment(loaded.experiment, loaded.baseDir)
  const recorded = recordedExperiment(dir)
  const difference = recorded === null ? null : runDifference(recorded, experiment)
  if (difference !== null)
    throw new ConfigError(
      'CONFIG_INVALID',
      `${dir}: holds a run of another experiment (${difference}); its summary is left as it was`,
    )
  const simulated = simulatorSummary(dir, experiment)
  if (simulated !== null) {
    printSummary(simulated, dir)
    if (opts.plots !== false) await writePlots(dir, simulated, experiment)
    return simReportExit(simulated, experiment)
  }
  const { report } = await import('../../swarm/local.js')
  const summary = report(dir, experiment, loaded.baseDir)
  if (recorded === null) writeFileSync(recordFile, experimentText(experiment))
  printSummary(summary, dir)
  if (opts.plots !== false) await writePlots(dir, summary, experiment)
  // a swarm that run.target stopped early is finished (target_round says so); one stopped short otherwise is not
  if (summary.interrupted || (summary.rounds < experiment.run.rounds && summary.target_round === null))
    return notFinished(summary.rounds, experiment, summary.interrupted)
  return targetExitCode(summary)
}

/**
 * The summary a simulator wrote into DIR, or null: its mode is `sim`, no peer left an info.json, and the run is
 * whole (every params/<i>.f64 it promised). A damaged one goes the way of gathered folders, which names what is missing.
 */
function simulatorSummary(dir: string, experiment: ExperimentInput): RunSummary | null {
  const file = join(dir, 'summary.json')
  if (!existsSync(file) || existsSync(join(dir, 'peers', '0', 'info.json'))) return null
  const peers = Array.from({ length: experiment.swarm.peers }, (_, i) => i)
  if (experiment.output.params && !peers.every((i) => existsSync(join(dir, 'params', `${i}.f64`)))) return null
  let summary: unknown
  try {
    summary = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new ConfigError('CONFIG_INVALID', `${file}: not a readable summary (${(err as Error).message})`)
  }
  return summary !== null && typeof summary === 'object' && (summary as { mode?: unknown }).mode === 'sim'
    ? (summary as RunSummary)
    : null
}

/** A simulated run is finished when it ran every round, reached its target or diverged (then judged as `meshgd sim` does). */
function simReportExit(summary: RunSummary, experiment: ExperimentInput): number {
  if (summary.interrupted || (summary.rounds < experiment.run.rounds && !summary.converged && !summary.diverged))
    return notFinished(summary.rounds, experiment, summary.interrupted)
  return simExitCode(summary)
}

function notFinished(rounds: number, experiment: ExperimentInput, interrupted: boolean): number {
  console.error(
    `meshgd: the run stopped at round ${rounds} of ${experiment.run.rounds}${interrupted ? ' (interrupted)' : ''}: it is not finished`,
  )
  return EXIT_FAILED
}

/** The charts and report.html, into DIR; the graph is the experiment's (laid out on its lattice for grid/torus). */
async function writePlots(dir: string, summary: Summary, experiment: ExperimentInput): Promise<void> {
  const { writeRunReport } = await import('../../report/run-report.js')
  const spec = topologySpecOf(experiment)
  const graph = buildGraph(spec, experiment.swarm.peers)
  let files
  try {
    files = await writeRunReport({
      dir,
      summary,
      graph: {
        n: graph.n,
        edges: graph.edges,
        dynamics: graph.dynamics,
        kind: spec.kind,
        rows: spec.rows,
        cols: spec.cols,
      },
    })
  } catch (err) {
    if (err instanceof SyntaxError) throw new ConfigError('CONFIG_INVALID', `${dir}: ${err.message}`)
    throw err
  }
  const charts = files.written.filter((f) => f.endsWith('.svg'))
  console.log(`report page       ${join(dir, 'report.html')}`)
  console.log(`charts            ${charts.join(', ')} (each with a .png)`)
  for (const note of files.notes) console.log(`                  ${note}`)
}

/** Adds `meshgd report` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerReportCommand(program: Command, exit: Exit): void {
  program
    .command('report')
    .description(
      "summarise a finished run and draw its plots (SVG, PNG) and report.html into DIR: a simulator's run, or every peer's peers/<i>/ and params/<i>.f64 gathered in DIR, judged against DIR/experiment.json",
    )
    .argument(
      '<dir|experiment>',
      'the run directory; or the experiment file the peers ran, then DIR (it must be the experiment DIR/experiment.json records)',
    )
    .argument('[dir]', 'the run directory holding peers/ and params/, when an experiment file comes first')
    .addOption(setOption())
    .option('--no-plots', 'only the summary: no charts and no report.html')
    .action(async (first: string, second: string | undefined, opts: ReportCommandOptions) => {
      throw exit(await commandReport(first, second, opts))
    })
}
