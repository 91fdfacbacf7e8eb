/**
 * The reduced paths of the `elastic` rate theory (elastic.ts header) against the full nd x nd dense eigen-solve
 * (method 'dense', the oracle), on seeded random cases chosen to hit every branch: r < d and r = d, unequal m_i,
 * duplicate and collinear samples, a disconnected and a complete graph, n = 1, and an eta at which nothing is
 * stable. Then the speed target's size: a 64-peer ring at d = 1,000,000, against a closed form.
 */
import { dataProblem } from '../../src/problems/index.js'
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { gramMatrix, scatterMatrix } from '../../src/linalg/gram.js'
import { choleskyInPlace, isPositiveDefinite, solveLowerInPlace } from '../../src/linalg/cholesky.js'
import { tridiagonalEigen } from '../../src/linalg/lanczos.js'
import { plantedProblem } from '../../src/problems/planted.js'
import type { Shard } from '../../src/problems/types.js'
import { elasticTheory, type ElasticMethod, type ElasticTheory } from '../../src/theory/elastic.js'
import { predictRate, whyNoPrediction } from '../../src/theory/predict.js'
import { graphFromEdges } from '../../src/topology/graphs.js'
import { buildGraph, laplacian } from '../../src/topology/index.js'
import type { Graph } from '../../src/topology/types.js'
import { Rng } from '../../src/util/rng.js'

/** Tolerances: the rate to 1e-10 (absolute, rates are O(1)); ranges and Hessian facts to 1e-9 relative. */
const RATE_TOL = 1e-10
const REL_TOL = 1e-9
/** Lanczos on the reduced operator stops at a 1e-10 relative residual. */
const LANCZOS_TOL = 1e-8

function shardOf(rows: number[][], index: number): Shard {
  const d = rows[0]!.length
  return {
    rows: rows.length,
    dim: d,
    features: Float64Array.from(rows.flat()),
    targets: new Float64Array(rows.length),
    sourceRows: rows.map((_, s) => index * 100 + s),
  }
}

/** counts[i] Gaussian samples of dimension d for peer i, scaled by 1/sqrt(d). */
function randomRows(counts: readonly number[], d: number, seed: number): number[][][] {
  const rng = Rng.derive(seed, 0, 'elastic-exact')
  return counts.map((m) =>
    Array.from({ length: m }, () => Array.from({ length: d }, () => rng.gaussian() / Math.sqrt(d))),
  )
}

function ring(n: number): Graph {
  return buildGraph({ kind: n > 2 ? 'ring' : 'path', seed: 1, weights: { kind: 'unit' } }, n)
}

function relErr(a: number, b: number): number {
  if (a === b) return 0 // Infinity and 0 too
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300)
}

function expectClose(got: ElasticTheory, want: ElasticTheory, tol: { rate: number; rel: number }): void {
  expect(Math.abs(got.rate - want.rate)).toBeLessThanOrEqual(tol.rate * Math.max(1, want.rate))
  expect(got.stable).toBe(want.stable)
  expect(relErr(got.etaMax, want.etaMax)).toBeLessThanOrEqual(tol.rel)
  expect(relErr(got.muMax, want.muMax)).toBeLessThanOrEqual(tol.rel)
  expect(relErr(got.lambdaMinPlusH, want.lambdaMinPlusH)).toBeLessThanOrEqual(REL_TOL)
  expect(relErr(got.lambdaMaxH, want.lambdaMaxH)).toBeLessThanOrEqual(REL_TOL)
  expect(relErr(got.lambdaMaxHi, want.lambdaMaxHi)).toBeLessThanOrEqual(REL_TOL)
  expect(got.laplacian).toEqual(want.laplacian)
}

