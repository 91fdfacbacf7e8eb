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
import type { Experiment, ExperimentInput } from '../config/schema.js'
import { topologySpecOf } from '../exchange/resolve.js'
import { buildGraph } from '../topology/index.js'
import { MeshgdError } from '../util/errors.js'

const EMULATOR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'lab', 'linkemu.py')
const PORT = 4001
/** namespaces this lab creates: mgd<launcher pid, base 36>-p<i> and -b */
const NAME = /^mgd([0-9a-z]+)-(p\d+|b)$/

/** The network lab cannot run: a bad `network:` section or a too large swarm is input; the rest a failure. */
export class LabError extends MeshgdError<
  'NOT_ROOT' | 'MISSING_TOOL' | 'TOO_MANY_PEERS' | 'BAD_NETWORK' | 'EMULATOR_FAILED'
> {
  override readonly name = 'LabError'
  constructor(code: LabError['code'], message: string) {
    super(code, message, { outcome: code === 'BAD_NETWORK' ? 'input' : 'failure' })
  }
}

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

/** The partition schedule's links as [a, b] peer pairs, checked against the swarm (one line naming the field). */
export function partitionLinks(
  network: ExperimentInput['network'],
  peers: number,
): Array<{ at: number; heal: number; links: Array<[number, number]> }> {
  const check = (field: string, i: number): void => {
    if (i >= peers) throw new LabError('BAD_NETWORK', `${field}: peer ${i} is not in this swarm of ${peers}`)
  }
  network.links.forEach((l, k) => {
    check(`network.links[${k}].a`, l.a)
    check(`network.links[${k}].b`, l.b)
  })
  return network.partition.map((p, k) => {
    const links: Array<[number, number]> = []
    if (p.cut) {
      p.cut.forEach(([a, b], e) => {
        check(`network.partition[${k}].cut[${e}]`, Math.max(a, b))
        links.push([a, b])
      })
    } else {
      const groups = p.groups!
      groups.flat().forEach((i) => check(`network.partition[${k}].groups`, i))
      for (let g = 0; g < groups.length; g++)
        for (let h = g + 1; h < groups.length; h++)
          for (const a of groups[g]!) for (const b of groups[h]!) links.push([a, b])
    }
    return { at: p.at_round, heal: p.heal_round, links }
  })
}

