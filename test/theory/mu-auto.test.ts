/**
 * `algorithm.mu: auto` (issue 25 item 10): the theory's rate-optimal coupling, checked against a fine grid of mu
 * (dense eigen-solves through elasticTheory) on graphs where a fixed mu of 0.2 is unstable or slow; resolved into
 * the experiment every run records; and a sweep over graphs compares each at its own best mu.
 */
import { dataProblem } from '../../src/problems/index.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { elasticTheory, optimalMu } from '../../src/theory/elastic.js'
import { fileWriter, meshgdRunner, workDir } from '../helpers/meshgd.js'

const body = (kind: string, mu: number | 'auto', eta: number | 'auto' = 1): Record<string, unknown> => ({
  swarm: { id: 'mu', peers: 8 },
  topology: { kind },
  problem: { kind: 'planted', loss: 'squared', dim: 32, samples_per_peer: 1, seed: 1 },
  algorithm: { kind: 'elastic', eta, mu },
})

describe('algorithm.mu: auto', () => {
  for (const kind of ['ring', 'complete', 'exponential', 'star']) {
    it(`${kind}: the best mu beats every mu of a 60-point grid over the stable range`, () => {
      const { graph, problem: resolvedProblem } = resolveExperiment(experimentFrom(body(kind, 0.2)), '.')
      const problem = dataProblem(resolvedProblem)
      const best = optimalMu(graph, problem.shards, 1)!
      const at = (mu: number): number => elasticTheory(graph, problem.shards, 1, mu, { ranges: false }).rate
      const muMax = elasticTheory(graph, problem.shards, 1, best).muMax
      const rBest = at(best)
      expect(rBest).toBeLessThan(1)
      for (let k = 1; k < 60; k++)
        expect(rBest, `mu ${(k * muMax) / 60}`).toBeLessThanOrEqual(at((k * muMax) / 60) + 1e-9)
      // resolved into the experiment, as every run records it
      expect(resolveExperiment(experimentFrom(body(kind, 'auto')), '.').experiment.algorithm).toMatchObject({
        mu: best,
        eta: 1,
      })
    })
  }

  it('where mu = 0.2 is unstable (complete graph), auto is stable', () => {
    const fixed = resolveExperiment(experimentFrom(body('complete', 0.2)), '.')
    expect(
      elasticTheory(fixed.graph, dataProblem(fixed.problem).shards, 1, 0.2, { ranges: false }).rate,
    ).toBeGreaterThan(1)
    const auto = resolveExperiment(experimentFrom(body('complete', 'auto')), '.')
    const a = auto.experiment.algorithm as { mu: number }
    expect(elasticTheory(auto.graph, dataProblem(auto.problem).shards, 1, a.mu, { ranges: false }).rate).toBeLessThan(1)
  })

  it('with eta: auto too, both are numbers and the rate is no worse than eta: auto at mu = 0.2', () => {
    const both = resolveExperiment(experimentFrom(body('ring', 'auto', 'auto')), '.')
    const etaOnly = resolveExperiment(experimentFrom(body('ring', 0.2, 'auto')), '.')
    const rate = (r: typeof both): number => {
      const a = r.experiment.algorithm as { eta: number; mu: number }
      return elasticTheory(r.graph, dataProblem(r.problem).shards, a.eta, a.mu, { ranges: false }).rate
    }
    expect(rate(both)).toBeLessThanOrEqual(rate(etaOnly) + 1e-12)
  })

  it('refuses a loss the theory does not cover, in one line naming the field', () => {
    expect(() =>
      resolveExperiment(
        experimentFrom({ ...body('ring', 'auto'), problem: { kind: 'planted', loss: 'logistic', dim: 8 } }),
        '.',
      ),
    ).toThrow(/^algorithm\.mu: auto needs squared loss/)
  })

  it('a sweep over graphs with mu: auto compares each at its best, recorded in every cell', () => {
    const work = workDir('mu-auto')
    const file = fileWriter(work)(
      'mu.yaml',
      'swarm: { id: mu, peers: 8 }\nproblem: { dim: 32 }\nalgorithm: { kind: elastic, eta: 1, mu: auto }\nrun: { rounds: 3000, target: 1e-9 }\n',
    )
    const r = meshgdRunner({ cwd: work, timeout: 120_000 })([
      'sweep',
      file,
      '--grid',
      'topology.kind=ring,complete,exponential',
      '--out',
      join(work, 'sweep'),
      '--quiet',
      '--no-plots',
    ])
    expect(r.status, r.stderr).toBe(0)
    const rows = readFileSync(join(work, 'sweep', 'sweep.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { converged: boolean; rate_measured: number })
    expect(rows).toHaveLength(3)
    for (const row of rows) expect(row.converged).toBe(true) // complete and exponential diverge at mu = 0.2
  })
})
