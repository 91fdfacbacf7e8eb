/**
 * The 8-peer ring benchmarks: a meshgd swarm on loopback (runSwarm), the simulator on the same rounds, and, for
 * `npm run bench swarm`, two floors in the same language: the bare baseline of bench/baseline-peer.ts (8 Node
 * processes doing meshgd's own Eq. 14 step, Mitra et al., with its codec over plain TCP) and the plain-Node
 * yardstick of bench/yardstick-peer.ts (the same ring with nothing of meshgd in it). All are clocked on the peers'
 * own clocks from round 0 to the end, start-up excluded, slowest peer; meshgd and the baseline are checked bit for
 * bit against the simulator.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { experimentFrom } from '../src/config/load.js'
import type { ExperimentInput } from '../src/config/schema.js'
import { resolveExperiment } from '../src/exchange/resolve.js'
import { createChannel } from '../src/sim/channel.js'
import { simulate } from '../src/sim/engine.js'
import { PEER_V8_FLAGS, runSwarm, type SwarmSummary } from '../src/swarm/local.js'

const PEERS = 8
const BASELINE_PEER = join(import.meta.dirname, 'baseline-peer.js')
const YARDSTICK_PEER = join(import.meta.dirname, 'yardstick-peer.js')
/** A baseline run that takes longer than this is stuck (a peer died): its processes are stopped. */
const BASELINE_TIMEOUT_MS = 300_000
const UNIFORM3 = { kind: 'uniform', bits: 3, mode: 'difference' }

export interface RingSpec {
  readonly d: number
  readonly rounds: number
  readonly compression?: Record<string, unknown>
  readonly run?: Record<string, unknown>
}

/** The experiment of a ring benchmark, written to a fresh temporary folder: what the swarm, baseline and sim read. */
export interface RingFiles {
  readonly dir: string
  readonly file: string
  readonly input: ExperimentInput
}

export function writeRingExperiment(spec: RingSpec): RingFiles {
  const dir = mkdtempSync(join(tmpdir(), 'meshgd-bench-'))
  const body = {
    swarm: { id: `bench${spec.d}`, peers: PEERS },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: spec.d, samples_per_peer: 1, seed: 1 },
    algorithm: { kind: 'elastic', eta: 1, mu: 0.2 },
    run: { rounds: spec.rounds, record_every: spec.rounds, ...spec.run },
    output: { params: true },
    ...(spec.compression ? { compression: spec.compression } : {}),
  }
  const file = join(dir, 'bench.json')
  writeFileSync(file, JSON.stringify(body))
  return { dir, file, input: experimentFrom(body) }
}

/** The meshgd swarm; `seconds` from the peers' own clocks: first record (round 0) to the final one, slowest peer. */
export async function meshgdRing(
  ring: RingFiles,
): Promise<{ seconds: number; summary: SwarmSummary; paramsDir: string }> {
  const out = join(ring.dir, 'net')
  const summary = await runSwarm({
    file: ring.file,
    experiment: ring.input,
    baseDir: ring.dir,
    out,
    signal: new AbortController().signal,
    quiet: true,
  })
  let seconds = 0
  for (let i = 0; i < PEERS; i++) {
    const recs = readFileSync(join(out, 'peers', String(i), 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t_ms: number })
    seconds = Math.max(seconds, (recs.at(-1)!.t_ms - recs[0]!.t_ms) / 1000)
  }
  return { seconds, summary, paramsDir: join(out, 'params') }
}

/** The simulator on the same experiment, through the same codec channel as the network (compression included). */
export function simulateRing(ring: RingFiles): { seconds: number; params: readonly Float64Array[] } {
  const { experiment, graph, problem } = resolveExperiment(ring.input, ring.dir)
  const t0 = performance.now()
  const channel = createChannel(experiment, graph.n, problem.paramDim)
  const result = simulate({ experiment, graph, problem, reference: null, messageBytes: () => 0, channel })
  return { seconds: (performance.now() - t0) / 1000, params: result.params }
}

/** Whether `<dir>/<i>.f64` holds the simulator's w_i bit for bit, for every peer. */
export function sameAsSim(params: readonly Float64Array[], dir: string): boolean {
  return params.every((w, i) =>
    readFileSync(join(dir, `${i}.f64`)).equals(new Uint8Array(w.buffer, w.byteOffset, w.byteLength)),
  )
}

/** The next line of a child's stdout as JSON; a child that ended without one is an error. */
async function nextJson<T>(lines: AsyncIterator<string>, what: string): Promise<T> {
  const line = await lines.next()
  if (line.done) throw new Error(`baseline peer ended without ${what}`)
  return JSON.parse(line.value as string) as T
}

/**
 * 8 processes of a plain TCP ring (`script` with `args(i)`), ports picked by the OS and handed round by this
 * process; the slowest peer's seconds.
 */
async function plainRing(script: string, args: (i: number) => string[]): Promise<number> {
  const children: ChildProcess[] = Array.from({ length: PEERS }, (_, i) =>
    spawn(process.execPath, [...PEER_V8_FLAGS, script, ...args(i)], { stdio: ['pipe', 'pipe', 'inherit'] }),
  )
  const exited = children.map((c) => once(c, 'exit'))
  const timer = setTimeout(() => children.forEach((c) => c.kill()), BASELINE_TIMEOUT_MS)
  try {
    const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]())
    const ports = await Promise.all(lines.map(async (l) => (await nextJson<{ port: number }>(l, 'a port')).port))
    for (const c of children) c.stdin!.end(JSON.stringify(ports) + '\n')
    const results = await Promise.all(lines.map((l) => nextJson<{ seconds: number }>(l, 'a result')))
    await Promise.all(exited)
    return Math.max(...results.map((r) => r.seconds))
  } finally {
    clearTimeout(timer)
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill()
  }
}

