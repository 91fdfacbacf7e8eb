/**
 * The meshgd command: argument parsing and output, nothing else (DESIGN.md "Interface contract").
 * Exit status: 0 the run did what was asked; 1 it ran but did not (diverged, target not reached, a failure);
 * 2 bad configuration or input; 130 interrupted.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { Command, CommanderError } from 'commander'
import { checkMultiaddrs, loadForCommand, repeatableOption, setOption, withLocation } from './options.js'
import { ConfigError } from '../config/errors.js'

import { resolveExperiment } from '../config/resolve.js'
import { pinsOf } from '../config/pins.js'
import { EXPERIMENT_FILE, experimentText, portableExperiment, runDifference } from '../config/portable.js'
import { claimPeerDirectory, claimRunDirectory, recordedExperiment } from './run-claim.js'
import { registerComposeCommand } from './compose.js'
import { nodeIndexOf, registerK8sCommand, type NodeIndexOptions } from './k8s.js'
import type { ExperimentInput } from '../config/schema.js'
import { createProgress } from '../observe/progress.js'
import type { RunSummary } from '../sim/run.js'
import type { SimWorkerData } from './sim-worker.js'
import { theoryReport, type TheoryReport } from '../theory/predict.js'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_CONFIG = 2
export const EXIT_INTERRUPTED = 130

/** Errors from the pure layers that are the user's input, not a bug: printed as one line, exit 2. */
const INPUT_ERROR_NAMES = new Set(['ConfigError', 'TopologyError', 'ProblemError', 'AlgorithmError', 'SwarmKeyError'])

class ExitCode extends Error {
  override readonly name = 'ExitCode'
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}


function fmt(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a'
  return Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6) ? x.toExponential(3) : x.toFixed(digits)
}

function defaultOutDir(id: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  return join('runs', `${id}-${stamp}`)
}

function printSummary(summary: Omit<RunSummary, 'mode'> & { mode: string; peer_addrs?: string[] }, out: string): void {
  const lines = [
    `run directory     ${out}`,
    `peers             ${summary.peers}`,
    `rounds            ${summary.rounds}${summary.converged ? ' (target reached)' : ''}${summary.diverged ? ' (diverged: the figures below are from the last round)' : ''}`,
    `wall time         ${summary.wall_s.toFixed(2)} s`,
    `bytes sent        ${summary.bytes_sent}${summary.bits_per_coordinate === null ? '' : ` (${fmt(summary.bytes_per_round, 0)} per round, ${fmt(summary.bits_per_coordinate, 2)} bits per coordinate)`}`,
    `rate measured     ${fmt(summary.rate_measured)}`,
    `rate predicted    ${fmt(summary.rate_predicted)}${summary.theory ? ` (${summary.theory.method}; Mitra's corrected bound ${fmt(summary.theory.mitra_lower_bound)} <= R < 1)` : ''}`,
    `max error         ${fmt(summary.final.max_error)} (relative ${fmt(summary.final.relative_max_error)})`,
    `disagreement      ${fmt(summary.final.disagreement)}`,
    `mean loss         ${fmt(summary.final.mean_loss)}`,
  ]
  if (summary.peer_addrs) lines.splice(2, 0, `peer addresses    ${summary.peer_addrs.length} peers, e.g. ${summary.peer_addrs[0]}`)
  if (summary.rate_measured !== null && summary.rate_predicted !== null) {
    const gap = Math.abs(1 - summary.rate_measured - (1 - summary.rate_predicted)) / (1 - summary.rate_predicted)
    lines.push(`1-R measured vs predicted: ${(100 * gap).toFixed(2)}% apart`)
  }
  console.log(lines.join('\n'))
}

/** `eta < 1.32`, or in words where the range is empty or unbounded. */
function stableRange(name: string, max: number): string {
  if (max === 0) return `no ${name} is stable`
  if (!Number.isFinite(max)) return `any ${name} is stable (it has no effect here)`
  return `${name} < ${fmt(max)}`
}

function simExitCode(summary: RunSummary): number {
  if (summary.interrupted) return EXIT_INTERRUPTED
  if (summary.diverged) {
    console.error(`meshgd: the run diverged by round ${summary.rounds} (a parameter grew past 1e150 in magnitude, or became NaN); lower algorithm.eta or algorithm.mu (\`meshgd theory\` gives the stable ranges)`)
    return EXIT_FAILED
  }
  return targetExitCode(summary)
}

/**
 * `run.target` is a bound on the relative error against the reference solution: judged only where there is one
 * (a logistic or softmax problem has none, so the target is reported as not judged, not as missed).
 */
function targetExitCode(summary: Pick<RunSummary, 'experiment' | 'converged' | 'rounds' | 'final'>): number {
  const target = summary.experiment.run.target
  if (target === null || summary.converged) return EXIT_OK
  if (summary.final.max_error === null) {
    console.error(`meshgd: run.target ${target} not judged: this problem has no reference solution to measure the error against`)
    return EXIT_OK
  }
  console.error(`meshgd: run.target ${target} not reached in ${summary.rounds} rounds`)
  return EXIT_FAILED
}

async function commandSim(file: string, opts: { out?: string; set: string[]; theory: boolean; quiet?: boolean; force?: boolean }): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  const out = resolve(opts.out ?? defaultOutDir(loaded.experiment.swarm.id))
  claimRunDirectory(out, portableExperiment(loaded.experiment, loaded.baseDir), { force: opts.force ?? false })
  if (!opts.quiet && loaded.experiment.run.mode === 'async') {
    console.error('meshgd: run.mode async: the simulator runs the sync schedule (every peer a round at a time); async applies to networked runs')
  }
  const progress = opts.quiet ? null : createProgress('sim', loaded.experiment.run.rounds)
  try {
    const summary = await simulateInWorker({ experiment: loaded.experiment, out, baseDir: loaded.baseDir, theory: opts.theory, progress: progress !== null }, (round, relError) =>
      progress?.update(round, relError),
    )
    progress?.stop()
    printSummary(summary, out)
    return simExitCode(summary)
  } finally {
    progress?.stop()
  }
}

