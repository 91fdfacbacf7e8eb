/**
 * `npm run bench`: performance figures, reported as ratios measured in one run (the machines are shared and
 * noisy; no test depends on timing). Add a benchmark by adding an entry to BENCHES.
 */
import { performance } from 'node:perf_hooks'
import { experimentFrom } from '../src/config/load.js'
import { resolveExperiment } from '../src/config/resolve.js'
import { simulate } from '../src/sim/engine.js'

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
      for (let k = 0; k < d; k++) o[k] = w[k]! - 0.5 * w[k]! + 0.2 * ((l[k]! - w[k]!) + (r[k]! - w[k]!))
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

const BENCHES: Array<() => BenchResult> = [simRing]

for (const bench of BENCHES) {
  const { name, lines } = bench()
  console.log(`\n## ${name}\n`)
  for (const line of lines) console.log(`    ${line}`)
}
