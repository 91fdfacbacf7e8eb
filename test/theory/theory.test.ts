import { EigenvalueDecomposition, Matrix, inverse } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { lanczosExtremes } from '../../src/linalg/lanczos.js'
import { minNormSolution } from '../../src/linalg/min-norm.js'
import type { Shard } from '../../src/problems/types.js'
import { elasticIterationMatrix, elasticTheory } from '../../src/theory/elastic.js'
import { buildGraph } from '../../src/topology/index.js'
import { Rng } from '../../src/util/rng.js'

function gaussianMatrix(rows: number, cols: number, seed: number): Float64Array {
  const rng = Rng.derive(seed, 0, 'test')
  return Float64Array.from({ length: rows * cols }, () => rng.gaussian())
}

function shards(n: number, d: number, seed: number): Shard[] {
  const X = gaussianMatrix(n, d, seed)
  return Array.from({ length: n }, (_, i) => ({
    rows: 1,
    dim: d,
    features: X.slice(i * d, (i + 1) * d).map((x) => x / Math.sqrt(d)),
    targets: Float64Array.of(1),
    sourceRows: [i],
  }))
}

describe('minimum-norm solution', () => {
  it('equals X^T (X X^T)^{-1} y for a wide X, interpolates, and lies in the row space', () => {
    const rows = 8
    const cols = 30
    const X = gaussianMatrix(rows, cols, 1)
    const y = gaussianMatrix(rows, 1, 2)
    const sol = minNormSolution(X, y, rows, cols)
    const M = new Matrix(Array.from({ length: rows }, (_, r) => Array.from(X.subarray(r * cols, (r + 1) * cols))))
    const closed = M.transpose()
      .mmul(inverse(M.mmul(M.transpose())))
      .mmul(Matrix.columnVector(Array.from(y)))
      .getColumn(0)
    closed.forEach((v, k) => expect(Math.abs(v - sol.w[k]!)).toBeLessThan(1e-12))
    expect(sol.interpolating).toBe(true)
    expect(sol.residualNorm).toBeLessThan(1e-12)
    expect(sol.rank).toBe(rows)
  })

  it('solves a tall consistent system exactly and flags an inconsistent one', () => {
    const rows = 40
    const cols = 5
    const X = gaussianMatrix(rows, cols, 3)
    const wTrue = Float64Array.from([1, -2, 3, 0.5, 0])
    const y = Float64Array.from({ length: rows }, (_, r) =>
      X.subarray(r * cols, (r + 1) * cols).reduce((s, x, k) => s + x * wTrue[k]!, 0),
    )
    const sol = minNormSolution(X, y, rows, cols)
    sol.w.forEach((v, k) => expect(Math.abs(v - wTrue[k]!)).toBeLessThan(1e-13))
    y[0]! += 1
    expect(minNormSolution(X, y, rows, cols).interpolating).toBe(false)
  })
})

describe('Lanczos', () => {
  it('finds the extreme eigenvalues of a random symmetric matrix like a dense solve (1e-9)', () => {
    const N = 120
    const R = new Matrix(Array.from({ length: N }, (_, r) => Array.from(gaussianMatrix(1, N, 10 + r))))
    const S = R.add(R.transpose())
    const ev = new EigenvalueDecomposition(S, { assumeSymmetric: true }).realEigenvalues
    const res = lanczosExtremes(N, (x, out) => out.set(S.mmul(Matrix.columnVector(Array.from(x))).getColumn(0)), {
      maxIterations: N,
    })
    expect(Math.abs(res.min - Math.min(...ev))).toBeLessThan(1e-9)
    expect(Math.abs(res.max - Math.max(...ev))).toBeLessThan(1e-9)
  })
})