/**
 * Runs the simulation in a worker thread (src/cli/sim-worker.ts) so that this thread handles signals: the first
 * Ctrl-C or SIGTERM stops the run between rounds (its outputs are written, exit 130); a second one exits at once.
 */
function simulateInWorker(data: Omit<SimWorkerData, 'stop'>, onProgress: (round: number, relError: number | null) => void): Promise<RunSummary> {
  const stop = new SharedArrayBuffer(4)
  const worker = new Worker(new URL('./sim-worker.js', import.meta.url), { workerData: { ...data, stop } satisfies SimWorkerData })
  let signals = 0
  const onSignal = (): void => {
    signals++
    Atomics.store(new Int32Array(stop), 0, 1)
    if (signals === 1) console.error('meshgd: stopping after this round and writing the outputs (Ctrl-C again to quit at once)')
    else process.exit(EXIT_INTERRUPTED)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return new Promise<RunSummary>((resolveRun, reject) => {
    worker.on('message', (m: { kind: 'progress'; round: number; relError: number | null } | { kind: 'done'; summary: RunSummary } | { kind: 'error'; name: string; message: string }) => {
      if (m.kind === 'progress') onProgress(m.round, m.relError)
      else if (m.kind === 'done') resolveRun(m.summary)
      else reject(m.name === 'ConfigError' ? new ConfigError(m.message) : Object.assign(new Error(m.message), { name: m.name }))
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the simulation stopped (worker exit ${code})`)))
  }).finally(() => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    void worker.terminate()
  })
}

function printTheory(report: TheoryReport): void {
  const e = report.experiment
  const g = report.graph
  const lines = [
    `experiment        ${e.swarm}: ${e.peers} peers, ${e.topology}, ${e.algorithm}, ${e.loss} loss, d = ${e.dim}`,
    `graph             ${g.edges} edges, degree ${g.degree.min}..${g.degree.max} (mean ${fmt(g.degree.mean, 3)})`,
    `laplacian         algebraic connectivity ${fmt(g.algebraic_connectivity)}, lambda_max ${fmt(g.laplacian_lambda_max)}`,
  ]
  const t = report.elastic
  if (t) {
    lines.push(
      `predicted rate    R = ${fmt(t.rate, 8)} per round (${t.method}); 1 - R = ${fmt(1 - t.rate)}`,
      `Mitra's bound     R >= 1 - eta lambda_min^+(H) = ${fmt(t.mitra_lower_bound, 8)} (000_... Sec. III, corrected)`,
      `stable            ${t.stable ? 'yes' : 'NO'}: ${stableRange('eta', t.eta_max)} at mu = ${t.mu}; ${stableRange('mu', t.mu_max)} at eta = ${t.eta}`,
      `sufficient        eta max_i lambda_max(H_i) + mu lambda_max(L) = ${fmt(t.sufficient.eta_times_lambda_max_hi)} + ${fmt(t.sufficient.mu_times_lambda_max_l)} = ${fmt(t.sufficient.sum)} (< 2 guarantees stability)`,
    )
    if (t.mu_optimal) lines.push(`best mu           ${fmt(t.mu_optimal.mu)} gives R = ${fmt(t.mu_optimal.rate, 8)} at eta = ${t.eta}`)
  }
  if (report.sgd) {
    const g = report.sgd
    lines.push(
      `SGD (002_... Th. 4) over all ${g.samples} samples: beta = ${fmt(g.beta)}, lambda_1 = ${fmt(g.lambda_1)}, lambda_n = ${fmt(g.lambda_n)}`,
      `                  m = ${g.m}: eta* = ${fmt(g.eta_star)}, g* = ${fmt(g.g_star, 8)}; eta_hat = ${fmt(g.eta_hat)}; critical batch m* = beta/lambda_1 = ${fmt(g.m_star, 2)}`,
    )
  }
  if (report.bernoulli) lines.push(`Bernoulli SGD     (000_... Eqs. 11-12) m = ${report.bernoulli.m}: eta* = ${fmt(report.bernoulli.eta_star)}, g* = ${fmt(report.bernoulli.g_star, 8)}`)
  if (report.local) {
    lines.push(`local steps       (001_... Sec. 4) local decay beta = ${fmt(report.local.beta)}; T* = ${report.local.t_star.map((x) => `${fmt(x.t_star, 1)} at r = ${x.r}`).join(', ')}`)
  }
  if (report.quorum) {
    const q = report.quorum
    lines.push(`quorum noise      (004_...) stationary loss of the mean eta Tr(H)/(4 b p) = ${fmt(q.mean_loss)}${q.agent_deviation_variance === null ? '' : `; agent deviation variance ${fmt(q.agent_deviation_variance)}`}`)
  }
  if (report.qsgd) lines.push(`QSGD              ${report.qsgd.map((q) => `s = ${q.levels}: variance x${fmt(q.variance_factor, 3)}, ${q.bits_per_message} bits`).join('; ')}`)
  if (report.note) lines.push(`note              ${report.note}`)
  console.log(lines.join('\n'))
}

async function commandTheory(file: string, opts: { set: string[]; json?: boolean }): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  const resolved = resolveExperiment(loaded.experiment, loaded.baseDir)
  const report = theoryReport(resolved)
  if (opts.json) console.log(JSON.stringify(report, null, 2))
  else printTheory(report)
  return EXIT_OK
}

/** The experiment files shipped in topology/, found relative to the installed package. */
export function shippedExperiment(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url)) // dist/src/cli
  return resolve(here, '..', '..', '..', 'topology', name)
}

