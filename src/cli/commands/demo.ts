/**
 * `meshgd demo [--sim]`: the shipped demo experiment (topology/demo.yaml) as a swarm of processes on this machine,
 * or simulated in this process with `--sim`; prints the predicted against the measured rate.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { setOption } from '../options.js'
import type { Exit } from '../process.js'
import { commandSim } from './sim.js'
import { commandSwarm } from './swarm.js'

/** The experiment files shipped in topology/, found relative to the installed package. */
export function shippedExperiment(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url)) // dist/src/cli/commands
  return resolve(here, '..', '..', '..', '..', 'topology', name)
}

/** Without `--out` the run goes to a temporary folder, removed when the demo ends (Ctrl-C included). */
export async function commandDemo(opts: { out?: string; set: string[]; sim?: boolean }): Promise<number> {
  const file = shippedExperiment('demo.yaml')
  const out = opts.out ?? mkdtempSync(join(tmpdir(), 'meshgd-demo-'))
  try {
    if (opts.sim) {
      console.log(`meshgd demo: ${file}, the whole swarm simulated in this process\n`)
      return await commandSim(file, { out, set: opts.set, theory: true })
    }
    console.log(`meshgd demo: ${file} as a real swarm: a bootstrap and one process per peer over TCP on this machine\n`)
    return await commandSwarm(file, { out, set: opts.set })
  } finally {
    if (opts.out === undefined) {
      rmSync(out, { recursive: true, force: true })
      console.log(`(the run's folder was temporary and is gone: meshgd demo --out DIR keeps it)`)
    }
  }
}

/** Adds `meshgd demo` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerDemoCommand(program: Command, exit: Exit): void {
  program
    .command('demo')
    .description(
      'run the demo experiment (topology/demo.yaml) as a swarm of processes and print predicted vs measured rate',
    )
    .option('--out <dir>', 'run directory (default: a temporary directory)')
    .option('--sim', 'simulate in this process instead')
    .addOption(setOption())
    .action(async (opts: { out?: string; set: string[]; sim?: boolean }) => {
      throw exit(await commandDemo(opts))
    })
}
