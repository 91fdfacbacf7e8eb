/**
 * `meshgd swarm`: a bootstrap and one OS process per peer on this machine (children.ts starts them in waves and
 * follows their start), a live progress bar (progress-feed.ts), then the peers' outputs gathered into one run
 * directory (gather.ts). Every process it starts it stops: on a peer's failure, on Ctrl-C, and on the way out.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../config/errors.js'
import { pinsOf, type Pin } from '../config/pins.js'
import type { Experiment, ExperimentInput } from '../config/schema.js'
import { resolveExperiment, type ResolvedExperiment } from '../exchange/resolve.js'
import { openLab, type Lab } from '../lab/netns.js'
import { isWebSocketAddr } from '../net/mesh-node.js'
import type { DashboardAddress } from '../dashboard/dashboard-server.js'
import { createProgress, type Progress } from '../observe/progress.js'
import { BrowserTabs } from './browser-tabs.js'
import { Children, exitOf, firstLines, startInWaves } from './children.js'
import { openDashboard, type LiveDashboard } from './dashboard.js'
import { gather, gatherInterrupted, SwarmError, type SwarmSummary } from './gather.js'
import { PARENT_PIPE_ENV } from './parent-pipe.js'
import { EVENTS_ENV } from './peer-events.js'
import { followProgress, type ProgressFeed } from './progress-feed.js'

export { report, SwarmError, type SwarmSummary } from './gather.js'
export { startingWave } from './children.js'

/**
 * V8 flags for the peer and bootstrap processes: a young generation of 1 MB semi-spaces (V8 lets it grow to 32 MB
 * each) keeps an idle peer's resident memory about 50 MB lower at no measurable cost in rounds per second
 * (BENCHMARKS.md). They must be on the command line (or NODE_OPTIONS): set later, V8 ignores them.
 */
export const PEER_V8_FLAGS = ['--max-semi-space-size=1']

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'meshgd.js')

export interface SwarmOptions {
  /** the resolved experiment's file (experiment.json in the run directory): what every peer reads */
  readonly file: string
  readonly experiment: ExperimentInput
  readonly baseDir: string
  readonly out: string
  readonly signal: AbortSignal
  readonly quiet?: boolean
  readonly swarmKeyFile?: string
  /** The network lab: each process in a network namespace of its own, behind emulated links (src/lab). */
  readonly netns?: boolean
  /** Serve the live dashboard here while the swarm runs (src/swarm/dashboard.ts). */
  readonly dashboard?: DashboardAddress
}

export async function runSwarm(opts: SwarmOptions): Promise<SwarmSummary> {
  const started = performance.now()
  const resolved = resolveExperiment(opts.experiment, opts.baseDir)
  const browser = resolved.experiment.swarm.browser_peers
  BrowserTabs.check(browser, opts.dashboard !== undefined, opts.netns === true)
  const tabs = new BrowserTabs(browser, opts.out, resolved.problem.paramDim)
  const dashboard = opts.dashboard
    ? await openDashboard({ address: opts.dashboard, resolved, routes: tabs.routes })
    : null
  if (dashboard) process.stderr.write(`meshgd: dashboard at ${dashboard.url}\n`)
  try {
    return await launch(opts, resolved, started, dashboard, tabs)
  } finally {
    await dashboard?.close()
  }
}

/** Starts a process of the swarm: here, or inside its lab namespace. */
type Start = (where: number | 'bootstrap', argv: string[], stdout: 'pipe' | 'ignore') => ChildProcess

function starterFor(lab: Lab | null): Start {
  return (where, argv, stdout) => {
    const line = lab
      ? lab.wrap(where, [process.execPath, ...PEER_V8_FLAGS, BIN, ...argv])
      : { command: process.execPath, args: [...PEER_V8_FLAGS, BIN, ...argv] }
    // stdin a pipe this process never writes to: it closes when we go, and the child stops (./parent-pipe.ts);
    // stdout carries a peer's start events (./peer-events.ts)
    return spawn(line.command, line.args, {
      stdio: ['pipe', stdout, 'pipe'],
      env: { ...process.env, [PARENT_PIPE_ENV]: '1', [EVENTS_ENV]: 'stdout' },
    })
  }
}

/** The network lab for `--netns`, which gives every peer its own address (so no static peers list). */
async function openSwarmLab(opts: SwarmOptions, experiment: Experiment, pins: ReadonlyMap<number, Pin>): Promise<Lab> {
  if (pins.size > 0 || opts.experiment.peers.length > 0) {
    const why = 'the lab gives every peer its own address; run --netns without a static peers list'
    throw new ConfigError('CONFIG_INVALID', why, 'peers')
  }
  const log = opts.quiet ? () => undefined : (line: string) => void process.stderr.write(`meshgd: ${line}\n`)
  return openLab({ experiment, out: opts.out, log })
}

const hostListen = (ip: string | undefined, port: number): string => `/ip4/${ip ?? '127.0.0.1'}/tcp/${port}`

const keyArgs = (opts: SwarmOptions): string[] => (opts.swarmKeyFile ? ['--swarm-key', opts.swarmKeyFile] : [])