async function commandSwarm(file: string, opts: { out?: string; set: string[]; swarmKey?: string; quiet?: boolean; netns?: boolean; force?: boolean }): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  const out = resolve(opts.out ?? defaultOutDir(loaded.experiment.swarm.id))
  const experiment = portableExperiment(loaded.experiment, loaded.baseDir)
  const keyFile = keyFileOf(opts.swarmKey, loaded)
  if (keyFile) (await import('../net/identity.js')).readSwarmKey(keyFile) // a bad key is refused here, not in every peer
  const claim = claimRunDirectory(out, experiment, { force: opts.force ?? false })
  if (claim.finished) throw new ConfigError(`--out ${out}: holds the finished run of this experiment; pass --force to run it again (meshgd report ${out} summarises it)`)
  if (claim.resumeFrom > 0) console.error(`meshgd: resuming from round ${claim.resumeFrom} (this experiment's checkpoints in ${out}; --force starts over)`)
  const { runSwarm } = await import('../swarm/local.js')
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
      ...(keyFile ? { swarmKeyFile: keyFile } : {}),
    })
    printSummary(summary, out)
    if (summary.interrupted) {
      console.error(`meshgd: interrupted at round ${summary.rounds} of ${experiment.run.rounds}: every peer was stopped; the summary is of the rounds done (run the same command again to resume)`)
      return EXIT_INTERRUPTED
    }
    return targetExitCode(summary)
  } catch (err) {
    if (err instanceof Error && err.name === 'SwarmError') {
      console.error(`meshgd: ${err.message}`)
      return (err as { code?: string }).code === 'INTERRUPTED' ? EXIT_INTERRUPTED : EXIT_FAILED
    }
    if (err instanceof Error && err.name === 'LabError') {
      if ((err as { code?: string }).code === 'BAD_NETWORK') throw new ConfigError(err.message)
      console.error(`meshgd: ${err.message}`)
      return EXIT_FAILED
    }
    throw err
  } finally {
    release()
  }
}

