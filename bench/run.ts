/**
 * `npm run bench`: performance figures, reported as ratios measured in one run (the machines are shared and
 * noisy; no test depends on timing). Add a benchmark by adding an entry to BENCHES.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { decodeVector, encodeVector, type VectorCodec } from '../src/codec/index.js'
import { runSwarm } from '../src/swarm/local.js'
import { Rng } from '../src/util/rng.js'
import { experimentFrom } from '../src/config/load.js'
import { resolveExperiment } from '../src/exchange/resolve.js'
import { simulate } from '../src/sim/engine.js'
import { childProcesses, sampleMemory } from '../src/observe/proc-memory.js'
import { meshgdRing, simulateRing, swarmVsBaseline, writeRingExperiment } from './swarm-bench.js'
import { memoryOverTime } from './memory-bench.js'
import { theoryBench } from './theory-bench.js'
import { mlpBench } from './mlp-bench.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meshgd.js')

interface BenchResult {
  name: string
  lines: string[]
}

/** A bare pass of the same arithmetic shape as one round (read three vectors, write one), as the yardstick. */
function bareRoundMs(n: number, d: number, rounds: number): number {
  const a = Array.from({ length: n }, () => new Float64Array(d).fill(1))
  const b = Array.from({ length: n }, () => new Float64Array(d))
  const t0 = performance.now()
  for (let t = 0; t < rounds; t++) {
    for (let i = 0; i < n; i++) {
      const w = a[i]!
      const l = a[(i + n - 1) % n]!
      const r = a[(i + 1) % n]!
      const o = b[i]!
      for (let k = 0; k < d; k++) o[k] = w[k]! - 0.5 * w[k]! + 0.2 * (l[k]! - w[k]! + (r[k]! - w[k]!))
    }
  }
  return (performance.now() - t0) / rounds
}

function simRing(): BenchResult {
  const n = 64
  const d = 1000
  const rounds = 10_000
  const input = experimentFrom({
    swarm: { peers: n },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: d, samples_per_peer: 1, seed: 1 },
    algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
    run: { rounds, record_every: rounds },
  })
  const { experiment: exp, graph, problem } = resolveExperiment(input, '.')
  const t0 = performance.now()
  const result = simulate({ experiment: exp, graph, problem, reference: null, messageBytes: () => 8 * d + 40 })
  const ms = performance.now() - t0
  const bare = bareRoundMs(n, d, 2000)
  return {
    name: `simulator: ${n}-peer ring, d = ${d}, ${rounds} rounds (elastic, full gradient, 1 sample per peer)`,
    lines: [
      `wall time                 ${(ms / 1000).toFixed(2)} s (${result.rounds} rounds)`,
      `rounds per second         ${((1000 * result.rounds) / ms).toFixed(0)}`,
      `ns per peer-coordinate    ${((1e6 * ms) / (result.rounds * n * d)).toFixed(2)}`,
      `round / bare update pass  ${(ms / result.rounds / bare).toFixed(2)}x (a bare pass: ${bare.toFixed(3)} ms)`,
    ],
  }
}

/** An 8-peer ring as real processes on loopback, against the simulator on the same rounds. */
async function swarmRing(
  d: number,
  rounds: number,
  compression?: Record<string, unknown>,
  run: Record<string, unknown> = {},
): Promise<BenchResult & { seconds: number }> {
  const ring = writeRingExperiment({ d, rounds, compression, run })
  const { seconds, summary } = await meshgdRing(ring)
  const payload = rounds * 8 * 2 * 8 * d
  const sim = simulateRing(ring)
  return {
    seconds,
    name: `swarm: 8-peer ring on loopback TCP, d = ${d}, ${rounds} rounds (elastic, ${compression ? JSON.stringify(compression) : 'float64'})`,
    lines: [
      `rounds per second          ${(rounds / seconds).toFixed(1)} (slowest peer, start-up excluded; whole run ${summary.wall_s.toFixed(1)} s)`,
      `wire bytes / float64 payload ${(summary.bytes_sent / payload).toFixed(4)} (${summary.bytes_sent} / ${payload})`,
      `simulator, same rounds     ${(rounds / sim.seconds).toFixed(1)} rounds per second`,
      `swarm time / sim time      ${(seconds / sim.seconds).toFixed(1)}x`,
    ],
  }
}

/** What checkpoints cost a swarm: the same ring with a checkpoint every 10 rounds and with none. */
async function checkpointCost(): Promise<BenchResult> {
  const d = 100_000
  const rounds = 200
  const none = await swarmRing(d, rounds, undefined, { checkpoint_every: null })
  const every = await swarmRing(d, rounds, undefined, { checkpoint_every: 10 })
  return {
    name: `checkpoints: 8-peer ring, d = ${d}, ${rounds} rounds, a checkpoint (${(8 * d) / 1e6} MB, fsync) every 10 rounds vs none`,
    lines: [
      `round time with / without  ${(every.seconds / none.seconds).toFixed(3)}x (${((1000 * every.seconds) / rounds).toFixed(1)} ms vs ${((1000 * none.seconds) / rounds).toFixed(1)} ms per round)`,
    ],
  }
}

