/**
 * `meshgd report DIR` (the run's own experiment.json) or `meshgd report EXPERIMENT DIR` (checked against it): the
 * summary of a run whose peers ran elsewhere. A run of another experiment is refused and its summary left alone.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXPERIMENT_FILE, experimentText, portableExperiment, runDifference } from '../../config/portable.js'
import { loadForCommand, setOption } from '../options.js'
import { printSummary, targetExitCode } from '../output.js'
import { EXIT_CONFIG, EXIT_FAILED, type Exit } from '../process.js'
import { recordedExperiment } from '../run-claim.js'

export async function commandReport(first: string, second: string | undefined, opts: { set: string[] }): Promise<number> {
  const dir = resolve(second ?? first)
  const recordFile = join(dir, EXPERIMENT_FILE)
  if (second === undefined && !existsSync(recordFile)) {
    const why = existsSync(dir) && statSync(dir).isDirectory() ? `${dir}: no ${EXPERIMENT_FILE}` : `${first}: not a run directory`
    throw new ConfigError(`${why}; name the experiment the peers ran: meshgd report EXPERIMENT DIR`)
  }
  const loaded = loadForCommand(second === undefined ? recordFile : first, opts.set)
  const experiment = portableExperiment(loaded.experiment, loaded.baseDir)
  const recorded = recordedExperiment(dir)
  const difference = recorded === null ? null : runDifference(recorded, experiment)
  if (difference !== null) throw new ConfigError(`${dir}: holds a run of another experiment (${difference}); its summary is left as it was`)
  const { report } = await import('../../swarm/local.js')
  try {
    const summary = report(dir, experiment, loaded.baseDir)
    if (recorded === null) writeFileSync(recordFile, experimentText(experiment))
    printSummary(summary, dir)
    if (summary.rounds < experiment.run.rounds) {
      console.error(`meshgd: the run stopped at round ${summary.rounds} of ${experiment.run.rounds}${summary.interrupted ? ' (interrupted)' : ''}: it is not finished`)
      return EXIT_FAILED
    }
    return targetExitCode(summary)
  } catch (err) {
    if (err instanceof Error && err.name === 'SwarmError') {
      console.error(`meshgd: ${err.message}`)
      return (err as { code?: string }).code === 'MISSING_OUTPUT' ? EXIT_CONFIG : EXIT_FAILED
    }
    throw err
  }
}

/** Adds `meshgd report` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerReportCommand(program: Command, exit: Exit): void {
  program
    .command('report')
    .description("summarise a run whose peers ran elsewhere: every peer's peers/<i>/ and params/<i>.f64 gathered in DIR, judged against DIR/experiment.json")
    .argument('<dir|experiment>', 'the run directory; or the experiment file the peers ran, then DIR (it must be the experiment DIR/experiment.json records)')
    .argument('[dir]', 'the run directory holding peers/ and params/, when an experiment file comes first')
    .addOption(setOption())
    .action(async (first: string, second: string | undefined, opts: { set: string[] }) => {
      throw exit(await commandReport(first, second, opts))
    })
}
