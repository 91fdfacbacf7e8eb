/**
 * `meshgd sim EXPERIMENT`: the whole swarm in one process, deterministically (the reference twin of a networked
 * run). The simulation runs in a worker thread (../sim-worker.ts) so that this thread handles signals.
 */
import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Command } from 'commander'
import { portableExperiment } from '../../config/portable.js'
import { createProgress } from '../../observe/progress.js'
import type { RunSummary } from '../../sim/run.js'
import { defaultOutDir, loadForCommand, setOption, warnDegenerateTopology } from '../options.js'
import { printSummary, simExitCode } from '../output.js'
import { EXIT_INTERRUPTED, type Exit } from '../process.js'
import { claimRunDirectory } from '../run-claim.js'
import type { SimWorkerData } from '../sim-worker.js'
import { reviveError, type SerializedError } from '../../util/errors.js'

export interface SimCommandOptions {
  out?: string
  set: string[]
  theory: boolean
  quiet?: boolean
  force?: boolean
}

export async function commandSim(file: string, opts: SimCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  if (!opts.quiet) warnDegenerateTopology(loaded.experiment)
  const out = resolve(opts.out ?? defaultOutDir(loaded.experiment.swarm.id))
  const claim = claimRunDirectory(out, portableExperiment(loaded.experiment, loaded.baseDir), {
    force: opts.force ?? false,
  })
  // the simulator keeps no checkpoints: it runs the longer run from round 0, which gives the bits of continuing
  if (claim.extended && !opts.quiet)
    console.error(
      `meshgd: extending the run in ${out} from run.rounds ${claim.extended.from} to ${claim.extended.to} (the simulator runs all ${claim.extended.to} rounds again: the same bits as going on)`,
    )
  if (!opts.quiet && loaded.experiment.run.mode === 'async') {
    console.error(
      'meshgd: run.mode async: the simulator runs the sync schedule (every peer a round at a time); async applies to networked runs',
    )
  }
  const progress = opts.quiet ? null : createProgress('sim', loaded.experiment.run.rounds)
  try {
    const summary = await simulateInWorker(
      { experiment: loaded.experiment, out, baseDir: loaded.baseDir, theory: opts.theory, progress: progress !== null },
      (round, relError) => progress?.update(round, relError),
    )
    progress?.stop()
    printSummary(summary, out)
    return simExitCode(summary)
  } finally {
    progress?.stop()
  }
}

type WorkerMessage =
  | { kind: 'progress'; round: number; relError: number | null }
  | { kind: 'done'; summary: RunSummary }
  | { kind: 'error'; error: SerializedError }

/**
 * Runs the simulation in a worker thread (src/cli/sim-worker.ts) so that this thread handles signals: the first
 * Ctrl-C or SIGTERM stops the run between rounds (its outputs are written, exit 130); a second one exits at once.
 */
function simulateInWorker(
  data: Omit<SimWorkerData, 'stop'>,
  onProgress: (round: number, relError: number | null) => void,
): Promise<RunSummary> {
  const stop = new SharedArrayBuffer(4)
  const worker = new Worker(new URL('../sim-worker.js', import.meta.url), {
    workerData: { ...data, stop } satisfies SimWorkerData,
  })
  let signals = 0
  const onSignal = (): void => {
    signals++
    Atomics.store(new Int32Array(stop), 0, 1)
    if (signals === 1)
      console.error('meshgd: stopping after this round and writing the outputs (Ctrl-C again to quit at once)')
    else process.exit(EXIT_INTERRUPTED)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return new Promise<RunSummary>((resolveRun, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') onProgress(m.round, m.relError)
      else if (m.kind === 'done') resolveRun(m.summary)
      else reject(reviveError(m.error))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the simulation stopped (worker exit ${code})`)))
  }).finally(() => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    void worker.terminate()
  })
}

/** Adds `meshgd sim` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerSimCommand(program: Command, exit: Exit): void {
  program
    .command('sim')
    .description('run the whole swarm in one process, deterministically (the reference twin of a networked run)')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--out <dir>', 'run directory (default runs/<swarm id>-<time>)')
    .addOption(setOption())
    .option('--no-theory', 'do not compute the predicted rate')
    .option('--quiet', 'no progress output')
    .option('--force', 'replace a run of another experiment in --out')
    .action(async (file: string, opts: SimCommandOptions) => {
      throw exit(await commandSim(file, opts))
    })
}