/**
 * When every peer had started its rounds, and when the last one finished, in ms on this process's clock: a peer's
 * own clock starts with its process, so its records' `t_ms` are placed by its end (the mtime of its info.json,
 * written last) less its `wall_s`.
 */
function swarmTimeline(out: string, n: number): { allStarted: number; allDone: number } {
  let allStarted = 0
  let allDone = 0
  const offset = Date.now() - performance.now()
  for (let i = 0; i < n; i++) {
    const dir = join(out, 'peers', String(i))
    const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as { wall_s: number }
    const start = statSync(join(dir, 'info.json')).mtimeMs - offset - 1000 * info.wall_s
    const recs = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t_ms: number })
    allStarted = Math.max(allStarted, start + recs[0]!.t_ms)
    allDone = Math.max(allDone, start + recs.at(-1)!.t_ms)
  }
  return { allStarted, allDone }
}

/**
 * Swarms of 16, 32 and 64 peer processes on a torus (d = 256, 300 rounds) through `meshgd swarm`: start-up time
 * (launch to the moment the last peer starts its rounds), rounds per second, memory per peer (from /proc), and whether the
 * parameters equal the simulator's bit for bit.
 */
async function swarmScale(): Promise<BenchResult> {
  const lines: string[] = []
  for (const n of [16, 32, 64]) {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-bench-'))
    const body = {
      swarm: { id: `scale${n}`, peers: n },
      topology: { kind: 'torus' },
      problem: { kind: 'planted', loss: 'squared', dim: 256, samples_per_peer: 1, seed: 1 },
      algorithm: { kind: 'elastic', eta: 1, mu: 0.1 },
      run: { rounds: 300, record_every: 300, target: null, checkpoint_every: null },
    }
    const file = join(dir, 'scale.json')
    writeFileSync(file, JSON.stringify(body))
    const input = experimentFrom(body)
    const sampler = sampleMemory(() => childProcesses(process.pid, / node .*--index /), 10_000)
    const launched = performance.now()
    await runSwarm({
      file,
      experiment: input,
      baseDir: dir,
      out: join(dir, 'net'),
      signal: new AbortController().signal,
      quiet: true,
    })
    const samples = sampler.stop()
    const { allStarted, allDone } = swarmTimeline(join(dir, 'net'), n)
    const { experiment, graph, problem } = resolveExperiment(input, dir)
    const sim = simulate({ experiment, graph, problem, reference: null, messageBytes: () => 0 })
    const equal = sim.params.every((w, i) =>
      Buffer.from(readFileSync(join(dir, 'net', 'params', `${i}.f64`))).equals(
        Buffer.from(w.buffer, w.byteOffset, w.byteLength),
      ),
    )
    const median = (key: 'pssKb' | 'rssKb' | 'anonKb'): string => {
      const v = samples.map((m) => m[key]).sort((a, b) => a - b)
      return (v[Math.floor(v.length / 2)]! / 1024).toFixed(0)
    }
    lines.push(
      `${String(n).padStart(2)} peers: start-up ${((allStarted - launched) / 1000).toFixed(1)} s (launch to the last peer's round 0), ${((1000 * 300) / (allDone - allStarted)).toFixed(1)} rounds/s after it, per peer Pss ${median('pssKb')} MB (RssAnon ${median('anonKb')} MB, VmRSS ${median('rssKb')} MB; medians of ${samples.length} samples), bit-identical to sim: ${equal ? 'yes' : 'NO'}`,
    )
  }
  return {
    name: 'swarm at scale: 16, 32 and 64 peer processes on a torus, d = 256, 300 rounds (elastic, float64)',
    lines,
  }
}

/**
 * `meshgd sim` of 1,000 peers at d = 1,000, as a user runs it (a process of its own, no theory): rounds per second
 * of the round loop (from its summary) and the process's peak resident memory (sampled from /proc).
 */
