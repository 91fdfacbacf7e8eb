import { EigenvalueDecomposition } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import {
  buildGraph,
  degreeStats,
  laplacian,
  laplacianApply,
  metropolisWeights,
  mixingMatrix,
  spectralFacts,
  TopologyError,
  type Graph,
  type TopologySpec,
} from '../../src/topology/index.js'
import { thrownBy } from '../helpers/errors.js'

const spec = (kind: TopologySpec['kind'], extra: Partial<TopologySpec> = {}): TopologySpec => ({
  kind,
  seed: 1,
  weights: { kind: 'unit' },
  ...extra,
})
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)

function expectSpectrum(g: Graph, expected: number[]): void {
  const got = spectralFacts(g).laplacianEigenvalues
  const want = sorted(expected)
  expect(got).toHaveLength(want.length)
  got.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-9))
}

const errorOf = (fn: () => unknown): TopologyError => thrownBy(fn, TopologyError)

describe('graph builders', () => {
  it('ring, path, complete, star, hypercube, grid and torus have their closed-form Laplacian spectra', () => {
    const n = 9
    expectSpectrum(
      buildGraph(spec('ring'), n),
      Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos((2 * Math.PI * k) / n)),
    )
    expectSpectrum(
      buildGraph(spec('path'), n),
      Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos((Math.PI * k) / n)),
    )
    expectSpectrum(buildGraph(spec('complete'), n), [0, ...new Array<number>(n - 1).fill(n)])
    expectSpectrum(buildGraph(spec('star'), n), [0, ...new Array<number>(n - 2).fill(1), n])
    // hypercube of dimension 4: eigenvalue 2k with multiplicity C(4, k)
    expectSpectrum(buildGraph(spec('hypercube'), 16), [0, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 8])
    const path = (m: number): number[] => Array.from({ length: m }, (_, k) => 2 - 2 * Math.cos((Math.PI * k) / m))
    const ring = (m: number): number[] => Array.from({ length: m }, (_, k) => 2 - 2 * Math.cos((2 * Math.PI * k) / m))
    const sums = (a: number[], b: number[]): number[] => a.flatMap((x) => b.map((y) => x + y))
    expectSpectrum(buildGraph(spec('grid', { rows: 3, cols: 4 }), 12), sums(path(3), path(4)))
    expectSpectrum(buildGraph(spec('torus', { rows: 3, cols: 5 }), 15), sums(ring(3), ring(5)))
  })

  it('exponential graphs join i to i + 2^k', () => {
    const g = buildGraph(spec('exponential'), 8)
    expect(g.neighbours[0]).toEqual([1, 2, 4, 6, 7])
    expect(degreeStats(g)).toEqual({ min: 5, max: 5, mean: 5 })
  })

  it('random-regular graphs are simple, regular, connected and seeded', () => {
    const a = buildGraph(spec('random-regular', { degree: 3 }), 20)
    expect(degreeStats(a)).toEqual({ min: 3, max: 3, mean: 3 })
    for (const [i, ns] of a.neighbours.entries()) {
      expect(ns).not.toContain(i)
      expect(new Set(ns).size).toBe(ns.length)
    }
    expect(buildGraph(spec('random-regular', { degree: 3 }), 20).edges).toEqual(a.edges)
    expect(buildGraph(spec('random-regular', { degree: 3, seed: 2 }), 20).edges).not.toEqual(a.edges)
    expect(errorOf(() => buildGraph(spec('random-regular', { degree: 3 }), 7)).message).toMatch(
      /^topology.degree: .*peers=7, degree=3/,
    )
  })

  it('small-world with beta = 0 is the ring lattice; barabasi-albert has the expected edge count', () => {
    const sw = buildGraph(spec('small-world', { k: 4, beta: 0 }), 12)
    expect(sw.neighbours[0]).toEqual([1, 2, 10, 11])
    expect(degreeStats(sw)).toEqual({ min: 4, max: 4, mean: 4 })
    const rewired = buildGraph(spec('small-world', { k: 4, beta: 0.3, seed: 4 }), 30)
    expect(rewired.edges).toHaveLength(60)
    const m = 2
    const ba = buildGraph(spec('barabasi-albert', { m }), 20)
    expect(ba.edges).toHaveLength(((m + 1) * m) / 2 + (20 - m - 1) * m)
  })

  it('reports a disconnected graph with its components', () => {
    const err = errorOf(() =>
      buildGraph(
        spec('edges', {
          edges: [
            [0, 1],
            [1, 2],
            [3, 4],
          ],
        }),
        5,
      ),
    )
    expect(err.code).toBe('DISCONNECTED')
    expect(err.message).toBe('topology: graph is disconnected: 2 components {0,1,2} {3,4}')
    expect(errorOf(() => buildGraph(spec('erdos-renyi', { p: 0.05 }), 12)).message).toMatch(
      /disconnected: \d+ components/,
    )
  })

  it('checks explicit edge lists: range, self-loops, duplicates, weights', () => {
    expect(
      errorOf(() =>
        buildGraph(
          spec('edges', {
            edges: [
              [0, 1],
              [1, 5],
            ],
          }),
          3,
        ),
      ).message,
    ).toMatch(/^topology.edges.1: \[1, 5\] names a peer outside 0..2/)
    expect(errorOf(() => buildGraph(spec('edges', { edges: [[0, 0]] }), 2)).message).toMatch(/edges.0: .*self-loop/)
    expect(
      errorOf(() =>
        buildGraph(
          spec('edges', {
            edges: [
              [0, 1],
              [1, 0],
            ],
          }),
          2,
        ),
      ).message,
    ).toMatch(/edges.1: \[1, 0\] duplicates/)
    const g = buildGraph(
      spec('edges', {
        edges: [
          [2, 0, 3],
          [0, 1],
          [1, 2, 0.5],
        ],
      }),
      3,
    )
    expect(g.edges).toEqual([
      [0, 1, 1],
      [0, 2, 3],
      [1, 2, 0.5],
    ])
    expect(g.weights[2]).toEqual([3, 0.5])
  })

  it('uniform random weights are within range, symmetric and seeded', () => {
    const g = buildGraph(spec('complete', { weights: { kind: 'uniform', low: 0.5, high: 2 } }), 6)
    for (const [, , w] of g.edges) expect(w >= 0.5 && w <= 2).toBe(true)
    const L = laplacian(g)
    expect(L.isSymmetric()).toBe(true)
    expect(new Set(g.edges.map((e) => e[2])).size).toBe(g.edges.length)
  })
})