/** Peer i's `meshgd node` arguments: its pinned address or one on this host (in the lab: its namespace's). */
function peerArgsFor(
  opts: SwarmOptions,
  pins: ReadonlyMap<number, Pin>,
  lab: Lab | null,
  bootAddr: string,
  tabs: BrowserTabs,
): (i: number) => string[] {
  const listen = (i: number): string =>
    pins.get(i)?.addr.replace(/\/p2p\/[^/]+$/, '') ?? hostListen(lab?.peerIp(i), lab?.port ?? 0)
  // browser tabs reach Node peers over WebSockets
  const forTabs = tabs.indices.length > 0 ? ['--listen', WS_LISTEN] : []
  return (i) => {
    const where = ['--index', String(i), '--listen', listen(i), ...forTabs, '--bootstrap', bootAddr, '--out', opts.out]
    return ['node', opts.file, ...where, ...keyArgs(opts)]
  }
}

const WS_LISTEN = '/ip4/127.0.0.1/tcp/0/ws'

/** Start the bootstrap: its TCP address, and with browser tabs its WebSockets one too (their page is opened then). */
async function startBootstrap(
  opts: SwarmOptions,
  children: Children,
  start: Start,
  lab: Lab | null,
  tabs: BrowserTabs,
  dashboard: LiveDashboard | null,
): Promise<string> {
  const listen = ['--listen', hostListen(lab?.bootstrapIp, lab?.port ?? 0)]
  if (tabs.indices.length > 0) listen.push('--listen', WS_LISTEN)
  const bootstrap = children.add(start('bootstrap', ['bootstrap', ...listen, ...keyArgs(opts)], 'pipe'))
  const addrs = await firstLines(bootstrap, listen.length / 2, 30_000)
  const bootAddr = addrs.find((a) => !isWebSocketAddr(a))!
  if (!opts.quiet) {
    process.stderr.write(
      `meshgd: bootstrap ${bootAddr} (follow the swarm from anywhere: meshgd watch --bootstrap ${bootAddr})\n`,
    )
  }
  if (tabs.indices.length > 0 && dashboard) {
    const ws = addrs.find(isWebSocketAddr)!
    const urls = await tabs.open(opts.experiment, opts.baseDir, ws, dashboard.url)
    urls.forEach((url, k) => process.stderr.write(`meshgd: peer ${tabs.indices[k]} is a browser tab: open ${url}\n`))
  }
  return bootAddr
}

async function launch(
  opts: SwarmOptions,
  resolved: ResolvedExperiment,
  started: number,
  dashboard: LiveDashboard | null,
  tabs: BrowserTabs,
): Promise<SwarmSummary> {
  const n = resolved.graph.n
  const pins = pinsOf(opts.experiment)
  const children = new Children()
  const lab = opts.netns ? await openSwarmLab(opts, resolved.experiment, pins) : null
  const start = starterFor(lab)
  const onAbort = (): void => void children.stopAll()
  opts.signal.addEventListener('abort', onAbort, { once: true })
  const progress = opts.quiet ? null : createProgress('swarm', resolved.experiment.run.rounds)
  let feed: ProgressFeed | null = null
  try {
    const bootAddr = await startBootstrap(opts, children, start, lab, tabs, dashboard)
    const peerArgs = peerArgsFor(opts, pins, lab, bootAddr, tabs)
    const processes = Array.from({ length: n }, (_, i) => i).filter((i) => !tabs.indices.includes(i))
    const { peers, lastError } = await startInWaves(
      processes,
      (i) => children.add(start(i, peerArgs(i), 'pipe')),
      opts.signal,
      joinedNote(processes.length, progress),
    )
    feed = await followProgress({
      ...opts,
      peers: n,
      bootAddr,
      listen: hostListen(lab?.observerIp, 0),
      progress,
      lab,
      dashboard,
    })
    const [codes] = await Promise.all([
      exitCodes(peers, processes, lastError, opts.signal, children),
      untilAborted(tabs.finished(), opts.signal),
    ])
    const interrupted = opts.signal.aborted || codes.some((c) => c !== 0)
    if (!interrupted) progress?.update(resolved.experiment.run.rounds, feed.worstError())
    progress?.stop()
    const seconds = (performance.now() - started) / 1000
    return interrupted
      ? gatherInterrupted(opts.out, resolved, seconds, bootAddr)
      : gather(opts.out, resolved, seconds, 'swarm', false, bootAddr)
  } finally {
    progress?.stop()
    opts.signal.removeEventListener('abort', onAbort)
    await feed?.stop()
    await children.stopAll()
    await lab?.close()
  }
}

/** The progress bar's note as peers join: every quarter of the swarm, and the time it took all of them. */
function joinedNote(n: number, progress: Progress | null): (joined: number, seconds: number) => void {
  return (joined, seconds) => {
    if (joined === n || joined % Math.max(1, Math.ceil(n / 4)) === 0)
      progress?.status(`${joined}/${n} peers joined${joined === n ? ` in ${seconds.toFixed(1)} s` : ''}`)
  }
}

/** Resolves with `promise`, or when the swarm is stopped (Ctrl-C). */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return Promise.race([promise, new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }))])
}

/** Every peer's exit code; the first that fails (unless the swarm was stopped) stops the rest and throws. */
function exitCodes(
  peers: readonly ChildProcess[],
  indices: readonly number[],
  lastError: readonly string[],
  signal: AbortSignal,
  children: Children,
): Promise<number[]> {
  return Promise.all(
    peers.map(async (child, k) => {
      const i = indices[k]!
      const code = await exitOf(child)
      if (code !== 0 && !signal.aborted) {
        void children.stopAll()
        throw new SwarmError('PEER_FAILED', `peer ${i} failed (exit ${code}): ${lastError[i] || 'no message'}`)
      }
      return code
    }),
  )
}
