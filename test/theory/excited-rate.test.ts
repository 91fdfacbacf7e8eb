/**
 * The rate of the modes a common start excites (ElasticTheory.rateExcited): against a dense eigen-solve of the
 * iteration matrix M = I - eta blockdiag(H_i) - mu (L kron I_d) restricted to R^n kron U (U the samples' span, an
 * orthonormal basis from an SVD), on seeded random instances with several samples per peer and a weighted graph, by
 * the sample-space path (an N x N inertia count above mu lambda_2) and the reduced path; and against a simulated
 * run from w^0 = 0 where the slowest mode of M lies off the samples' span, so the full rate is not what a run shows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EigenvalueDecomposition, Matrix, SVD } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import type { Shard } from '../../src/problems/types.js'
import { runSimulation } from '../../src/sim/run.js'
import { elasticIterationMatrix, elasticTheory } from '../../src/theory/elastic.js'
import { predictRate } from '../../src/theory/predict.js'
import { buildGraph } from '../../src/topology/index.js'
import type { Graph } from '../../src/topology/types.js'
import { Rng } from '../../src/util/rng.js'

const RATE_TOL = 1e-10

/**
 * counts[i] samples for peer i in R^d; with `span`, every sample is a random combination of `span` fixed random
 * directions (low-rank data: the samples' span U is smaller than the number of samples, as with real features).
 */
function randomShards(counts: readonly number[], d: number, seed: number, span?: number): Shard[] {
  const rng = Rng.derive(seed, 0, 'excited-rate')
  const directions =
    span === undefined
      ? null
      : Array.from({ length: span }, () => Array.from({ length: d }, () => rng.gaussian() / Math.sqrt(d)))
  const sample = (): number[] => {
    if (!directions) return Array.from({ length: d }, () => rng.gaussian() / Math.sqrt(d))
    const c = directions.map(() => rng.gaussian())
    return Array.from({ length: d }, (_, a) => directions.reduce((z, dir, k) => z + c[k]! * dir[a]!, 0))
  }
  return counts.map((m, i) => ({
    rows: m,
    dim: d,
    features: Float64Array.from(Array.from({ length: m }, sample).flat()),
    targets: new Float64Array(m),
    sourceRows: Array.from({ length: m }, (_, s) => 100 * i + s),
  }))
}

/** Spectral radius of M on R^n kron U: Q = I_n kron U_basis, eigenvalues of Q^T M Q (symmetric). */
function oracleExcitedRate(g: Graph, shards: readonly Shard[], eta: number, mu: number): number {
  const d = shards[0]!.dim
  const rows = shards.flatMap((s) =>
    Array.from({ length: s.rows }, (_, r) => Array.from(s.features.subarray(r * d, (r + 1) * d))),
  )
  const svd = new SVD(new Matrix(rows), { computeLeftSingularVectors: false })
  const sigma = svd.diagonal
  const rank = sigma.filter((v) => v > sigma[0]! * 1e-12).length
  const basis = svd.rightSingularVectors.subMatrix(0, d - 1, 0, rank - 1) // d x r
  const n = g.n
  const Q = new Matrix(n * d, n * rank)
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++) for (let c = 0; c < rank; c++) Q.set(i * d + a, i * rank + c, basis.get(a, c))
  const M = elasticIterationMatrix(g, shards, eta, mu)
  const restricted = Q.transpose().mmul(M).mmul(Q)
  const ev = new EigenvalueDecomposition(restricted, { assumeSymmetric: true }).realEigenvalues
  return Math.max(...ev.map(Math.abs))
}

