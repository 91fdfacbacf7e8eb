/**
 * The 8-peer ring benchmarks: a meshgd swarm on loopback (runSwarm), the simulator on the same rounds, and, for
 * `npm run bench swarm` (issue 15 item 2, an honest floor in the same language), the bare baseline of
 * bench/baseline-peer.ts: 8 Node processes doing the same Eq. 14 step (000_... Eq. 14) with the same codec over plain
 * TCP. Both are clocked on the peers' own clocks from round 0 to the end, start-up excluded, slowest peer; both are
 * checked bit for bit against the simulator.
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
export async function meshgdRing(ring: RingFiles): Promise<{ seconds: number; summary: SwarmSummary; paramsDir: string }> {
  const out = join(ring.dir, 'net')
  const summary = await runSwarm({ file: ring.file, experiment: ring.input, baseDir: ring.dir, out, signal: new AbortController().signal, quiet: true })
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
  return params.every((w, i) => readFileSync(join(dir, `${i}.f64`)).equals(new Uint8Array(w.buffer, w.byteOffset, w.byteLength)))
}

/** The next line of a child's stdout as JSON; a child that ended without one is an error. */
async function nextJson<T>(lines: AsyncIterator<string>, what: string): Promise<T> {
  const line = await lines.next()
  if (line.done) throw new Error(`baseline peer ended without ${what}`)
  return JSON.parse(line.value as string) as T
}

/** The bare baseline: 8 processes, ports picked by the OS and handed round by this process; slowest peer's seconds. */
export async function baselineRing(ring: RingFiles): Promise<{ seconds: number; paramsDir: string }> {
  const paramsDir = join(ring.dir, 'baseline')
  mkdirSync(paramsDir)
  const children: ChildProcess[] = Array.from({ length: PEERS }, (_, i) =>
    spawn(process.execPath, [...PEER_V8_FLAGS, BASELINE_PEER, String(i), ring.file, paramsDir], { stdio: ['pipe', 'pipe', 'inherit'] }),
  )
  const exited = children.map((c) => once(c, 'exit'))
  const timer = setTimeout(() => children.forEach((c) => c.kill()), BASELINE_TIMEOUT_MS)
  try {
    const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]())
    const ports = await Promise.all(lines.map(async (l) => (await nextJson<{ port: number }>(l, 'a port')).port))
    for (const c of children) c.stdin!.end(JSON.stringify(ports) + '\n')
    const results = await Promise.all(lines.map((l) => nextJson<{ seconds: number }>(l, 'a result')))
    await Promise.all(exited)
    return { seconds: Math.max(...results.map((r) => r.seconds)), paramsDir }
  } finally {
    clearTimeout(timer)
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill()
  }
}

/** One row of the table: meshgd and the baseline on one ring, each checked against the simulator. */
async function compareOn(spec: RingSpec): Promise<string> {
  const ring = writeRingExperiment(spec)
  const meshgd = await meshgdRing(ring)
  const baseline = await baselineRing(ring)
  const sim = simulateRing(ring)
  const yes = (dir: string): string => (sameAsSim(sim.params, dir) ? 'yes' : 'NO')
  const meshgdRate = spec.rounds / meshgd.seconds
  const baselineRate = spec.rounds / baseline.seconds
  return [
    spec.d.toExponential().replace('+', '').padEnd(6),
    String(spec.rounds).padStart(6),
    (spec.compression ? 'uniform3-diff' : 'float64').padEnd(14),
    meshgdRate.toFixed(1).padStart(10),
    baselineRate.toFixed(1).padStart(12),
    (meshgdRate / baselineRate).toFixed(3).padStart(15),
    `  ${yes(meshgd.paramsDir)}, ${yes(baseline.paramsDir)}`,
  ].join(' ')
}

/**
 * `npm run bench swarm`: meshgd against the bare baseline on the same 8-peer ring, d = 1e3 (1000 rounds) and
 * d = 1e5 (100 rounds), float64 and uniform 3-bit difference mode. Checkpoints are off on both sides (the
 * `checkpoints` bench prices them), so the ratio is the cost of the runtime and libp2p alone.
 */
export async function swarmVsBaseline(): Promise<{ name: string; lines: string[] }> {
  const lines = ['d      rounds codec          meshgd r/s baseline r/s meshgd/baseline  bit-identical to sim (meshgd, baseline)']
  for (const [d, rounds] of [
    [1_000, 1_000],
    [100_000, 100],
  ] as const) {
    for (const compression of [undefined, UNIFORM3]) {
      lines.push(await compareOn({ d, rounds, compression, run: { checkpoint_every: null } }))
    }
  }
  lines.push('rounds/s: slowest peer, its own clock, round 0 to the end (start-up excluded); meshgd peers and baseline peers both run with ' + PEER_V8_FLAGS.join(' '))
  return { name: 'swarm vs a bare baseline: 8-peer ring on loopback, meshgd (libp2p) against plain node:net TCP, same step and codec (elastic)', lines }
}
