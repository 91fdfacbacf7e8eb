/**
 * `npm run bench theory`: `meshgd theory` as a user runs it (a process of its own) on the sizes issue 16 names,
 * against its targets: a 64-peer ring at d = 1,000,000 with one sample per peer (2 s), 5 peers at d = 2,000 (0.5 s),
 * and the 8-peer d = 1,024 compression case. Then, in this process, where the time goes: resolving the experiment,
 * the Gram matrix of the peers' samples (bit for bit what the peers draw), and the theory itself.
 */
import { dataProblem } from '../src/problems/index.js'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { experimentFrom } from '../src/config/load.js'
import { resolveExperiment } from '../src/exchange/resolve.js'
import { seedPlantedGram } from '../src/cli/gram-threads.js'
import { prepareGraphTheory, theoryReport } from '../src/theory/predict.js'
import { sampleGram } from '../src/theory/sample-gram.js'
import { Rng } from '../src/util/rng.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meshgd.js')

interface TheoryCase {
  label: string
  targetS: number | null
  body: Record<string, unknown>
}

const CASES: TheoryCase[] = [
  { label: '64-peer ring, d = 1,000,000, 1 sample each', targetS: 2, body: ring(64, 1_000_000, {}) },
  { label: '5-peer ring, d = 2,000, 1 sample each', targetS: 0.5, body: ring(5, 2000, {}) },
  {
    label: '8-peer ring, d = 1,024, qsgd 16 levels',
    targetS: null,
    body: ring(8, 1024, { compression: { kind: 'qsgd', levels: 16 } }),
  },
]

function ring(n: number, dim: number, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    swarm: { id: `theory-${n}-${dim}`, peers: n },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim, samples_per_peer: 1, seed: 1 },
    algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
    run: { rounds: 100 },
    ...extra,
  }
}

/** Wall time of `meshgd theory FILE --json` as a process, and the method it reports. */
async function wholeCommand(file: string): Promise<{ seconds: number; method: string }> {
  const started = performance.now()
  const child = spawn(process.execPath, [BIN, 'theory', file, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  await new Promise((done) => child.once('exit', done))
  const seconds = (performance.now() - started) / 1000
  const method = /"method":\s*"([^"]+)"/.exec(out)?.[1] ?? 'none'
  return { seconds, method }
}

/**
 * In this process: resolving the experiment (graph, and the problem, whose shards are drawn only when read), the
 * Gram matrix of the samples (drawn in worker threads where gram-threads.ts applies, else formed from the shards in
 * this thread), and the theory from it.
 */
async function split(
  body: Record<string, unknown>,
): Promise<{ resolveS: number; gramS: number; threads: boolean; theoryS: number }> {
  const t0 = performance.now()
  const resolved = resolveExperiment(experimentFrom(body), '.')
  const t1 = performance.now()
  const threads = await seedPlantedGram(resolved, { whileDrawing: () => prepareGraphTheory(resolved.graph) })
  if (!threads) sampleGram(dataProblem(resolved.problem).shards)
  const t2 = performance.now()
  theoryReport(resolved)
  const seconds = (a: number, b: number): number => (b - a) / 1000
  return { resolveS: seconds(t0, t1), gramS: seconds(t1, t2), threads, theoryS: seconds(t2, performance.now()) }
}

/**
 * The yardstick of the largest case, in this process: its 64 million planted features drawn on one core into a
 * reused buffer and nothing else (the arithmetic the theory cannot skip: it must see the peers' own samples). The
 * whole command against it is a ratio that holds on a machine whose speed changes from minute to minute.
 */
function drawingOnOneCore(peers: number, dim: number): number {
  const buffer = new Float64Array(dim)
  const t0 = performance.now()
  for (let i = 0; i < peers; i++) Rng.derive(1, i, 'planted:x').fillGaussian(buffer)
  return (performance.now() - t0) / 1000
}

export async function theoryBench(): Promise<{ name: string; lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgd-bench-theory-'))
  const lines: string[] = []
  for (const [k, c] of CASES.entries()) {
    const file = join(dir, `case-${k}.json`)
    writeFileSync(file, JSON.stringify(c.body))
    const whole = await wholeCommand(file)
    const parts = await split(c.body)
    const target = c.targetS === null ? '' : ` (${(whole.seconds / c.targetS).toFixed(2)} of the ${c.targetS} s target)`
    lines.push(
      `${c.label.padEnd(42)} ${whole.seconds.toFixed(2)} s${target}, method ${whole.method}; in-process: resolve ${parts.resolveS.toFixed(2)} s, Gram ${parts.gramS.toFixed(2)} s (${parts.threads ? `${availableParallelism()} threads` : 'this thread'}), theory ${parts.theoryS.toFixed(2)} s`,
    )
    if (k === 0) {
      const yardstick = drawingOnOneCore(64, 1_000_000)
      lines.push(
        `${''.padEnd(42)} yardstick: its features drawn on one core, nothing else, ${yardstick.toFixed(2)} s; whole command / yardstick ${(whole.seconds / yardstick).toFixed(2)}`,
      )
    }
  }
  return { name: 'meshgd theory: whole command against issue 16 targets, and the data/theory split', lines }
}
