/**
 * The mixing rate of src/theory/mixing.ts against independent computations: the closed-form spectra of circulant
 * round matrices (the Metropolis ring, the directed ring, the one-peer exponential graph), the left Perron vector
 * found by iterating gossip, the mean-square contraction of random matchings measured over many rounds; and the rate
 * a simulated plain-gossip run (dsgd or push-sum with eta 0) measures against the rate predicted for it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { printTheory } from '../../src/cli/output.js'
import { experimentFrom } from '../../src/config/load.js'
import { runReference } from '../../src/exchange/reference.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { measuredRate, simulate } from '../../src/sim/engine.js'
import { mixingTheory } from '../../src/theory/mixing.js'
import { predictRate, theoryReport, whyNoPrediction } from '../../src/theory/predict.js'
import { buildGraph } from '../../src/topology/index.js'
import type { TopologySpec } from '../../src/topology/types.js'
import { DIRECTED_CHORDS } from '../helpers/graphs.js'

const graph = (n: number, spec: Partial<TopologySpec> & Pick<TopologySpec, 'kind'>) =>
  buildGraph({ seed: 1, weights: { kind: 'unit' }, ...spec }, n)

/** max over k = 1..n-1 of |f(k)|: the second eigenvalue modulus of a circulant matrix with eigenvalues f(k). */
const secondModulus = (n: number, f: (k: number) => number): number =>
  Math.max(...Array.from({ length: n - 1 }, (_, k) => Math.abs(f(k + 1))))

describe('mixing rate of one period (closed forms)', () => {
  it('ring, Metropolis weights 1/3: eigenvalues 1/3 + 2/3 cos(2 pi k / n)', () => {
    for (const n of [5, 10, 16]) {
      const m = mixingTheory(graph(n, { kind: 'ring' }), 'mixing')
      const expected = secondModulus(n, (k) => 1 / 3 + (2 / 3) * Math.cos((2 * Math.PI * k) / n))
      expect(m.period).toBe(1)
      expect(m.contraction).toBeCloseTo(expected, 12)
      expect(m.rate_per_round).toBeCloseTo(expected, 12)
      expect(m.exact_after).toBeNull()
      expect(m.doubly_stochastic).toBe(true)
      expect(m.limit_weight_ratio).toBeNull()
    }
  })

  it('one-peer exponential, n = 8 and 16: the average is exact after log2 n rounds (Ying et al. 2021)', () => {
    for (const n of [8, 16]) {
      for (const weights of ['mixing', 'push'] as const) {
        const m = mixingTheory(graph(n, { kind: 'one-peer-exponential' }), weights)
        expect(m.period).toBe(Math.log2(n))
        expect(m.exact_after).toBe(Math.log2(n))
        expect(m.contraction).toBeLessThan(1e-12)
        expect(m.doubly_stochastic).toBe(true)
      }
    }
  })

  it('one-peer exponential, n = 12: prod_k (1 + w^(j 2^k)) / 2 over 4 rounds, not exact', () => {
    // each round is (I + S^(2^k)) / 2, S the cyclic shift: circulant, eigenvalue (1 + e^(2 pi i j 2^k / n)) / 2,
    // of modulus |cos(pi j 2^k / n)|
    const n = 12
    const expected = secondModulus(n, (j) => [1, 2, 4, 8].reduce((p, s) => p * Math.cos((Math.PI * j * s) / n), 1))
    const m = mixingTheory(graph(n, { kind: 'one-peer-exponential' }), 'mixing')
    expect(m.period).toBe(4)
    expect(m.exact_after).toBeNull()
    expect(m.contraction).toBeCloseTo(expected, 12)
    expect(m.rate_per_round).toBeCloseTo(expected ** (1 / 4), 12)
    expect(expected).toBeGreaterThan(0.2)
  })

  it('directed ring, weights 1/2: eigenvalues 1/2 + 1/2 e^(2 pi i k / n), contraction cos(pi / n)', () => {
    for (const n of [5, 8, 13]) {
      for (const weights of ['mixing', 'push'] as const) {
        const m = mixingTheory(graph(n, { kind: 'directed-ring' }), weights)
        expect(m.contraction).toBeCloseTo(Math.cos(Math.PI / n), 12)
        expect(m.doubly_stochastic).toBe(true)
      }
    }
  })

  it('a single peer, and too many peers: no decomposition', () => {
    expect(mixingTheory(graph(1, { kind: 'complete' }), 'mixing').contraction).toBe(0)
    const big = mixingTheory(graph(40, { kind: 'ring' }), 'mixing', { peerLimit: 32 })
    expect(big.contraction).toBeNull()
    expect(big.note).toMatch(/up to 32 peers/)
  })
})

describe('row-stochastic mixing: gossip goes to a weighted mean', () => {
  it('reports the left Perron vector max/min ratio that iterating the dense W finds', () => {
    const n = 6
    const g = graph(n, { kind: 'edges', directed: true, edges: DIRECTED_CHORDS })
    const into = Array.from({ length: n }, () => [] as number[])
    for (const [a, b] of DIRECTED_CHORDS) into[b]!.push(a)
    const W = into.map((from, i) =>
      Array.from({ length: n }, (_, j) => (j === i || from.includes(j) ? 1 / (1 + from.length) : 0)),
    )
    // pi^T <- pi^T W converges to the left Perron vector
    let pi = new Array<number>(n).fill(1 / n)
    for (let t = 0; t < 2000; t++) pi = pi.map((_, j) => pi.reduce((s, p, i) => s + p * W[i]![j]!, 0))
    const m = mixingTheory(g, 'mixing')
    expect(m.doubly_stochastic).toBe(false)
    expect(m.limit_weight_ratio).toBeCloseTo(Math.max(...pi) / Math.min(...pi), 10)
    expect(m.limit_weight_ratio).toBeGreaterThan(1.01)
    expect(m.note).toMatch(/weighted mean/)
    // the push shares of the same graph: column-stochastic, rows not; push-sum corrects by its weights
    const push = mixingTheory(g, 'push')
    expect(push.doubly_stochastic).toBe(false)
    expect(push.limit_weight_ratio).toBeNull()
  })
})

