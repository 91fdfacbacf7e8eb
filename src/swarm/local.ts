/**
 * `meshgd swarm`: a bootstrap and one OS process per peer on this machine, a live progress bar from the status
 * topic (an observer node, not files), then the peers' outputs gathered into one run directory (gather.ts).
 * Every process it starts it stops: on a peer's failure, on Ctrl-C, and on the way out.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { resolveExperiment, type ResolvedExperiment } from '../exchange/resolve.js'
import { ConfigError } from '../config/errors.js'
import { pinsOf } from '../config/pins.js'
import type { ExperimentInput } from '../config/schema.js'
import { connectBootstrap, createMeshNode } from '../net/node.js'
import { Roster } from '../net/roster.js'
import { openLab, type Lab } from '../lab/netns.js'
import { createProgress } from '../observe/progress.js'
import { openDashboard, type LiveDashboard } from './dashboard.js'
import { gather, gatherInterrupted, SwarmError, type SwarmSummary } from './gather.js'
import { PARENT_PIPE_ENV } from './parent-pipe.js'

export { report, SwarmError, type SwarmSummary } from './gather.js'
import type { DashboardAddress } from '../observe/dashboard-server.js'

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

/** The first line a child prints on stdout (the bootstrap's first multiaddr). */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffer = ''
    let stderr = ''
    const timer = setTimeout(
      () =>
        reject(
          new SwarmError(
            'BOOTSTRAP_FAILED',
            `the bootstrap printed no address within ${timeoutMs} ms ${stderr.trim()}`,
          ),
        ),
      timeoutMs,
    )
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString()
      const nl = buffer.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolveLine(buffer.slice(0, nl).trim())
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(
        new SwarmError(
          'BOOTSTRAP_FAILED',
          `the bootstrap exited (${code}) before printing its address: ${stderr.trim().split('\n').at(-1) ?? ''}`,
        ),
      )
    })
  })
}

/** The round of the last complete line of a metrics.jsonl (reading its last 4 kB), or 0. */
function lastRecordedRound(path: string): number {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return 0
  }
  try {
    const size = fstatSync(fd).size
    const length = Math.min(size, 4096)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    const lines = buffer.toString('utf8').split('\n')
    for (let k = lines.length - 2; k >= 0; k--) {
      const m = /^\{"round":(\d+),/.exec(lines[k]!)
      if (m) return Number(m[1])
    }
    return 0
  } finally {
    closeSync(fd)
  }
}

const exits = new WeakMap<ChildProcess, Promise<number>>()

/** The exit code of a child (128 when killed by a signal); one listener per child however often it is asked. */
function exitOf(child: ChildProcess): Promise<number> {
  let exit = exits.get(child)
  if (!exit) {
    exit = new Promise((resolveExit) => {
      if (child.exitCode !== null) return resolveExit(child.exitCode)
      child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : 1)))
    })
    exits.set(child, exit)
  }
  return exit
}

/** Calls `onLine` with each whole line a child writes to `stream` (chunks may split lines). */
function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let partial = ''
  stream?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
}

/**
 * How many peers may be starting at once (spawned, not yet listening): loading the runtime and creating a libp2p
 * node takes about a second of CPU, and 64 processes doing it at once on 2 cores starve the ones already up.
 */
export function startingWave(cores = availableParallelism()): number {
  return Math.max(4, 2 * cores)
}

/**
 * Starts n peer processes, at most `startingWave()` of them starting at once (spawned, not yet listening), and
 * follows their stderr: each one's last error line, and `onJoined(count, seconds)` as each finds its neighbours.
 */