/**
 * `meshgd health`: exit 0 when this container's meshgd process has written its heartbeat file within `maxAge`
 * seconds (a Docker HEALTHCHECK; the file is MESHGD_HEALTH_FILE, written every 5 s while the event loop runs).
 */
function commandHealth(opts: { file?: string; maxAge: string }): number {
  const file = opts.file ?? process.env.MESHGD_HEALTH_FILE
  if (!file) throw new ConfigError('meshgd health: no heartbeat file (set MESHGD_HEALTH_FILE or pass --file)')
  const maxAge = Number(opts.maxAge)
  if (!existsSync(file)) {
    console.error(`meshgd: ${file}: no heartbeat yet`)
    return EXIT_FAILED
  }
  const age = (Date.now() - statSync(file).mtimeMs) / 1000
  if (!(age <= maxAge)) {
    console.error(`meshgd: ${file}: last heartbeat ${age.toFixed(0)} s ago (more than ${maxAge} s): ${readFileSync(file, 'utf8').trim()}`)
    return EXIT_FAILED
  }
  return EXIT_OK
}

/** Write MESHGD_HEALTH_FILE now and every 5 s (when set); the returned function stops it. */
function heartbeat(what: string): () => void {
  const file = process.env.MESHGD_HEALTH_FILE
  if (!file) return () => undefined
  const beat = (): void => {
    try {
      writeFileSync(file, `${what} pid ${process.pid} at ${new Date().toISOString()}\n`)
    } catch {
      // a read-only or missing folder: the healthcheck will say so
    }
  }
  beat()
  const timer = setInterval(beat, 5000)
  timer.unref()
  return () => clearInterval(timer)
}

/**
 * `meshgd report DIR` (the run's own experiment.json) or `meshgd report EXPERIMENT DIR` (checked against it): the
 * summary of a run whose peers ran elsewhere. A run of another experiment is refused and its summary left alone.
 */
