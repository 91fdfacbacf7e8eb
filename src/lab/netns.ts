/**
 * The network lab (`meshgd swarm --netns`): every peer, and the bootstrap, on a host of its own: a Linux network
 * namespace with its own address, joined to the others by emulated links (lab/linkemu.py: a user-space netem over
 * TUN devices) that apply the experiment's `network:` section (latency, jitter, loss, rate, per-edge overrides) and
 * its partition schedule. Everything it creates it removes: on the way out, on Ctrl-C, and (namespaces left by a
 * launcher that was killed outright) at the next lab start.
 *
 * Needs root, iproute2 and python3.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Experiment } from '../config/schema.js'
import { topologySpecOf } from '../exchange/resolve.js'
import { buildGraph } from '../topology/index.js'
import { LabError } from './lab-error.js'
import { partitionDriver, partitionLinks } from './partitions.js'

export { LabError } from './lab-error.js'

const EMULATOR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'lab', 'linkemu.py')
const PORT = 4001
/** namespaces this lab creates: mgd<launcher pid, base 36>-p<i> and -b */
const NAME = /^mgd([0-9a-z]+)-(p\d+|b)$/

export interface Lab {
  /** the lab address of peer i, of the bootstrap, of the launcher's observer */
  readonly peerIp: (i: number) => string
  readonly bootstrapIp: string
  readonly observerIp: string
  readonly port: number
  readonly namespaces: readonly string[]
  /** The command line that runs `argv` inside host `where`'s namespace. */
  wrap(where: number | 'bootstrap', argv: readonly string[]): { command: string; args: string[] }
  /** The swarm reached `round` (its furthest peer): cut and heal links on the partition schedule. */
  onRound(round: number): void
  close(): Promise<void>
}

function run(command: string, args: readonly string[]): { ok: boolean; text: string } {
  const r = spawnSync(command, args, { encoding: 'utf8' })
  return { ok: r.status === 0, text: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || String(r.error?.message ?? '') }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Namespaces of this lab (`mgd...`) that exist now. */
export function labNamespaces(): string[] {
  const r = run('ip', ['netns', 'list'])
  return r.text
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((name) => NAME.test(name))
}

/** Remove namespaces left behind by lab launchers that no longer run. */
function removeStale(): string[] {
  const removed: string[] = []
  for (const ns of labNamespaces()) {
    const pid = parseInt(NAME.exec(ns)![1]!, 36)
    if (pid !== process.pid && !alive(pid)) {
      run('ip', ['netns', 'del', ns])
      removed.push(ns)
    }
  }
  return removed
}

/** Refuses, in one line, a host where the lab cannot run: not root, no iproute2 or Python, no namespaces. */
function checkLabHost(n: number): void {
  if (process.getuid?.() !== 0)
    throw new LabError(
      'NOT_ROOT',
      'meshgd swarm --netns needs root (it creates network namespaces and TUN devices); run it as root or with sudo',
    )
  for (const [tool, args] of [
    ['ip', ['-V']],
    ['python3', ['--version']],
  ] as const) {
    if (!run(tool, args).ok)
      throw new LabError(
        'MISSING_TOOL',
        `meshgd swarm --netns needs ${tool} (${tool === 'ip' ? 'iproute2' : 'the link emulator is a Python script'}), not found`,
      )
  }
  if (!run('ip', ['netns', 'list']).ok)
    throw new LabError('MISSING_TOOL', 'network namespaces are not available here (ip netns list failed)')
  if (n > 240)
    throw new LabError(
      'TOO_MANY_PEERS',
      `swarm.peers: ${n}: the lab puts every host in one /24 network (at most 240 peers)`,
    )
}

/** The lab's names and addresses: namespaces tagged by this process, one /24 network for every host. */
function labAddresses(n: number): {
  prefix: string
  subnet: string
  peerIp: (i: number) => string
  bootstrapIp: string
  observerIp: string
  peerNs: string[]
  bootNs: string
} {
  const prefix = `mgd${process.pid.toString(36)}`
  const subnet = `10.77.${process.pid % 250}`
  return {
    prefix,
    subnet,
    peerIp: (i) => `${subnet}.${10 + i}`,
    bootstrapIp: `${subnet}.2`,
    observerIp: `${subnet}.254`,
    peerNs: Array.from({ length: n }, (_, i) => `${prefix}-p${i}`),
    bootNs: `${prefix}-b`,
  }
}

/** The link emulator's configuration (lab/linkemu.py): the hosts, the default link, the per-edge overrides. */
function emulatorConfig(experiment: Experiment, at: ReturnType<typeof labAddresses>): object {
  const network = experiment.network
  const n = at.peerNs.length
  return {
    seed: experiment.run.seed,
    prefix: at.prefix,
    hosts: [
      ...at.peerNs.map((ns, i) => ({ name: `peer-${i}`, netns: ns, ip: at.peerIp(i) })),
      { name: 'bootstrap', netns: at.bootNs, ip: at.bootstrapIp },
      { name: 'launcher', netns: null, ip: at.observerIp },
    ],
    default: {
      latency_ms: network.latency_ms,
      jitter_ms: network.jitter_ms,
      loss: network.loss,
      rate_mbit: network.rate_mbit,
    },
    links: network.links.map((l) => ({ ...l })),
    unshaped: [n + 1],
  }
}

/** Starts the link emulator on `configFile`; resolves once it says `ready`, or fails with its last error line. */
async function startEmulator(configFile: string): Promise<ChildProcess> {
  const emulator = spawn('python3', [EMULATOR, configFile], { stdio: ['pipe', 'pipe', 'pipe'] })
  await new Promise<void>((ready, fail) => {
    let out = ''
    let err = ''
    const lastLine = (): string => err.trim().split('\n').at(-1) ?? ''
    const timer = setTimeout(
      () => fail(new LabError('EMULATOR_FAILED', `the link emulator did not start within 15 s: ${lastLine()}`)),
      15_000,
    )
    emulator.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready\n')) {
        clearTimeout(timer)
        ready()
      }
    })
    emulator.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    emulator.once('exit', (code) => {
      clearTimeout(timer)
      fail(new LabError('EMULATOR_FAILED', `the link emulator exited (${code}): ${lastLine()}`))
    })
  })
  return emulator
}