describe('graph matrices', () => {
  const graphs = [
    buildGraph(spec('ring', { weights: { kind: 'uniform', low: 0.5, high: 1.5 } }), 7),
    buildGraph(spec('star'), 6),
    buildGraph(spec('random-regular', { degree: 4, seed: 3 }), 12),
    buildGraph(spec('barabasi-albert', { m: 2, seed: 5 }), 15),
  ]

  it('L 1 = 0, L is symmetric positive semidefinite, and laplacianApply equals (L kron I) x', () => {
    for (const g of graphs) {
      const L = laplacian(g)
      for (let i = 0; i < g.n; i++) expect(Math.abs(L.getRow(i).reduce((s, x) => s + x, 0))).toBeLessThan(1e-12)
      const ev = new EigenvalueDecomposition(L, { assumeSymmetric: true }).realEigenvalues
      expect(Math.min(...ev)).toBeGreaterThan(-1e-12)
      const d = 3
      const x = Float64Array.from({ length: g.n * d }, (_, k) => Math.sin(k + 1))
      const out = laplacianApply(g, x)
      for (let i = 0; i < g.n; i++) {
        for (let c = 0; c < d; c++) {
          let s = 0
          for (let j = 0; j < g.n; j++) s += L.get(i, j) * x[j * d + c]!
          expect(Math.abs(out[i * d + c]! - s)).toBeLessThan(1e-12)
        }
      }
    }
  })

  it('Metropolis weights are symmetric, nonnegative and doubly stochastic; 11^T/n on the complete graph', () => {
    for (const g of graphs) {
      const W = mixingMatrix(g)
      expect(W.isSymmetric()).toBe(true)
      for (let i = 0; i < g.n; i++) {
        expect(Math.abs(W.getRow(i).reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-12)
        expect(Math.abs(W.getColumn(i).reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-12)
        for (const w of W.getRow(i)) expect(w).toBeGreaterThanOrEqual(0)
      }
    }
    const W = mixingMatrix(buildGraph(spec('complete'), 5))
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(W.get(i, j)).toBeCloseTo(0.2, 15)
    const { self } = metropolisWeights(buildGraph(spec('star'), 4))
    // centre: degree 3, each leaf weight 1/(1+3); leaves: 1 - 1/4
    expect(Array.from(self)).toEqual([0.25, 0.75, 0.75, 0.75])
  })
})