async function commandReport(first: string, second: string | undefined, opts: { set: string[] }): Promise<number> {
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
  const { report } = await import('../swarm/local.js')
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

async function commandDemo(opts: { out?: string; set: string[]; sim?: boolean }): Promise<number> {
  const file = shippedExperiment('demo.yaml')
  const out = opts.out ?? mkdtempSync(join(tmpdir(), 'meshgd-demo-'))
  if (opts.sim) {
    console.log(`meshgd demo: ${file}, the whole swarm simulated in this process\n`)
    return commandSim(file, { out, set: opts.set, theory: true })
  }
  console.log(`meshgd demo: ${file} as a real swarm: a bootstrap and one process per peer over TCP on this machine\n`)
  return commandSwarm(file, { out, set: opts.set })
}

/** The swarm key file: `--swarm-key`, else the experiment's `swarm.key_file` (relative to the experiment file). */
function keyFileOf(flag: string | undefined, loaded: { experiment: { swarm: { key_file: string | null } }; baseDir: string }): string | null {
  if (flag) return resolve(flag)
  const file = loaded.experiment.swarm.key_file
  return file ? resolve(loaded.baseDir, file) : null
}

/** Abort on the first SIGINT/SIGTERM; the returned function removes the handlers. */
function abortOnSignals(controller: AbortController): () => void {
  const onSignal = (): void => controller.abort(new Error('interrupted'))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

interface NodeCommandOptions extends NodeIndexOptions {
  listen: string[]
  announce: string[]
  bootstrap: string[]
  out?: string
  set: string[]
  swarmKey?: string
  quiet?: boolean
  logJson?: boolean
  delayMs?: string
}

async function commandNode(file: string, opts: NodeCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  const index = nodeIndexOf(opts, loaded.experiment.swarm.peers) // --index, --index-from-hostname or --index-from-env
  await checkMultiaddrs('--listen', opts.listen)
  await checkMultiaddrs('--announce', opts.announce)
  await checkMultiaddrs('--bootstrap', opts.bootstrap)
  const out = resolve(opts.out ?? join('runs', `${loaded.experiment.swarm.id}-node`))
  const experiment = portableExperiment(loaded.experiment, loaded.baseDir)
  claimPeerDirectory(out, experiment, index)
  const { runPeer } = await import('../peer/runtime.js')
  const { readSwarmKey } = await import('../net/identity.js')
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  const stopBeat = heartbeat(`peer ${index}`)
  let log: ((line: string) => void) | undefined = opts.quiet ? undefined : (line) => console.error(line)
  if (opts.logJson) {
    // one JSON object per line on stderr (pino), for log collectors on VMs and in containers
    const { pino } = await import('pino')
    const logger = pino({ base: { peer: index, swarm: loaded.experiment.swarm.id } }, pino.destination({ fd: 2, sync: true }))
    log = (line) => logger.info(line)
  }
  try {
    const info = await runPeer({
      experiment,
      baseDir: loaded.baseDir,
      index,
      out,
      listen: opts.listen.length > 0 ? opts.listen : defaultListen(loaded.experiment, index),
      announce: opts.announce,
      bootstrap: opts.bootstrap,
      swarmKey: keyFileOf(opts.swarmKey, loaded) ? readSwarmKey(keyFileOf(opts.swarmKey, loaded)!) : null,
      signal: controller.signal,
      log,
      ...(opts.delayMs !== undefined ? { delayMs: delayOf(opts.delayMs) } : {}),
    })
    if (!opts.quiet) console.error(`peer ${index}: done after ${info.rounds} rounds, ${info.bytes_sent} bytes sent`)
    return info.interrupted ? EXIT_INTERRUPTED : EXIT_OK
  } catch (err) {
    if (err instanceof Error && err.name === 'PeerError') {
      console.error(`meshgd: ${err.message}`)
      // a second process with a live peer's index is the operator's input, not a failed run
      return (err as { code?: string }).code === 'INDEX_TAKEN' ? EXIT_CONFIG : EXIT_FAILED
    }
    throw err
  } finally {
    stopBeat()
    release()
  }
}

function delayOf(text: string): number {
  const ms = Number(text)
  if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new ConfigError(`--delay-ms ${text}: must be a number of milliseconds in 0..600000`)
  return ms
}

/** A pinned peer listens on its pinned address (without /p2p/...); others on any port of every interface. */
function defaultListen(experiment: ExperimentInput, index: number): string[] {
  const pin = pinsOf(experiment).get(index)
  return [pin ? pin.addr.replace(/\/p2p\/[^/]+$/, '') : '/ip4/0.0.0.0/tcp/0']
}

async function commandBootstrap(opts: { listen: string[]; announce: string[]; key?: string; swarmKey?: string }): Promise<number> {
  await checkMultiaddrs('--listen', opts.listen)
  await checkMultiaddrs('--announce', opts.announce)
  const { createMeshNode } = await import('../net/node.js')
  const { loadOrCreateKeyFile, readSwarmKey } = await import('../net/identity.js')
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const node = await createMeshNode({
    privateKey: opts.key ? await loadOrCreateKeyFile(opts.key) : await generateKeyPair('Ed25519'),
    listen: opts.listen.length > 0 ? opts.listen : ['/ip4/0.0.0.0/tcp/0'],
    announce: opts.announce,
    swarmKey: opts.swarmKey ? readSwarmKey(opts.swarmKey) : null,
    maxConnections: 1024,
    hub: true,
  })
  await node.start()
  // Relay the control topics of every swarm that shows up, so peers that only know the bootstrap still hear each
  // other. Parameters never travel here.
  const pubsub = node.services.pubsub
  pubsub.addEventListener('subscription-change', (evt) => {
    for (const sub of evt.detail.subscriptions) {
      if (sub.subscribe && /^meshgd\/[A-Za-z0-9._-]{1,64}\/(roster|status)$/.test(sub.topic) && !pubsub.getTopics().includes(sub.topic)) {
        pubsub.subscribe(sub.topic)
      }
    }
  })
  for (const addr of node.getMultiaddrs()) console.log(addr.toString())
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  const stopBeat = heartbeat('bootstrap')
  await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))
  stopBeat()
  release()
  await node.stop()
  return EXIT_OK
}