/** Every reduced path gives the oracle's numbers; returns the oracle and the auto result. */
function compareWithOracle(
  g: Graph,
  sh: Shard[],
  eta: number,
  mu: number,
): { oracle: ElasticTheory; auto: ElasticTheory } {
  const oracle = elasticTheory(g, sh, eta, mu, { method: 'dense' })
  const auto = elasticTheory(g, sh, eta, mu)
  expectClose(auto, oracle, { rate: RATE_TOL, rel: REL_TOL })
  for (const method of ['exact', 'sample-space'] as const)
    expectClose(elasticTheory(g, sh, eta, mu, { method }), oracle, { rate: RATE_TOL, rel: REL_TOL })
  expectClose(elasticTheory(g, sh, eta, mu, { method: 'reduced-lanczos' }), oracle, {
    rate: LANCZOS_TOL,
    rel: LANCZOS_TOL,
  })
  return { oracle, auto }
}

describe('elastic theory, reduced paths against the full dense eigen-solve', () => {
  it('r < d: one sample per peer, d > n (ring of 6, d = 10)', () => {
    const sh = randomRows([1, 1, 1, 1, 1, 1], 10, 1).map(shardOf)
    const { oracle, auto } = compareWithOracle(ring(6), sh, 0.4, 0.2)
    expect(auto.method).toBe<ElasticMethod>('sample-space')
    expect(oracle.rate).toBeGreaterThan(0.5)
    expect(oracle.rate).toBeLessThan(1)
  })

  it('r < d where lambda_min(A_U) lies above mu lambda_2: the U-perp modes set the rate', () => {
    // every peer holds the same 3 samples in d = 9: A_U = eta I kron H_U + mu L kron I, lambda_min = eta h_min
    const shared = randomRows([3], 9, 2)[0]!
    const sh = [0, 1, 2, 3].map((i) => shardOf(shared, i))
    const { oracle, auto } = compareWithOracle(ring(4), sh, 0.3, 0.005)
    expect(auto.method).toBe<ElasticMethod>('sample-space')
    expect(oracle.rate).toBeCloseTo(1 - 0.005 * 2, 12) // mu lambda_2 of the 4-ring, lambda_2 = 2
  })

  it('r = d: more samples than dimensions (ring of 5, d = 4, 3 samples each)', () => {
    const sh = randomRows([3, 3, 3, 3, 3], 4, 3).map(shardOf)
    const { auto } = compareWithOracle(ring(5), sh, 0.7, 0.25)
    expect(auto.method).toBe<ElasticMethod>('sample-space')
  })

  it('r = d with lambda_min(A_U) above mu lambda_2: the sample-space path hands the bottom to the reduced solve', () => {
    // N = n r = 8, so 'auto' takes the sample-space path; every peer holds nearly the same 2 samples in d = 2
    const shared = randomRows([2], 2, 4)[0]!
    const noise = randomRows([2, 2, 2, 2], 2, 5)
    const sh = noise.map((rows, i) =>
      shardOf(
        rows.map((x, s) => x.map((v, k) => shared[s]![k]! + 0.05 * v)),
        i,
      ),
    )
    const { oracle, auto } = compareWithOracle(ring(4), sh, 0.5, 0.003)
    expect(auto.method).toBe<ElasticMethod>('exact')
    expect(oracle.rate).toBeLessThan(1)
  })

  it('peers with different numbers of samples, r < d and r = d, weighted edges', () => {
    const g = buildGraph(
      { kind: 'random-regular', seed: 3, degree: 3, weights: { kind: 'uniform', low: 0.5, high: 2 } },
      6,
    )
    compareWithOracle(g, randomRows([1, 2, 3, 1, 4, 2], 20, 5).map(shardOf), 0.9, 0.15)
    compareWithOracle(g, randomRows([1, 2, 3, 1, 4, 2], 6, 6).map(shardOf), 0.5, 0.1)
  })

  it('many samples per peer (N > n r): the dense reduced path', () => {
    const sh = randomRows([9, 8, 10, 7], 3, 7).map(shardOf)
    const { auto } = compareWithOracle(ring(4), sh, 0.8, 0.3)
    expect(auto.method).toBe<ElasticMethod>('exact')
  })

  it('duplicate and collinear samples: a rank-deficient Gram matrix', () => {
    const [a, b, c] = randomRows([3], 8, 8)[0]!
    const twice = a!.map((v) => 2 * v)
    const mixed = a!.map((v, k) => v - 0.5 * b![k]!)
    // r = 3 (a, b, c) for 7 samples; peer 1 holds a sample twice
    const rows = [[a!], [b!, b!], [twice], [c!], [mixed], [a!, c!]]
    const { oracle, auto } = compareWithOracle(ring(6), rows.map(shardOf), 0.3, 0.3)
    expect(auto.method).toBe<ElasticMethod>('sample-space')
    expect(oracle.rate).toBeLessThan(1)
  })

  it('a disconnected graph: rate 1 when r < d; below 1 when every component spans R^d', () => {
    const g = graphFromEdges(6, [
      [0, 1, 1],
      [1, 2, 1],
      [3, 4, 1],
      [4, 5, 1],
    ])
    const wide = compareWithOracle(g, randomRows([1, 1, 1, 1, 1, 1], 5, 9).map(shardOf), 0.8, 0.3)
    expect(wide.oracle.rate).toBeCloseTo(1, 12)
    const full = compareWithOracle(g, randomRows([2, 2, 2, 2, 2, 2], 3, 10).map(shardOf), 0.5, 0.2)
    expect(full.oracle.rate).toBeLessThan(1 - 1e-3)
  })

  it('a complete graph (lambda_2 = lambda_max, degenerate)', () => {
    const g = buildGraph({ kind: 'complete', seed: 1, weights: { kind: 'unit' } }, 5)
    expect(compareWithOracle(g, randomRows([1, 1, 1, 1, 1], 8, 11).map(shardOf), 1, 0.1).oracle.rate).toBeLessThan(1)
    expect(compareWithOracle(g, randomRows([2, 1, 3, 1, 2], 4, 12).map(shardOf), 0.5, 0.1).oracle.rate).toBeLessThan(1)
  })

  it('n = 1: plain gradient descent, R = max |1 - eta lambda| over the nonzero spectrum of H', () => {
    const g = buildGraph({ kind: 'ring', seed: 1, weights: { kind: 'unit' } }, 1)
    const { oracle } = compareWithOracle(g, randomRows([3], 7, 13).map(shardOf), 0.9, 0.3)
    expect(oracle.muMax).toBe(Infinity)
    const wide = compareWithOracle(g, randomRows([5], 3, 14).map(shardOf), 0.9, 0.3)
    expect(wide.oracle.rate).toBeLessThan(1)
    compareWithOracle(g, randomRows([3], 7, 13).map(shardOf), 0.9, 0) // mu = 0 has no effect here
  })

  it('mu = 0 on two peers: decoupled, so R = 1 unless every peer alone spans R^d', () => {
    expect(compareWithOracle(ring(2), randomRows([1, 1], 4, 17).map(shardOf), 0.5, 0).oracle.rate).toBeCloseTo(1, 12)
    expect(compareWithOracle(ring(2), randomRows([4, 5], 3, 18).map(shardOf), 0.5, 0).oracle.rate).toBeLessThan(1)
  })

  it('all samples zero (r = 0): only the Laplacian modes move, and no eta is unstable', () => {
    const zeros = (n: number): Shard[] => Array.from({ length: n }, (_, i) => shardOf([[0, 0, 0]], i))
    const { oracle } = compareWithOracle(ring(3), zeros(3), 1, 0.3)
    expect(oracle.rate).toBeCloseTo(1 - 0.3 * 3, 12) // the 3-ring's Laplacian: 0, 3, 3
    expect(oracle.etaMax).toBe(Infinity)
    const single = compareWithOracle(
      buildGraph({ kind: 'ring', seed: 1, weights: { kind: 'unit' } }, 1),
      zeros(1),
      1,
      0.3,
    )
    expect(single.oracle.rate).toBe(0)
  })

  it('an eta so large that nothing is stable: rate > 1, muMax = 0', () => {
    const sh = randomRows([1, 2, 1, 2, 1], 6, 15).map(shardOf)
    const { oracle } = compareWithOracle(ring(5), sh, 8, 0.3)
    expect(oracle.stable).toBe(false)
    expect(oracle.rate).toBeGreaterThan(1)
    expect(oracle.muMax).toBe(0)
    expect(oracle.etaMax).toBeLessThan(8)
  })

  it('agrees on 40 seeded random cases (graphs, weights, m_i, d, rank, eta, mu)', () => {
    const rng = Rng.derive(99, 0, 'elastic-sweep')
    const kinds = ['ring', 'path', 'star', 'complete', 'random-regular'] as const
    for (let c = 0; c < 40; c++) {
      const n = 1 + rng.int(7)
      const kind = n < 3 ? 'path' : kinds[rng.int(kinds.length)]!
      const regular = kind === 'random-regular' && n >= 4 && n % 2 === 0
      const weights =
        rng.uniform() < 0.5 ? ({ kind: 'unit' } as const) : ({ kind: 'uniform', low: 0.3, high: 2 } as const)
      const g = buildGraph(
        { kind: kind === 'random-regular' && !regular ? 'ring' : kind, seed: c, degree: 3, weights },
        n,
      )
      const d = 1 + rng.int(12)
      // a third of the cases draw every sample from a random subspace of dimension <= d: rank-deficient Gram
      const span = Array.from({ length: 1 + rng.int(d) }, () =>
        Array.from({ length: d }, () => rng.gaussian() / Math.sqrt(d)),
      )
      const lowRank = rng.uniform() < 0.33
      const sample = (): number[] =>
        lowRank
          ? span.reduce((acc, b) => acc.map((v, k) => v + rng.gaussian() * b[k]!), new Array<number>(d).fill(0))
          : Array.from({ length: d }, () => rng.gaussian() / Math.sqrt(d))
      const sh = Array.from({ length: n }, (_, i) => shardOf(Array.from({ length: 1 + rng.int(3) }, sample), i))
      const eta = 0.05 + 1.5 * rng.uniform()
      const mu = 0.01 + 0.4 * rng.uniform()
      const oracle = elasticTheory(g, sh, eta, mu, { method: 'dense' })
      for (const method of ['auto', 'exact', 'sample-space'] as const)
        expectClose(elasticTheory(g, sh, eta, mu, { method }), oracle, { rate: RATE_TOL, rel: REL_TOL })
    }
  })

  it('finds the same best mu as the dense oracle', () => {
    const g = ring(6)
    const sh = randomRows([1, 1, 2, 1, 1, 1], 9, 16).map(shardOf)
    const dense = elasticTheory(g, sh, 1, 0.2, { method: 'dense', optimiseMu: true })
    const auto = elasticTheory(g, sh, 1, 0.2, { optimiseMu: true })
    expect(Math.abs(auto.muOptimal!.rate - dense.muOptimal!.rate)).toBeLessThan(1e-9)
  })
})