describe('random matching: the mean-square rate (Boyd, Ghosh, Prabhakar & Shah 2006)', () => {
  it('equals the square root of the mean contraction of |e|^2 over many rounds of the drawn matchings', () => {
    const n = 10
    const g = graph(n, { kind: 'random-matching', seed: 5 })
    const e = Array.from({ length: n }, (_, i) => Math.sin(1 + 3 * i))
    const mean = e.reduce((s, x) => s + x, 0) / n
    const centred = e.map((x) => x - mean)
    const norm2 = centred.reduce((s, x) => s + x * x, 0)
    let sum = 0
    const rounds = 4000
    for (let t = 0; t < rounds; t++) {
      const partner = g.dynamics!.at(t).out.map((targets) => targets[0]!)
      sum += centred.reduce((s, x, i) => s + ((x + centred[partner[i]!]!) / 2) ** 2, 0) / norm2
    }
    const m = mixingTheory(g, 'mixing')
    expect(m.period).toBeNull()
    expect(m.contraction).toBeNull()
    expect(Math.abs(m.mean_square_rate! ** 2 - sum / rounds)).toBeLessThan(0.02)
  })
})

function plainGossip(peers: number, topology: Record<string, unknown>, kind: 'dsgd' | 'push-sum', rounds: number) {
  const resolved = resolveExperiment(
    experimentFrom({
      swarm: { peers },
      topology,
      problem: { kind: 'planted', loss: 'squared', dim: 4, samples_per_peer: 2, seed: 3 },
      algorithm: { kind, eta: 0 },
      run: { rounds, init: 'gaussian' },
    }),
    '.',
  )
  const reference = runReference(resolved)!
  const result = simulate({ ...resolved, reference: reference.w, messageBytes: () => 0 })
  const refNorm = Math.hypot(...reference.w)
  return { resolved, measured: measuredRate(result.maxErrorHistory, refNorm), predicted: predictRate(resolved) }
}

describe('plain gossip: the measured rate is the predicted mixing rate', () => {
  const cases: Array<[string, number, Record<string, unknown>, 'dsgd' | 'push-sum', number]> = [
    ['dsgd on a ring of 16', 16, { kind: 'ring' }, 'dsgd', 300],
    ['dsgd on the exponential graph of 16', 16, { kind: 'exponential' }, 'dsgd', 40],
    ['dsgd on the one-peer exponential graph of 12 (period 4)', 12, { kind: 'one-peer-exponential' }, 'dsgd', 64],
    ['push-sum on directed chords', 6, { kind: 'edges', directed: true, edges: DIRECTED_CHORDS }, 'push-sum', 150],
  ]
  // a changing graph's error is measured over whole periods (rounds / 2 to rounds, both multiples of the period):
  // within a period it does not shrink by the same factor every round
  for (const [name, peers, topology, kind, rounds] of cases) {
    it(name, () => {
      const { measured, predicted } = plainGossip(peers, topology, kind, rounds)
      expect(predicted?.method).toBe('mixing')
      const gap = Math.abs(1 - measured! - (1 - predicted!.rate)) / (1 - predicted!.rate)
      expect(gap, `measured ${measured}, predicted ${predicted!.rate}`).toBeLessThan(0.03)
    })
  }

  it('predicts nothing where gossip does not go to the mean, or steps', () => {
    const chords = plainGossip(6, { kind: 'edges', directed: true, edges: DIRECTED_CHORDS }, 'dsgd', 1)
    expect(chords.predicted).toBeNull()
    const { experiment, problem, graph: g } = chords.resolved
    expect(whyNoPrediction(experiment, problem, g)).toMatch(/weighted mean/)
    const stepping = { ...experiment, algorithm: { ...experiment.algorithm, eta: 0.1 } }
    expect(whyNoPrediction(stepping, problem, g)).toMatch(/consensus part/)
  })
})

describe('meshgd theory: the mixing section', () => {
  afterEach(() => vi.restoreAllMocks())

  it('is in the report and in the printed text', () => {
    const resolved = resolveExperiment(
      experimentFrom({
        swarm: { peers: 8 },
        topology: { kind: 'one-peer-exponential' },
        problem: { kind: 'planted', loss: 'squared', dim: 4, samples_per_peer: 2, seed: 3 },
        algorithm: { kind: 'gradient-tracking', eta: 0.1 },
      }),
      '.',
    )
    const report = theoryReport(resolved)
    expect(report.mixing).toMatchObject({ weights: 'mixing', period: 3, exact_after: 3, doubly_stochastic: true })
    expect(report.note).toMatch(/consensus part/)
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    printTheory(report)
    const text = log.mock.calls.map((c) => String(c[0])).join('\n')
    expect(text).toMatch(/^mixing {12}W\(t\) row-stochastic, period 3 rounds: exact average after 3 rounds/m)
    expect(text).toContain('doubly stochastic: yes')
  })
})