export function buildProgram(): Command {
  const program = new Command('meshgd')
    .description('peer-to-peer distributed optimizer: elastic graph penalty, quorum, EASGD, local steps, QSGD')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  program
    .command('sim')
    .description('run the whole swarm in one process, deterministically (the reference twin of a networked run)')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--out <dir>', 'run directory (default runs/<swarm id>-<time>)')
    .addOption(setOption())
    .option('--no-theory', 'do not compute the predicted rate')
    .option('--quiet', 'no progress output')
    .option('--force', 'replace a run of another experiment in --out')
    .action(async (file: string, opts) => {
      throw new ExitCode(await commandSim(file, opts))
    })
  program
    .command('theory')
    .description('predicted rate, stable ranges and recommended coupling for an experiment')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .addOption(setOption())
    .option('--json', 'print one JSON document')
    .action(async (file: string, opts) => {
      throw new ExitCode(await commandTheory(file, opts))
    })
  program
    .command('swarm')
    .description('start a bootstrap and one OS process per peer on this machine, show progress, gather the results')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--out <dir>', 'run directory (default runs/<swarm id>-<time>)')
    .option('--swarm-key <file>', 'libp2p private-network key for every process')
    .option('--netns', "the network lab: every process in its own network namespace, links shaped by the experiment's network: section (root)")
    .option('--quiet', 'no progress output')
    .option('--force', 'replace a run of another experiment (or a finished one) in --out instead of refusing')
    .addOption(setOption())
    .action(async (file: string, opts) => {
      throw new ExitCode(await commandSwarm(file, opts))
    })
  // meshgd compose: its options and handler are in ./compose.ts
  registerComposeCommand(program, (code) => new ExitCode(code))
  // meshgd k8s: its options and handler are in ./k8s.ts
  registerK8sCommand(program, (code) => new ExitCode(code))
  program
    .command('health')
    .description("exit 0 when this machine's meshgd process is alive (a container healthcheck)")
    .option('--file <file>', 'heartbeat file (default: $MESHGD_HEALTH_FILE)')
    .option('--max-age <s>', 'how old the last heartbeat may be, in seconds', '60')
    .action((opts) => {
      throw new ExitCode(commandHealth(opts))
    })
  program
    .command('report')
    .description("summarise a run whose peers ran elsewhere: every peer's peers/<i>/ and params/<i>.f64 gathered in DIR, judged against DIR/experiment.json")
    .argument('<dir|experiment>', 'the run directory; or the experiment file the peers ran, then DIR (it must be the experiment DIR/experiment.json records)')
    .argument('[dir]', 'the run directory holding peers/ and params/, when an experiment file comes first')
    .addOption(setOption())
    .action(async (first: string, second: string | undefined, opts) => {
      throw new ExitCode(await commandReport(first, second, opts))
    })
  program
    .command('demo')
    .description('run the demo experiment (topology/demo.yaml) as a swarm of processes and print predicted vs measured rate')
    .option('--out <dir>', 'run directory (default: a temporary directory)')
    .option('--sim', 'simulate in this process instead')
    .addOption(setOption())
    .action(async (opts) => {
      throw new ExitCode(await commandDemo(opts))
    })
  program
    .command('node')
    .description('run one peer (what a container or VM runs)')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--index <i>', 'this peer\'s index in the graph')
    .option('--index-from-hostname', 'the index is the number after the last - of the hostname (a Kubernetes StatefulSet pod, meshgd-demo-3)')
    .option('--index-from-env <var>', 'the index is in this environment variable (a number, or a name ending in -<index>)')
    .addOption(repeatableOption('--listen <multiaddr>', 'address to listen on', '/ip4/0.0.0.0/tcp/0'))
    .addOption(repeatableOption('--announce <multiaddr>', 'address to tell the others', 'the listening addresses'))
    .addOption(repeatableOption('--bootstrap <multiaddr>', 'bootstrap node'))
    .option('--out <dir>', 'run directory: writes peers/<i>/ and params/<i>.f64')
    .option('--swarm-key <file>', 'libp2p private-network key (/key/swarm/psk/1.0.0/)')
    .option('--quiet', 'no log lines')
    .option('--log-json', 'log lines as JSON objects (pino) on stderr')
    .option('--delay-ms <ms>', 'sleep this long after every round: a deliberately slow peer (straggler experiments)')
    .addOption(setOption())
    .action(async (file: string, opts: NodeCommandOptions) => {
      throw new ExitCode(await commandNode(file, opts))
    })
  program
    .command('identity')
    .description("print a peer's libp2p peer ID (for pinned peers: [{index, peer_id, addr}]), creating its identity key when absent")
    .requiredOption('--index <i>', "the peer's index")
    .requiredOption('--out <dir>', 'its run directory (the key is <dir>/peers/<i>/state/identity.key)')
    .action(async (opts: { index: string; out: string }) => {
      if (!/^\d+$/.test(opts.index)) throw new ConfigError(`--index ${opts.index}: must be a non-negative integer`)
      const { loadOrCreateIdentity } = await import('../net/identity.js')
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const key = await loadOrCreateIdentity(join(resolve(opts.out), 'peers', opts.index, 'state'))
      console.log(peerIdFromPrivateKey(key).toString())
      throw new ExitCode(EXIT_OK)
    })
  program
    .command('keygen')
    .description('write a new libp2p private-network key (swarm.key_file / --swarm-key); keep it secret')
    .option('-o, --out <file>', 'where to write it (mode 0600); default: print it')
    .action(async (opts: { out?: string }) => {
      const { newSwarmKeyText } = await import('../net/identity.js')
      const text = newSwarmKeyText()
      if (!opts.out) {
        process.stdout.write(text)
        throw new ExitCode(EXIT_OK)
      }
      const { writeFileSync, existsSync } = await import('node:fs')
      if (existsSync(opts.out)) throw new ConfigError(`${opts.out}: already exists; not overwriting a swarm key`)
      try {
        writeFileSync(opts.out, text, { mode: 0o600 })
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        throw new ConfigError(`-o ${opts.out}: cannot write the key: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`)
      }
      console.error(`meshgd: wrote a swarm key to ${opts.out}`)
      throw new ExitCode(EXIT_OK)
    })
  program
    .command('bootstrap')
    .description('a discovery-only libp2p node; prints each multiaddr it listens on, one per line (it never sees parameters)')
    .addOption(repeatableOption('--listen <multiaddr>', 'address to listen on', '/ip4/0.0.0.0/tcp/0'))
    .addOption(repeatableOption('--announce <multiaddr>', 'address to tell the others', 'the listening addresses'))
    .option('--key <file>', 'persistent identity key file (created when absent)')
    .option('--swarm-key <file>', 'libp2p private-network key')
    .action(async (opts) => {
      throw new ExitCode(await commandBootstrap(opts))
    })
  return program
}

/** Run the CLI; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof ExitCode) return err.code
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK
      return EXIT_CONFIG
    }
    if (err instanceof ConfigError || (err instanceof Error && INPUT_ERROR_NAMES.has(err.name))) {
      console.error(`meshgd: ${withLocation(err.message)}`)
      return EXIT_CONFIG
    }
    throw err
  }
}