async function startInWaves(
  n: number,
  spawnPeer: (i: number) => ChildProcess,
  signal: AbortSignal,
  onJoined: (joined: number, seconds: number) => void,
): Promise<{ peers: ChildProcess[]; lastError: string[] }> {
  const lastError = new Array<string>(n).fill('')
  const listening = new Array<boolean>(n).fill(false)
  const peers: ChildProcess[] = []
  const waiting = new Set<() => void>()
  const wake = (): void => {
    for (const w of [...waiting]) w()
    waiting.clear()
  }
  const starting = (): number =>
    peers.filter((c, j) => !listening[j] && c.exitCode === null && c.signalCode === null).length
  const startedAt = performance.now()
  let joined = 0
  signal.addEventListener('abort', wake, { once: true })
  for (let i = 0; i < n && !signal.aborted; i++) {
    while (starting() >= startingWave() && !signal.aborted) await new Promise<void>((w) => waiting.add(w))
    if (signal.aborted) break
    const child = spawnPeer(i)
    eachLine(child.stderr, (line) => {
      if (line.startsWith('meshgd:')) lastError[i] = line
      else if (/^peer \d+: \S+ listening on/.test(line)) {
        listening[i] = true
        wake()
      } else if (/^peer \d+: found neighbours/.test(line)) onJoined(++joined, (performance.now() - startedAt) / 1000)
    })
    void exitOf(child).then(wake)
    peers.push(child)
  }
  signal.removeEventListener('abort', wake)
  return { peers, lastError }
}

export async function runSwarm(opts: SwarmOptions): Promise<SwarmSummary> {
  const started = performance.now()
  const resolved = resolveExperiment(opts.experiment, opts.baseDir)
  const dashboard = opts.dashboard ? await openDashboard({ address: opts.dashboard, resolved }) : null
  if (dashboard) process.stderr.write(`meshgd: dashboard at ${dashboard.url}\n`)
  try {
    return await launch(opts, resolved, started, dashboard)
  } finally {
    await dashboard?.close()
  }
}