export async function openLab(opts: {
  experiment: Experiment
  out: string
  log: (line: string) => void
}): Promise<Lab> {
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
  const n = opts.experiment.swarm.peers
  if (n > 240)
    throw new LabError(
      'TOO_MANY_PEERS',
      `swarm.peers: ${n}: the lab puts every host in one /24 network (at most 240 peers)`,
    )
  const schedule = partitionLinks(opts.experiment.network, n)
  for (const ns of removeStale()) opts.log(`lab: removed ${ns}, left by a launcher that is gone`)

  const tag = process.pid.toString(36)
  const prefix = `mgd${tag}`
  const subnet = `10.77.${process.pid % 250}`
  const peerIp = (i: number): string => `${subnet}.${10 + i}`
  const bootstrapIp = `${subnet}.2`
  const observerIp = `${subnet}.254`
  const peerNs = Array.from({ length: n }, (_, i) => `${prefix}-p${i}`)
  const bootNs = `${prefix}-b`
  const namespaces = [...peerNs, bootNs]
  let emulator: ChildProcess | null = null
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    if (emulator && emulator.exitCode === null && emulator.signalCode === null) {
      const exited = new Promise((r) => emulator!.once('exit', r))
      emulator.stdin?.end()
      emulator.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))])
      if (emulator.exitCode === null && emulator.signalCode === null) emulator.kill('SIGKILL')
    }
    for (const ns of namespaces) run('ip', ['netns', 'del', ns])
  }
  try {
    for (const ns of namespaces) {
      const made = run('ip', ['netns', 'add', ns])
      if (!made.ok) throw new LabError('MISSING_TOOL', `ip netns add ${ns}: ${made.text}`)
    }
    const network = opts.experiment.network
    const link = {
      latency_ms: network.latency_ms,
      jitter_ms: network.jitter_ms,
      loss: network.loss,
      rate_mbit: network.rate_mbit,
    }
    const config = {
      seed: opts.experiment.run.seed,
      prefix,
      hosts: [
        ...peerNs.map((ns, i) => ({ name: `peer-${i}`, netns: ns, ip: peerIp(i) })),
        { name: 'bootstrap', netns: bootNs, ip: bootstrapIp },
        { name: 'launcher', netns: null, ip: observerIp },
      ],
      default: link,
      links: network.links.map((l) => ({ ...l })),
      unshaped: [n + 1],
    }
    mkdirSync(opts.out, { recursive: true })
    const configFile = join(opts.out, 'lab.json')
    writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n')
    emulator = spawn('python3', [EMULATOR, configFile], { stdio: ['pipe', 'pipe', 'pipe'] })
    const started = emulator
    await new Promise<void>((ready, fail) => {
      let out = ''
      let err = ''
      const timer = setTimeout(
        () =>
          fail(
            new LabError(
              'EMULATOR_FAILED',
              `the link emulator did not start within 15 s: ${err.trim().split('\n').at(-1) ?? ''}`,
            ),
          ),
        15_000,
      )
      started.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes('ready\n')) {
          clearTimeout(timer)
          ready()
        }
      })
      started.stderr!.on('data', (d: Buffer) => (err += d.toString()))
      started.once('exit', (code) => {
        clearTimeout(timer)
        fail(
          new LabError('EMULATOR_FAILED', `the link emulator exited (${code}): ${err.trim().split('\n').at(-1) ?? ''}`),
        )
      })
    })
    const shaped = [
      network.latency_ms > 0 ? `${network.latency_ms} ms` : null,
      network.jitter_ms > 0 ? `+0..${network.jitter_ms} ms jitter` : null,
      network.loss > 0 ? `${(network.loss * 100).toFixed(2)}% loss` : null,
      network.rate_mbit !== null ? `${network.rate_mbit} Mbit/s` : null,
    ].filter((x) => x !== null)
    opts.log(
      `lab: ${n} peers and a bootstrap, each in its own namespace on ${subnet}.0/24; links: ${shaped.join(', ') || 'unshaped'}${network.links.length > 0 ? ` (${network.links.length} per-edge overrides)` : ''}`,
    )
  } catch (err) {
    await close()
    throw err
  }
  const state = schedule.map(() => ({ cut: false, healed: false }))
  const graphEdges = new Set(buildGraph(topologySpecOf(opts.experiment), n).edges.map(([a, b]) => `${a} ${b}`))
  const command = (verb: 'cut' | 'heal', links: ReadonlyArray<[number, number]>): void => {
    for (const [a, b] of links) emulator?.stdin?.write(`${verb} ${a} ${b}\n`)
  }
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
    onRound: (round) => {
      schedule.forEach((p, k) => {
        const s = state[k]!
        if (!s.cut && round >= p.at) {
          s.cut = true
          command('cut', p.links)
          opts.log(`lab: round ${round}: partition ${k} cuts ${describeCut(p.links, graphEdges)}`)
        }
        if (s.cut && !s.healed && round >= p.heal) {
          s.healed = true
          command('heal', p.links)
          opts.log(`lab: round ${round}: partition ${k} healed`)
        }
      })
    },
    close,
  }
}

/**
 * What a partition cuts: the peer pairs apart (every pair across its groups: no packet crosses) and, of those, the
 * graph's edges, which are what the peers feel (`9 peer pairs, 2 of them graph edges`).
 */
export function describeCut(pairs: ReadonlyArray<readonly [number, number]>, graphEdges: ReadonlySet<string>): string {
  const edges = pairs.filter(([a, b]) => graphEdges.has(`${Math.min(a, b)} ${Math.max(a, b)}`)).length
  return `${pairs.length} peer pair${pairs.length === 1 ? '' : 's'}, ${edges} of them graph edge${edges === 1 ? '' : 's'}`
}