describe('the rate of the modes a common start excites', () => {
  it('equals the restricted dense eigen-solve to 1e-10 on random instances, several samples per peer, a weighted graph', () => {
    const cases = [
      { n: 4, counts: [1, 2, 1, 2], d: 9, kind: 'ring', weights: { kind: 'unit' } },
      { n: 5, counts: [2, 2, 2, 2, 2], d: 14, kind: 'small-world', weights: { kind: 'uniform', low: 0.5, high: 2 } },
      { n: 3, counts: [3, 1, 2], d: 8, kind: 'path', weights: { kind: 'uniform', low: 0.2, high: 3 } },
      { n: 6, counts: [1, 1, 1, 1, 1, 1], d: 10, kind: 'star', weights: { kind: 'unit' } },
      { n: 4, counts: [3, 2, 3, 2], d: 9, span: 2, kind: 'ring', weights: { kind: 'uniform', low: 0.5, high: 2 } },
      { n: 5, counts: [2, 3, 2, 3, 2], d: 8, span: 3, kind: 'path', weights: { kind: 'unit' } },
    ] as const
    let seed = 11
    let below = 0
    for (const c of cases) {
      for (const [eta, mu] of [
        [0.6, 0.05],
        [0.9, 0.3],
        [0.3, 0.6],
      ] as const) {
        const g = buildGraph(
          { kind: c.kind, seed, weights: c.weights, ...(c.kind === 'small-world' ? { k: 2, beta: 0.3 } : {}) },
          c.n,
        )
        const shards = randomShards(c.counts, c.d, seed++, 'span' in c ? c.span : undefined)
        const want = oracleExcitedRate(g, shards, eta, mu)
        for (const method of ['sample-space', 'exact'] as const) {
          const t = elasticTheory(g, shards, eta, mu, { method, ranges: false })
          expect(Math.abs(t.rateExcited! - want), `${c.kind} eta ${eta} mu ${mu} ${method}`).toBeLessThanOrEqual(
            RATE_TOL,
          )
          expect(t.rateExcited!).toBeLessThanOrEqual(t.rate + RATE_TOL)
        }
        if (want < elasticTheory(g, shards, eta, mu, { ranges: false }).rate - 1e-6) below++
      }
    }
    expect(below).toBeGreaterThan(0) // some cases have their slowest mode off the samples' span
  })

  it('is what a simulated run from w^0 = 0 shows where the full rate is slower (low-rank CSV features on a path)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-excited-'))
    const [n, perPeer, d] = [8, 3, 12]
    const shards = randomShards(
      Array.from({ length: n }, () => perPeer),
      d,
      5,
      3,
    )
    const planted = Array.from({ length: d }, (_, a) => Math.cos(a + 1))
    const lines = shards.flatMap((sh) =>
      Array.from({ length: sh.rows }, (_, r) => {
        const raw = Array.from(sh.features.subarray(r * d, (r + 1) * d))
        const x = raw.map((v) => v / Math.hypot(...raw)) // unit-norm samples: each H_i has eigenvalues in [0, 1]
        return [...x, x.reduce((z, v, a) => z + v * planted[a]!, 0)].join(',')
      }),
    )
    writeFileSync(
      join(dir, 'low-rank.csv'),
      [[...Array.from({ length: d }, (_, a) => `f${a}`), 'y'].join(','), ...lines].join('\n') + '\n',
    )
    const body = {
      swarm: { id: 'excited', peers: n },
      topology: { kind: 'path' },
      problem: {
        kind: 'csv',
        path: join(dir, 'low-rank.csv'),
        loss: 'squared',
        target: 'y',
        header: true,
        shard: 'contiguous',
      },
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 300, record_every: 1, target: null },
    }
    const predicted = predictRate(resolveExperiment(experimentFrom(body), dir))!
    expect(predicted.rate_excited!).toBeLessThan(predicted.rate - 1e-3)
    const { summary } = runSimulation(experimentFrom(body), { baseDir: dir, out: join(dir, 'run') })
    // the measured rate (a fit over the run's error curve) follows the excited modes, not the full spectrum
    expect(
      Math.abs(summary.rate_measured! - predicted.rate_excited!),
      `measured ${summary.rate_measured}, excited ${predicted.rate_excited}, full ${predicted.rate}`,
    ).toBeLessThan(0.1 * Math.abs(predicted.rate - predicted.rate_excited!))
    // a per-peer random start excites every mode: the excited rate is the full rate
    const random = predictRate(
      resolveExperiment(experimentFrom({ ...body, run: { ...body.run, init: { kind: 'gaussian' } } }), dir),
    )!
    expect(random.rate_excited).toBe(random.rate)
  })
})