describe('elastic theory (Mitra 2018 Eq. 14)', () => {
  it('matches the hand-worked 2-peer, d = 1 case', () => {
    // x_0 = 1, x_1 = 2 (d = 1): H = diag(1, 4); L = [[1,-1],[-1,1]]; M = [[1 - eta - mu, mu], [mu, 1 - 4 eta - mu]]
    const g = buildGraph({ kind: 'path', seed: 1, weights: { kind: 'unit' } }, 2)
    const sh: Shard[] = [1, 2].map((x, i) => ({
      rows: 1,
      dim: 1,
      features: Float64Array.of(x),
      targets: Float64Array.of(0),
      sourceRows: [i],
    }))
    const eta = 0.3
    const mu = 0.2
    const a = 1 - eta - mu
    const c = 1 - 4 * eta - mu
    const mid = (a + c) / 2
    const rad = Math.sqrt(((a - c) / 2) ** 2 + mu * mu)
    const t = elasticTheory(g, sh, eta, mu)
    expect(t.rate).toBeCloseTo(Math.max(Math.abs(mid + rad), Math.abs(mid - rad)), 14)
    // H bar = diag(1/2, ...) in d = 1: (1 + 4) / 2 = 2.5
    expect(t.lambdaMinPlusH).toBeCloseTo(2.5, 14)
    expect(t.mitra.lowerBound).toBeCloseTo(1 - eta * 2.5, 14)
    expect(t.lambdaMaxHi).toBeCloseTo(4, 14)
    // stability edges: lambda_max(A) = 2 exactly there
    const top = (e: number, m: number): number =>
      Math.max(
        ...new EigenvalueDecomposition(Matrix.eye(2).sub(elasticIterationMatrix(g, sh, e, m)), {
          assumeSymmetric: true,
        }).realEigenvalues,
      )
    expect(top(t.etaMax, mu)).toBeCloseTo(2, 8)
    expect(top(eta, t.muMax)).toBeCloseTo(2, 8)
  })

  it('gives the same rate by the dense and the Lanczos path on a ring of 6, d = 20 (null space of dimension 14 deflated)', () => {
    const g = buildGraph({ kind: 'ring', seed: 1, weights: { kind: 'unit' } }, 6)
    const sh = shards(6, 20, 4)
    const dense = elasticTheory(g, sh, 1, 0.2, { method: 'dense' })
    const lanczos = elasticTheory(g, sh, 1, 0.2, { method: 'lanczos' })
    expect(Math.abs(1 - dense.rate - (1 - lanczos.rate)) / (1 - dense.rate)).toBeLessThan(1e-8)
    expect(dense.rate).toBeGreaterThanOrEqual(dense.mitra.lowerBound)
    expect(dense.rate).toBeLessThan(1)
  })

  it("keeps R above Mitra's corrected lower bound on random instances, and the best mu beats a grid", () => {
    for (const seed of [1, 2, 3]) {
      const g = buildGraph({ kind: 'random-regular', seed, degree: 3, weights: { kind: 'unit' } }, 8)
      const sh = shards(8, 12, seed)
      const t = elasticTheory(g, sh, 0.8, 0.2, { optimiseMu: true })
      expect(t.rate).toBeGreaterThanOrEqual(t.mitra.lowerBound - 1e-12)
      const rates = Array.from({ length: 40 }, (_, k) => elasticTheory(g, sh, 0.8, (t.muMax * (k + 1)) / 41).rate)
      for (const rate of rates) expect(t.muOptimal!.rate).toBeLessThanOrEqual(rate + 1e-9)
      // the search assumes R convex in mu (elastic.ts minimiseOver): second differences on the grid are >= 0
      for (let k = 1; k + 1 < rates.length; k++)
        expect(rates[k - 1]! + rates[k + 1]! - 2 * rates[k]!).toBeGreaterThanOrEqual(-1e-12)
    }
  })

  it('shows the sufficient condition is the sum, not each term (2 peers, both products 1.9 is unstable)', () => {
    const g = buildGraph({ kind: 'path', seed: 1, weights: { kind: 'unit' } }, 2)
    const sh: Shard[] = [0, 1].map((i) => ({
      rows: 1,
      dim: 1,
      features: Float64Array.of(1),
      targets: Float64Array.of(0),
      sourceRows: [i],
    }))
    const t = elasticTheory(g, sh, 1.9, 0.95) // eta * lambda_max(H) = 1.9, mu * lambda_max(L) = 1.9
    expect(t.stable).toBe(false)
    expect(t.rate).toBeCloseTo(2.8, 12)
    expect(t.sufficient.sum).toBeCloseTo(3.8, 12)
  })
})