/**
 * The bare baseline (bench/baseline-peer.ts): meshgd's step and codec over plain TCP, or with `sealed` over TCP and
 * Noise's cipher (bench/sealed-socket.ts); parameters in `paramsDir`.
 */
export async function baselineRing(ring: RingFiles, sealed = false): Promise<{ seconds: number; paramsDir: string }> {
  const paramsDir = join(ring.dir, sealed ? 'sealed' : 'baseline')
  mkdirSync(paramsDir, { recursive: true })
  const seconds = await plainRing(BASELINE_PEER, (i) => [
    String(i),
    ring.file,
    paramsDir,
    ...(sealed ? ['--sealed'] : []),
  ])
  return { seconds, paramsDir }
}

/** The plain-Node yardstick (bench/yardstick-peer.ts) on a ring of the same size, d and rounds. */
export function yardstickRing(d: number, rounds: number): Promise<number> {
  return plainRing(YARDSTICK_PEER, (i) => [String(i), String(PEERS), String(d), String(rounds)])
}

/** Issue 26's targets, as fractions of the yardstick's float64 rounds/s on the same d (by d and codec). */
const MESHGD_TARGETS: Record<string, number> = {
  '1000 float64': 0.25,
  '100000 float64': 0.5,
  '100000 uniform3-diff': 0.8,
}
const BASELINE_TARGET = 1 / 1.3

/** The programs of a row: meshgd, the bare baseline, and the baseline with Noise's cipher ('+cipher'). */
type Who = 'meshgd' | 'baseline' | '+cipher'

function targetOf(who: Who, d: number, codec: string): number | undefined {
  if (who === '+cipher') return undefined
  if (who === 'baseline') return codec === 'float64' ? BASELINE_TARGET : undefined
  return MESHGD_TARGETS[`${d} ${codec}`]
}

/** One row: a rate, its ratio to the yardstick, the target ratio and whether it is met, and the check against sim. */
function row(d: number, codec: string, who: Who, rate: number, yardstick: number, same: boolean): string {
  const ratio = rate / yardstick
  const target = targetOf(who, d, codec)
  const verdict = target === undefined ? '' : `${target.toFixed(2)}x ${ratio >= target ? 'met' : 'MISSED'}`
  return [
    d.toExponential().replace('+', '').padEnd(6),
    codec.padEnd(14),
    who.padEnd(9),
    rate.toFixed(1).padStart(9),
    ratio.toFixed(3).padStart(12),
    verdict.padEnd(13),
    same ? 'yes' : 'NO',
  ].join(' ')
}

/** The rows of one d: meshgd and the baseline in both codecs, against the yardstick run before and after them. */
async function compareAt(d: number, rounds: number): Promise<string[]> {
  const before = rounds / (await yardstickRing(d, rounds))
  const rows: Array<[string, Who, number, boolean]> = []
  for (const compression of [undefined, UNIFORM3]) {
    const codec = compression ? 'uniform3-diff' : 'float64'
    const ring = writeRingExperiment({ d, rounds, compression, run: { checkpoint_every: null } })
    const meshgd = await meshgdRing(ring)
    const baseline = await baselineRing(ring)
    const sealed = await baselineRing(ring, true)
    const sim = simulateRing(ring)
    rows.push([codec, 'meshgd', rounds / meshgd.seconds, sameAsSim(sim.params, meshgd.paramsDir)])
    rows.push([codec, '+cipher', rounds / sealed.seconds, sameAsSim(sim.params, sealed.paramsDir)])
    rows.push([codec, 'baseline', rounds / baseline.seconds, sameAsSim(sim.params, baseline.paramsDir)])
  }
  const after = rounds / (await yardstickRing(d, rounds))
  const yardstick = (before + after) / 2
  return [
    `${d.toExponential().replace('+', '').padEnd(6)} float64        yardstick ${yardstick.toFixed(1).padStart(9)}        1.000               (runs before and after: ${before.toFixed(1)}, ${after.toFixed(1)})`,
    ...rows.map(([codec, who, rate, same]) => row(d, codec, who, rate, yardstick, same)),
  ]
}

/**
 * `npm run bench swarm` (issue 26): on the same 8-peer ring, meshgd (libp2p), the bare baseline (meshgd's step and
 * codec over plain TCP), that baseline with Noise's cipher (`+cipher`: the floor of an encrypted transport) and the
 * plain-Node yardstick (bench/yardstick-peer.ts), at d = 1e3 (3000 rounds) and
 * d = 1e5 (200 rounds), float64 and uniform 3-bit difference mode; each rate as a ratio to the yardstick's float64
 * rate at that d, with the target. Checkpoints are off (the `checkpoints` bench prices them).
 */
export async function swarmVsBaseline(): Promise<{ name: string; lines: string[] }> {
  const lines = ['d      codec          who        rounds/s  / yardstick target        bit-identical to sim']
  for (const [d, rounds] of [
    [1_000, 3_000],
    [100_000, 200],
  ] as const) {
    lines.push(...(await compareAt(d, rounds)))
  }
  lines.push(
    'rounds/s: slowest peer, its own clock, round 0 to the end (start-up excluded); every process runs with ' +
      PEER_V8_FLAGS.join(' '),
  )
  return { name: 'swarm against a bare baseline and a plain-Node yardstick: 8-peer ring on loopback (elastic)', lines }
}
