/**
 * The simulator of Eq. 14 against independent computations: a plain dense recursion, the minimum-norm interpolant
 * by a normal-equations solve, and the rate from the theory.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Matrix, inverse } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import type { ExperimentInput } from '../../src/config/schema.js'
import { simulate } from '../../src/sim/engine.js'
import { runSimulation } from '../../src/sim/run.js'
import type { DataProblem as Problem } from '../../src/problems/types.js'
import { dataProblem } from '../../src/problems/index.js'
import type { Graph } from '../../src/topology/types.js'

/**
 * One instance per graph. The rate check needs the slowest excited mode to stand apart from the next one: the
 * measured rate is a geometric mean over the last half of a run that stops at 1e-13, and two modes closer than
 * (1 - R2) / (1 - R1) of about 1.5 are still mixed there. These instances have that gap (1.6 to 2.3, found by a dense
 * eigen-solve of the iteration restricted to the row space, which is where the iterates live from w^0 = 0).
 */
const GRAPHS = [
  { name: 'ring', topology: { kind: 'ring' }, peers: 8, dim: 24, seed: 2, eta: 0.5, mu: 0.3 },
  { name: 'star', topology: { kind: 'star' }, peers: 7, dim: 32, seed: 1, eta: 1, mu: 0.2 },
  { name: 'complete', topology: { kind: 'complete' }, peers: 6, dim: 24, seed: 1, eta: 0.5, mu: 0.1 },
  {
    name: 'random-regular',
    topology: { kind: 'random-regular', degree: 3, seed: 5 },
    peers: 10,
    dim: 40,
    seed: 3,
    eta: 0.5,
    mu: 0.2,
  },
  {
    name: 'erdos-renyi (weighted)',
    topology: { kind: 'erdos-renyi', p: 0.5, seed: 2, weights: { kind: 'uniform', low: 0.5, high: 1.5 } },
    peers: 9,
    dim: 40,
    seed: 1,
    eta: 0.5,
    mu: 0.2,
  },
] as const

function experiment(g: (typeof GRAPHS)[number], extra: Record<string, unknown> = {}): ExperimentInput {
  return experimentFrom({
    swarm: { id: 'test', peers: g.peers },
    topology: g.topology,
    problem: { kind: 'planted', loss: 'squared', dim: g.dim, samples_per_peer: 1, seed: g.seed },
    algorithm: { kind: 'elastic', eta: g.eta, mu: g.mu },
    ...extra,
  })
}

/** Eq. 14 as a dense recursion on an n x d array, written from docs/algorithms.md without the project's kernels. */
function denseRecursion(graph: Graph, problem: Problem, eta: number, mu: number, rounds: number): number[][] {
  const n = graph.n
  const d = problem.paramDim
  const A: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (const [i, j, a] of graph.edges) {
    A[i]![j] = a
    A[j]![i] = a
  }
  let W: number[][] = Array.from({ length: n }, () => new Array<number>(d).fill(0))
  for (let t = 0; t < rounds; t++) {
    const next: number[][] = []
    for (let i = 0; i < n; i++) {
      const shard = problem.shards[i]!
      const g = new Array<number>(d).fill(0)
      for (let s = 0; s < shard.rows; s++) {
        let z = 0
        for (let k = 0; k < d; k++) z += shard.features[s * d + k]! * W[i]![k]!
        for (let k = 0; k < d; k++) g[k]! += ((z - shard.targets[s]!) * shard.features[s * d + k]!) / shard.rows
      }
      const row = new Array<number>(d)
      for (let k = 0; k < d; k++) {
        let lw = 0
        for (let j = 0; j < n; j++) lw += A[i]![j]! * (W[i]![k]! - W[j]![k]!)
        row[k] = W[i]![k]! - eta * g[k]! - mu * lw
      }
      next.push(row)
    }
    W = next
  }
  return W
}

/** X^+ y = X^T (X X^T)^{-1} y for a wide X of full row rank. */
function minNormByNormalEquations(problem: Problem): number[] {
  const rows: number[][] = []
  const y: number[] = []
  for (const shard of problem.shards) {
    for (let s = 0; s < shard.rows; s++) {
      rows.push(Array.from(shard.features.subarray(s * shard.dim, (s + 1) * shard.dim)))
      y.push(shard.targets[s]!)
    }
  }
  const X = new Matrix(rows)
  const alpha = inverse(X.mmul(X.transpose())).mmul(Matrix.columnVector(y))
  return X.transpose().mmul(alpha).getColumn(0)
}

const noBytes = (): number => 0

describe('elastic simulator (Mitra 2018 Eq. 14)', () => {
  for (const g of GRAPHS) {
    it(`equals a dense recursion of Eq. 14 to 1e-12 on ${g.name}`, () => {
      for (const rounds of [1, 7, 60]) {
        const { experiment: exp, graph, problem } = resolveExperiment(experiment(g, { run: { rounds } }), '.')
        const result = simulate({ experiment: exp, graph, problem, reference: null, messageBytes: noBytes })
        expect(result.rounds).toBe(rounds)
        if (exp.algorithm.kind !== 'elastic') throw new Error('elastic expected')
        const dense = denseRecursion(graph, dataProblem(problem), exp.algorithm.eta, exp.algorithm.mu, rounds)
        let worst = 0
        let scale = 0
        for (let i = 0; i < graph.n; i++) {
          for (let k = 0; k < problem.paramDim; k++) {
            worst = Math.max(worst, Math.abs(result.params[i]![k]! - dense[i]![k]!))
            scale = Math.max(scale, Math.abs(dense[i]![k]!))
          }
        }
        expect(scale).toBeGreaterThan(1e-3) // the iterates moved
        expect(worst).toBeLessThan(1e-12 * Math.max(1, scale))
      }
    })

    it(`converges to the minimum-norm interpolant, at the predicted rate, on ${g.name}`, () => {
      const out = mkdtempSync(join(tmpdir(), `meshgd-sim-${g.topology.kind}-`))
      const exp = experiment(g, { run: { rounds: 200_000, target: 1e-13 } })
      const { summary, result } = runSimulation(exp, { out, baseDir: '.' })
      expect(summary.converged).toBe(true)
      const { problem } = resolveExperiment(exp, '.')
      const wRef = minNormByNormalEquations(dataProblem(problem))
      const refNorm = Math.hypot(...wRef)
      for (const w of result.params) {
        const err = Math.hypot(...wRef.map((v, k) => v - w[k]!))
        expect(err / refNorm).toBeLessThan(1e-11)
      }
      expect(summary.rate_predicted).not.toBeNull()
      expect(summary.rate_measured).not.toBeNull()
      const predicted = 1 - summary.rate_predicted!
      const measured = 1 - summary.rate_measured!
      expect(Math.abs(measured - predicted) / predicted).toBeLessThan(0.01)
    })
  }
})
