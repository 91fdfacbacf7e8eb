/**
 * `meshgd swarm EXPERIMENT`: a bootstrap and one OS process per peer on this machine (each in its own network
 * namespace with `--netns`), with progress, the results gathered into the run directory. A run directory holding
 * this experiment's checkpoints is resumed; the first SIGINT/SIGTERM stops every peer (exit 130). `--dashboard` serves
 * a live web page of the swarm while it runs.
 */
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXPERIMENT_FILE, portableExperiment } from '../../config/portable.js'
import { DASHBOARD_PORT } from '../../dashboard/dashboard-server.js'
import {
  dashboardAddressOf,
  defaultOutDir,
  keyFileOf,
  loadForCommand,
  setOption,
  warnDegenerateTopology,
} from '../options.js'
import { printSummary, targetExitCode } from '../output.js'
import { abortOnSignals, EXIT_INTERRUPTED, type Exit } from '../process.js'
import { claimRunDirectory } from '../run-claim.js'

export interface SwarmCommandOptions {
  out?: string
  set: string[]
  swarmKey?: string
  quiet?: boolean
  netns?: boolean
  force?: boolean
  dashboard?: string | true
}

export async function commandSwarm(file: string, opts: SwarmCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  if (!opts.quiet) warnDegenerateTopology(loaded.experiment)
  const out = resolve(opts.out ?? defaultOutDir(loaded.experiment.swarm.id))
  const experiment = portableExperiment(loaded.experiment, loaded.baseDir)
  const dashboard = opts.dashboard === undefined ? undefined : dashboardAddressOf(opts.dashboard)
  const keyFile = keyFileOf(opts.swarmKey, loaded)
  if (keyFile) (await import('../../net/identity.js')).readSwarmKey(keyFile) // a bad key is refused here, not in every peer
  const claim = claimRunDirectory(out, experiment, { force: opts.force ?? false })
  if (claim.finished)
    throw new ConfigError(
      'CONFIG_INVALID',
      `--out ${out}: holds the finished run of this experiment; pass --force to run it again (meshgd report ${out} summarises it)`,
    )
  if (claim.extended)
    console.error(`meshgd: extending the run in ${out} from run.rounds ${claim.extended.from} to ${claim.extended.to}`)
  if (claim.resumeFrom > 0)
    console.error(
      `meshgd: resuming from round ${claim.resumeFrom} (this experiment's checkpoints in ${out}; --force starts over)`,
    )
  const { runSwarm } = await import('../../swarm/local.js')
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  try {
    const summary = await runSwarm({
      file: join(out, EXPERIMENT_FILE), // every peer runs the resolved experiment, not the file and flags
      experiment,
      baseDir: loaded.baseDir,
      out,
      signal: controller.signal,
      quiet: opts.quiet ?? false,
      netns: opts.netns ?? false,
      ...(dashboard ? { dashboard } : {}),
      ...(keyFile ? { swarmKeyFile: keyFile } : {}),
    })
    printSummary(summary, out)
    if (summary.interrupted) {
      console.error(
        `meshgd: interrupted at round ${summary.rounds} of ${experiment.run.rounds}: every peer was stopped; the summary is of the rounds done (run the same command again to resume)`,
      )
      return EXIT_INTERRUPTED
    }
    return targetExitCode(summary)
  } finally {
    release()
  }
}

/** Adds `meshgd swarm` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerSwarmCommand(program: Command, exit: Exit): void {
  program
    .command('swarm')
    .description('start a bootstrap and one OS process per peer on this machine, show progress, gather the results')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--out <dir>', 'run directory (default runs/<swarm id>-<time>)')
    .option('--swarm-key <file>', 'libp2p private-network key for every process')
    .option(
      '--netns',
      "the network lab: every process in its own network namespace, links shaped by the experiment's network: section (root)",
    )
    .option(
      '--dashboard [port]',
      `serve a live dashboard of the swarm while it runs, on PORT or HOST:PORT (default 127.0.0.1:${DASHBOARD_PORT})`,
    )
    .option('--quiet', 'no progress output')
    .option('--force', 'replace a run of another experiment (or a finished one) in --out instead of refusing')
    .addOption(setOption())
    .action(async (file: string, opts: SwarmCommandOptions) => {
      throw exit(await commandSwarm(file, opts))
    })
}
