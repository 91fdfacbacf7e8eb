/**
 * The mixing rate of src/theory/mixing.ts against independent computations: the closed-form spectra of circulant
 * round matrices (the Metropolis ring, the directed ring, the one-peer exponential graph), the left Perron vector
 * found by iterating gossip, and the mean-square contraction of random matchings measured over many rounds.
 */
import { describe, expect, it } from 'vitest'
import { mixingTheory } from '../../src/theory/mixing.js'
import { buildGraph } from '../../src/topology/index.js'
import type { TopologySpec } from '../../src/topology/types.js'

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

/** One-way chords with unequal in-degrees: W(t) = 1 / (1 + |in_i|) is row-stochastic only. */
const CHORDS: Array<[number, number]> = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
  [4, 5],
  [5, 0],
  [0, 3],
  [2, 5],
  [4, 1],
]

describe('row-stochastic mixing: gossip goes to a weighted mean', () => {
  it('reports the left Perron vector max/min ratio that iterating the dense W finds', () => {
    const n = 6
    const g = graph(n, { kind: 'edges', directed: true, edges: CHORDS })
    const into = Array.from({ length: n }, () => [] as number[])
    for (const [a, b] of CHORDS) into[b]!.push(a)
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