async function launch(
  opts: SwarmOptions,
  resolved: ResolvedExperiment,
  started: number,
  dashboard: LiveDashboard | null,
): Promise<SwarmSummary> {
  const { experiment, graph } = resolved
  const n = graph.n
  const pins = pinsOf(opts.experiment)
  const children: ChildProcess[] = []
  const stopAll = async (): Promise<void> => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM')
    await Promise.all(children.map((c) => Promise.race([exitOf(c), new Promise((r) => setTimeout(r, 5000))])))
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }
  const keyArgs = opts.swarmKeyFile ? ['--swarm-key', opts.swarmKeyFile] : []
  let lab: Lab | null = null
  if (opts.netns) {
    if (pins.size > 0 || experiment.peers.length > 0)
      throw new ConfigError(
        'CONFIG_INVALID',
        'the lab gives every peer its own address; run --netns without a static peers list',
        'peers',
      )
    lab = await openLab({
      experiment,
      out: opts.out,
      log: opts.quiet ? () => undefined : (line) => process.stderr.write(`meshgd: ${line}\n`),
    })
  }
  /** A process of the swarm: here, or inside its lab namespace. */
  const start = (
    where: number | 'bootstrap',
    argv: string[],
    stdio: ['ignore', 'pipe' | 'ignore', 'pipe'],
  ): ChildProcess => {
    const line = lab
      ? lab.wrap(where, [process.execPath, ...PEER_V8_FLAGS, BIN, ...argv])
      : { command: process.execPath, args: [...PEER_V8_FLAGS, BIN, ...argv] }
    // stdin a pipe this process never writes to: it closes when we go, and the child stops (./parent-pipe.ts)
    return spawn(line.command, line.args, {
      stdio: ['pipe', stdio[1], stdio[2]],
      env: { ...process.env, [PARENT_PIPE_ENV]: '1' },
    })
  }
  const hostListen = (ip: string | undefined, port: number): string => `/ip4/${ip ?? '127.0.0.1'}/tcp/${port}`
  const bootstrap = start(
    'bootstrap',
    ['bootstrap', '--listen', hostListen(lab?.bootstrapIp, lab?.port ?? 0), ...keyArgs],
    ['ignore', 'pipe', 'pipe'],
  )
  children.push(bootstrap)
  const onAbort = (): void => void stopAll()
  opts.signal.addEventListener('abort', onAbort, { once: true })
  let observer: Awaited<ReturnType<typeof createMeshNode>> | null = null
  let stopPolling = (): void => undefined
  const progress = opts.quiet ? null : createProgress('swarm', experiment.run.rounds)
  try {
    const bootAddr = await firstLine(bootstrap, 30_000)
    if (!opts.quiet)
      process.stderr.write(
        `meshgd: bootstrap ${bootAddr} (follow the swarm from anywhere: meshgd watch --bootstrap ${bootAddr})\n`,
      )
    const listen = (i: number): string =>
      pins.get(i)?.addr.replace(/\/p2p\/[^/]+$/, '') ?? hostListen(lab?.peerIp(i), lab?.port ?? 0)
    const { peers, lastError } = await startInWaves(
      n,
      (i) => {
        const child = start(
          i,
          [
            'node',
            opts.file,
            '--index',
            String(i),
            '--listen',
            listen(i),
            '--bootstrap',
            bootAddr,
            '--out',
            opts.out,
            ...keyArgs,
          ],
          ['ignore', 'ignore', 'pipe'],
        )
        children.push(child)
        return child
      },
      opts.signal,
      (joined, seconds) => {
        if (joined === n || joined % Math.max(1, Math.ceil(n / 4)) === 0)
          progress?.status(`${joined}/${n} peers joined${joined === n ? ` in ${seconds.toFixed(1)} s` : ''}`)
      },
    )
    // Progress from the status topic, through an observer node that only listens.
    const { swarmKey } = opts.swarmKeyFile
      ? { swarmKey: (await import('../net/identity.js')).readSwarmKey(opts.swarmKeyFile) }
      : { swarmKey: null }
    observer = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: [hostListen(lab?.observerIp, 0)],
      bootstrap: [bootAddr],
      swarmKey,
    })
    await observer.start()
    await connectBootstrap(observer, [bootAddr], 30_000, opts.signal)
    const reached = new Array<number>(n).fill(0)
    // each peer's newest relative error; the bar shows the largest (n/a until every peer has reported one)
    const errors = new Array<number | null>(n).fill(null)
    const worstError = (): number | null => (errors.every((e) => e !== null) ? Math.max(...(errors as number[])) : null)
    const roster = new Roster(observer, {
      swarm: experiment.swarm.id,
      peers: n,
      self: null,
      onStatus: (s) => {
        reached[s.index] = Math.max(reached[s.index]!, s.round)
        if (s.relative_error !== undefined && s.relative_error !== null) errors[s.index] = s.relative_error
        progress?.update(Math.min(...reached), worstError())
        lab?.onRound(Math.max(...reached))
        dashboard?.onStatus(experiment.swarm.id, s)
      },
    })
    roster.start()
    // The peers' own metrics files, for progress and the lab's partition schedule: every peer writes to this
    // machine, so the newest recorded round of each is here (every run.record_every rounds).
    const poll = setInterval(() => {
      for (let i = 0; i < n; i++)
        reached[i] = Math.max(reached[i]!, lastRecordedRound(join(opts.out, 'peers', String(i), 'metrics.jsonl')))
      progress?.update(Math.min(...reached), worstError())
      lab?.onRound(Math.max(...reached))
    }, 100)
    poll.unref()
    stopPolling = () => clearInterval(poll)
    const codes = await Promise.all(
      peers.map(async (child, i) => {
        const code = await exitOf(child)
        if (code !== 0 && !opts.signal.aborted) {
          const failed = new SwarmError(
            'PEER_FAILED',
            `peer ${i} failed (exit ${code}): ${lastError[i] || 'no message'}`,
          )
          void stopAll()
          throw failed
        }
        return code
      }),
    )
    roster.stop()
    const interrupted = opts.signal.aborted || codes.some((c) => c !== 0)
    if (!interrupted) progress?.update(experiment.run.rounds, worstError())
    progress?.stop()
    if (interrupted) return gatherInterrupted(opts.out, resolved, (performance.now() - started) / 1000, bootAddr)
    return gather(opts.out, resolved, (performance.now() - started) / 1000, 'swarm', false, bootAddr)
  } finally {
    stopPolling()
    progress?.stop()
    opts.signal.removeEventListener('abort', onAbort)
    if (observer) await Promise.resolve(observer.stop()).catch(() => undefined)
    await stopAll()
    await lab?.close()
  }
}