describe('linalg kernels of the reduced theory', () => {
  it('gramMatrix and scatterMatrix equal X X^T and X^T X (odd sizes, across chunk boundaries)', () => {
    const rng = Rng.derive(1, 0, 'gram')
    const d = 2048 * 2 + 3
    const rows = Array.from({ length: 5 }, () => Float64Array.from({ length: d }, () => rng.gaussian()))
    const X = new Matrix(rows.map((r) => Array.from(r)))
    const G = gramMatrix(rows, d)
    const ref = X.mmul(X.transpose())
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 5; b++) expect(Math.abs(G[a * 5 + b]! - ref.get(a, b))).toBeLessThan(1e-10)
    const small = rows.map((r) => r.subarray(0, 4))
    const C = scatterMatrix(small, 4)
    const Xs = new Matrix(small.map((r) => Array.from(r)))
    const refC = Xs.transpose().mmul(Xs)
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++) expect(Math.abs(C[a * 4 + b]! - refC.get(a, b))).toBeLessThan(1e-12)
    expect(() => gramMatrix(rows, d + 1)).toThrow(RangeError)
  })

  it('tridiagonalEigen gives the eigenvalues and last eigenvector components of a dense solve', () => {
    const rng = Rng.derive(2, 0, 'tridiagonal')
    const m = 40
    const alpha = Array.from({ length: m }, () => rng.gaussian())
    const beta = Array.from({ length: m - 1 }, () => rng.gaussian())
    const T = Matrix.zeros(m, m)
    alpha.forEach((a, i) => T.set(i, i, a))
    beta.forEach((b, i) => {
      T.set(i, i + 1, b)
      T.set(i + 1, i, b)
    })
    const evd = new EigenvalueDecomposition(T, { assumeSymmetric: true })
    const order = evd.realEigenvalues.map((v, k) => [v, k] as const).sort((a, b) => a[0] - b[0])
    const { values, lastComponents } = tridiagonalEigen(alpha, beta)
    order.forEach(([v, k], j) => {
      expect(Math.abs(values[j]! - v)).toBeLessThan(1e-12)
      expect(Math.abs(Math.abs(lastComponents[j]!) - Math.abs(evd.eigenvectorMatrix.get(m - 1, k)))).toBeLessThan(1e-10)
    })
  })

  it('Cholesky tells positive definite from not, and solves L y = b', () => {
    const A = Float64Array.of(4, 2, 2, 3)
    expect(isPositiveDefinite(A, 2)).toBe(true)
    expect(isPositiveDefinite(Float64Array.of(1, 2, 2, 1), 2)).toBe(false)
    expect(isPositiveDefinite(Float64Array.of(1, 1, 1, 1), 2)).toBe(false) // singular
    const L = A.slice()
    expect(choleskyInPlace(L, 2)).toBe(true)
    const b = Float64Array.of(2, 4) // L = [[2, 0], [1, sqrt 2]]
    solveLowerInPlace(L, 2, b, 1)
    expect(b[0]).toBeCloseTo(1, 15)
    expect(b[1]).toBeCloseTo(3 / Math.SQRT2, 14)
  })
})

