/**
 * `meshgd theory EXPERIMENT [--json]`: the predicted rate, stable ranges and recommended coupling of an experiment,
 * as text (../output.ts printTheory) or one JSON document.
 */
import type { Command } from 'commander'
import { resolveExperiment } from '../../exchange/resolve.js'
import { prepareGraphTheory, theoryReport } from '../../theory/predict.js'
import { seedPlantedGram } from '../gram-threads.js'
import { loadForCommand, setOption, warnDegenerateTopology } from '../options.js'
import { printTheory } from '../output.js'
import { EXIT_OK, type Exit } from '../process.js'

export interface TheoryCommandOptions {
  set: string[]
  json?: boolean
}

export async function commandTheory(file: string, opts: TheoryCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  warnDegenerateTopology(loaded.experiment)
  const resolved = resolveExperiment(loaded.experiment, loaded.baseDir)
  await seedPlantedGram(resolved, { whileDrawing: () => prepareGraphTheory(resolved.graph) })
  const report = theoryReport(resolved)
  if (opts.json) console.log(JSON.stringify(report, null, 2))
  else printTheory(report)
  return EXIT_OK
}

/** Adds `meshgd theory` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerTheoryCommand(program: Command, exit: Exit): void {
  program
    .command('theory')
    .description('predicted rate, stable ranges and recommended coupling for an experiment')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .addOption(setOption())
    .option('--json', 'print one JSON document')
    .action(async (file: string, opts: TheoryCommandOptions) => {
      throw exit(await commandTheory(file, opts))
    })
}