async function simThousand(): Promise<BenchResult> {
  const lines: string[] = []
  for (const topology of [{ kind: 'ring' }, { kind: 'random-regular', degree: 4, seed: 1 }]) {
    const rounds = 200
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-bench-'))
    const file = join(dir, 'sim1000.json')
    writeFileSync(
      file,
      JSON.stringify({
        swarm: { id: 'sim1000', peers: 1000 },
        topology,
        problem: { kind: 'planted', loss: 'squared', dim: 1000, samples_per_peer: 1, seed: 1 },
        algorithm: { kind: 'elastic', eta: 1, mu: 0.1 },
        run: { rounds, record_every: 50, target: null },
        output: { params: false },
      }),
    )
    const child = spawn(process.execPath, [BIN, 'sim', file, '--out', join(dir, 'out'), '--quiet', '--no-theory'], {
      stdio: 'ignore',
    })
    const sampler = sampleMemory(() => [child.pid!], 100)
    const started = performance.now()
    await new Promise((done) => child.once('exit', done))
    const whole = (performance.now() - started) / 1000
    const peakMb = Math.max(...sampler.stop().map((m) => m.rssKb)) / 1024
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { wall_s: number }
    lines.push(
      `${topology.kind.padEnd(15)} ${(rounds / summary.wall_s).toFixed(1)} rounds/s (${((1e9 * summary.wall_s) / (rounds * 1000 * 1000)).toFixed(2)} ns per peer-coordinate), whole command ${whole.toFixed(1)} s, peak resident memory ${peakMb.toFixed(0)} MB`,
    )
  }
  return { name: 'meshgd sim: 1,000 peers, d = 1,000, 200 rounds (elastic, one sample each, --no-theory)', lines }
}

/**
 * The README's first commands as a new user runs them (its "A first experiment" block, parsed out of README.md),
 * each a process of its own from a folder where topology/ is the project's: wall time against the 5 s promise.
 */
async function readmeFirst(): Promise<BenchResult> {
  const { readmeCommands } = await import('../test/docs/readme-commands.js')
  const { symlinkSync } = await import('node:fs')
  const dir = mkdtempSync(join(tmpdir(), 'meshgd-bench-readme-'))
  symlinkSync(join(import.meta.dirname, '..', '..', 'topology'), join(dir, 'topology'))
  const lines: string[] = []
  for (const c of readmeCommands(join(import.meta.dirname, '..', '..', 'README.md')).filter(
    (x) => x.section === 'A first experiment',
  )) {
    const started = performance.now()
    const code = await new Promise<number | null>((done) =>
      spawn(process.execPath, [BIN, ...c.args], { cwd: dir, stdio: 'ignore' }).once('exit', done),
    )
    const s = (performance.now() - started) / 1000
    lines.push(
      `${s.toFixed(2)} s (${(s / 5).toFixed(2)} of the 5 s promise), exit ${code}: npx meshgd ${c.args.join(' ')}`,
    )
  }
  return { name: 'README "A first experiment": each command, whole process', lines }
}

/** Encode and decode throughput of each codec, in GB/s of float64 input. */
function codecThroughput(): BenchResult {
  const lines: string[] = []
  const codecs: VectorCodec[] = [
    { codec: 'f64' },
    { codec: 'f32' },
    { codec: 'qsgd', levels: 16 },
    { codec: 'uniform', bits: 3 },
  ]
  for (const d of [1_000, 100_000, 1_000_000]) {
    const v = Float64Array.from({ length: d }, (_, k) => Math.sin(k))
    const out = new Float64Array(d)
    const rng = Rng.derive(1, 0, 'bench')
    for (const codec of codecs) {
      const reps = Math.max(3, Math.round(2e7 / d))
      let payload = encodeVector(codec, v, rng)
      let t0 = performance.now()
      for (let r = 0; r < reps; r++) payload = encodeVector(codec, v, rng)
      const enc = (performance.now() - t0) / reps
      t0 = performance.now()
      for (let r = 0; r < reps; r++) decodeVector(codec, payload, d, out)
      const dec = (performance.now() - t0) / reps
      const gb = (8 * d) / 1e9
      lines.push(
        `d = ${String(d).padEnd(9)} ${codec.codec.padEnd(8)} encode ${(gb / (enc / 1000)).toFixed(2)} GB/s, decode ${(gb / (dec / 1000)).toFixed(2)} GB/s, ${(payload.length / (8 * d)).toFixed(4)} of float64 size`,
      )
    }
  }
  return { name: 'codecs: encode and decode throughput (GB/s of float64 input)', lines }
}

const only = process.argv[2]
const ALL: Record<string, () => BenchResult | Promise<BenchResult>> = {
  sim: simRing,
  codecs: codecThroughput,
  'swarm-1e3': () => swarmRing(1000, 1000),
  'swarm-1e5': () => swarmRing(100_000, 100),
  'swarm-1e5-uniform3': () => swarmRing(100_000, 100, { kind: 'uniform', bits: 3, mode: 'difference' }),
  swarm: swarmVsBaseline,
  checkpoints: checkpointCost,
  scale: swarmScale,
  'sim-1000': simThousand,
  readme: readmeFirst,
  theory: theoryBench,
  memory: memoryOverTime,
  mlp: mlpBench,
}
/** Run only when named: they take many minutes by design. */
const LONG = new Set(['memory'])
const BENCHES = Object.entries(ALL)
  .filter(([name]) => (only ? name === only : !LONG.has(name)))
  .map(([, bench]) => bench)

for (const bench of BENCHES) {
  const { name, lines } = await bench()
  console.log(`\n## ${name}\n`)
  for (const line of lines) console.log(`    ${line}`)
}