/** Extremes of mu L + eta c e_j e_j^T over every j, and mu lambda_k(L) for k >= 2: the decoupled spectrum. */
function decoupledRate(
  g: Graph,
  norms: readonly number[],
  eta: number,
  mu: number,
): { rate: number; top: (eta: number) => number } {
  const L = laplacian(g)
  const lev = new EigenvalueDecomposition(L, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b)
  const extremes = (e: number): { min: number; max: number } => {
    let min = mu * lev[1]!
    let max = mu * lev[lev.length - 1]!
    norms.forEach((c, j) => {
      const M = L.clone().mul(mu)
      M.set(j, j, M.get(j, j) + e * c)
      const ev = new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues
      min = Math.min(min, ...ev)
      max = Math.max(max, ...ev)
    })
    return { min, max }
  }
  const { min, max } = extremes(eta)
  return { rate: Math.max(Math.abs(1 - min), Math.abs(max - 1)), top: (e) => extremes(e).max }
}

describe('the speed target: a 64-peer ring at d = 1,000,000, one sample per peer', () => {
  const n = 64
  const d = 1_000_000
  const g = ring(n)

  it('orthogonal samples: the problem decouples into one n x n problem per sample (closed form)', () => {
    // sample j lives on its own block of d / n coordinates, so X X^T is diagonal
    const rng = Rng.derive(7, 0, 'orthogonal')
    const block = d / n
    const norms: number[] = []
    const shards: Shard[] = Array.from({ length: n }, (_, j) => {
      const x = new Float64Array(d).fill(0) // touch every page now: the timing below is of the theory, not of page faults
      let q = 0
      for (let k = j * block; k < (j + 1) * block; k++) {
        x[k] = rng.gaussian() / Math.sqrt(block)
        q += x[k]! * x[k]!
      }
      norms.push(q)
      return { rows: 1, dim: d, features: x, targets: Float64Array.of(0), sourceRows: [j] }
    })
    const t0 = performance.now()
    const t = elasticTheory(g, shards, 1, 0.3)
    console.log(
      `elasticTheory, 64-peer ring, d = 10^6, orthogonal samples: ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    )
    const closed = decoupledRate(g, norms, 1, 0.3)
    expect(t.method).toBe<ElasticMethod>('sample-space')
    expect(Math.abs(t.rate - closed.rate)).toBeLessThan(1e-10)
    expect(closed.top(t.etaMax)).toBeCloseTo(2, 9)
    expect(t.lambdaMaxHi).toBeCloseTo(Math.max(...norms), 12)
  })

  it('planted Gaussian samples (the ring.yaml problem at d = 10^6): timing, and the reduced dense path agrees on 16 peers', () => {
    const spec = {
      kind: 'planted',
      loss: 'squared',
      dim: d,
      samples_per_peer: 1,
      seed: 1,
      noise: 0,
      classes: 1,
      feature_scale: 'unit-norm',
    } as const
    const problem = plantedProblem(spec, n)
    const t0 = performance.now()
    const t = elasticTheory(g, problem.shards, 1, 0.3)
    console.log(
      `elasticTheory, 64-peer ring, d = 10^6, planted: ${((performance.now() - t0) / 1000).toFixed(2)} s, rate ${t.rate}`,
    )
    expect(t.rate).toBeLessThan(1)
    expect(t.rate).toBeGreaterThanOrEqual(t.mitra.lowerBound)
    // 16 peers (n r = 256): the sample-space bisections against a dense eigen-solve of the reduced operator
    const g16 = ring(16)
    const sh16 = problem.shards.slice(0, 16)
    const exact = elasticTheory(g16, sh16, 1, 0.3, { method: 'exact' })
    const sample = elasticTheory(g16, sh16, 1, 0.3)
    expect(sample.method).toBe<ElasticMethod>('sample-space')
    expect(Math.abs(sample.rate - exact.rate)).toBeLessThan(RATE_TOL)
    expect(relErr(sample.etaMax, exact.etaMax)).toBeLessThan(REL_TOL)
    expect(relErr(sample.muMax, exact.muMax)).toBeLessThan(REL_TOL)
  })
})

describe('predictions at large d (src/theory/predict.ts)', () => {
  const input = {
    swarm: { peers: 8 },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: 5000, samples_per_peer: 1, seed: 1 },
    algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
  }

  it('predicts the rate at d = 5000 (once refused for d > 2000), equal to the reduced dense solve', () => {
    const resolved = resolveExperiment(experimentFrom(input), '.')
    expect(whyNoPrediction(resolved.experiment, resolved.problem)).toBeNull()
    const prediction = predictRate(resolved)!
    expect(prediction.method).toBe('sample-space')
    const exact = elasticTheory(resolved.graph, dataProblem(resolved.problem).shards, 1, 0.3, {
      method: 'exact',
      ranges: false,
    })
    expect(Math.abs(prediction.rate - exact.rate)).toBeLessThan(RATE_TOL)
  })

  it('refuses, and says why, where the Gram matrix alone is prohibitive', () => {
    const resolved = resolveExperiment(experimentFrom(input), '.')
    // 8 peers with 5000 samples each at d = 10^6: N^2 d / 2 = 8e14 multiply-adds (the shards are never read)
    const shards = dataProblem(resolved.problem).shards.map((s) => ({ ...s, rows: 5000 }))
    const note = whyNoPrediction(resolved.experiment, { ...dataProblem(resolved.problem), paramDim: 1_000_000, shards })
    expect(note).toMatch(/Gram matrix/)
    expect(note).toMatch(/N = 40000, d = 1000000/)
  })
})