/** Ends the emulator (closing its stdin, then SIGTERM, SIGKILL after 2 s) and deletes the namespaces. */
async function teardown(emulator: ChildProcess | null, namespaces: readonly string[]): Promise<void> {
  if (emulator && emulator.exitCode === null && emulator.signalCode === null) {
    const exited = new Promise((r) => emulator.once('exit', r))
    emulator.stdin?.end()
    emulator.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))])
    if (emulator.exitCode === null && emulator.signalCode === null) emulator.kill('SIGKILL')
  }
  for (const ns of namespaces) run('ip', ['netns', 'del', ns])
}

/** The log line that says what the links are. */
function linksLine(network: Experiment['network']): string {
  const shaped = [
    network.latency_ms > 0 ? `${network.latency_ms} ms` : null,
    network.jitter_ms > 0 ? `+0..${network.jitter_ms} ms jitter` : null,
    network.loss > 0 ? `${(network.loss * 100).toFixed(2)}% loss` : null,
    network.rate_mbit !== null ? `${network.rate_mbit} Mbit/s` : null,
  ].filter((x) => x !== null)
  const overrides = network.links.length > 0 ? ` (${network.links.length} per-edge overrides)` : ''
  return `links: ${shaped.join(', ') || 'unshaped'}${overrides}`
}

export async function openLab(opts: {
  experiment: Experiment
  out: string
  log: (line: string) => void
}): Promise<Lab> {
  const n = opts.experiment.swarm.peers
  checkLabHost(n)
  const schedule = partitionLinks(opts.experiment.network, n)
  for (const ns of removeStale()) opts.log(`lab: removed ${ns}, left by a launcher that is gone`)
  const at = labAddresses(n)
  const namespaces = [...at.peerNs, at.bootNs]
  let emulator: ChildProcess | null = null
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await teardown(emulator, namespaces)
  }
  try {
    for (const ns of namespaces) {
      const made = run('ip', ['netns', 'add', ns])
      if (!made.ok) throw new LabError('MISSING_TOOL', `ip netns add ${ns}: ${made.text}`)
    }
    mkdirSync(opts.out, { recursive: true })
    const configFile = join(opts.out, 'lab.json')
    writeFileSync(configFile, JSON.stringify(emulatorConfig(opts.experiment, at), null, 2) + '\n')
    emulator = await startEmulator(configFile)
    opts.log(
      `lab: ${n} peers and a bootstrap, each in its own namespace on ${at.subnet}.0/24; ${linksLine(opts.experiment.network)}`,
    )
  } catch (err) {
    await close()
    throw err
  }
  const graphEdges = new Set(buildGraph(topologySpecOf(opts.experiment), n).edges.map(([a, b]) => `${a} ${b}`))
  const { peerIp, bootstrapIp, observerIp, peerNs, bootNs } = at
  return {
    peerIp,
    bootstrapIp,
    observerIp,
    port: PORT,
    namespaces,
    wrap: (where, argv) => ({
      command: 'ip',
      args: ['netns', 'exec', where === 'bootstrap' ? bootNs : peerNs[where]!, ...argv],
    }),
    onRound: partitionDriver(schedule, graphEdges, emulator, opts.log),
    close,
  }
}
