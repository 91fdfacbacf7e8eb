/**
 * Problem modules (docs/problems.md): a least-squares module, written apart from meshgd's kernels, gives the
 * built-in squared loss's iterates in the simulator; its Hessian gives the built-in's theory; what a bad module
 * gets is one line naming it, before any round.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import type { RoundRecord } from '../../src/exchange/records.js'
import { runReference } from '../../src/exchange/reference.js'
import type { CreateProblem } from 'meshgd/problem'
import { ProblemError } from '../../src/problems/index.js'
import { moduleProblem } from '../../src/problems/module.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { simulate } from '../../src/sim/engine.js'
import { predictRate } from '../../src/theory/predict.js'
import { Rng } from '../../src/util/rng.js'
import { root, runMeshgd, workDir } from '../helpers/meshgd.js'

const MODULES = join(root, 'test', 'fixtures', 'modules')
const dir = workDir('module')
const csv = join(dir, 'data.csv')
const PEERS = 6

// 30 rows in 4 features plus a target, seeded: not an interpolation problem (30 > 4), so iterates keep moving
const rng = Rng.derive(7, 0, 'module-test')
writeFileSync(
  csv,
  Array.from({ length: 30 }, () => Array.from({ length: 5 }, () => rng.gaussian().toFixed(6)).join(',')).join('\n') +
    '\n',
)

function experiment(problem: Record<string, unknown>, algorithm: Record<string, unknown>, rounds = 60) {
  return experimentFrom({
    swarm: { peers: PEERS },
    topology: { kind: 'ring' },
    problem,
    algorithm,
    run: { rounds, record_every: 20, seed: 3 },
  })
}

const builtIn = { kind: 'csv', path: csv, header: false, shard: 'round-robin', loss: 'squared' }
const leastSquares = (options: Record<string, unknown> = {}) => ({
  kind: 'module',
  path: join(MODULES, 'least-squares.mjs'),
  options: { file: csv, ...options },
})

function finalParams(problem: Record<string, unknown>, algorithm: Record<string, unknown>): Float64Array[] {
  const resolved = resolveExperiment(experiment(problem, algorithm), dir)
  return [...simulate({ ...resolved, reference: null, messageBytes: () => 0 }).params]
}

describe('a least-squares module against the built-in squared loss', () => {
  const algorithms: Record<string, Record<string, unknown>> = {
    'elastic, full gradients': { kind: 'elastic', eta: 0.1, mu: 0.3 },
    'dsgd, batches of 3 drawn with replacement': { kind: 'dsgd', eta: 0.2, sampling: { kind: 'batch', size: 3 } },
    'quorum, Bernoulli sampling': { kind: 'quorum', eta: 0.2, k: 0.5, sampling: { kind: 'bernoulli', size: 2 } },
    'gradient tracking': { kind: 'gradient-tracking', eta: 0.1 },
  }
  for (const [name, algorithm] of Object.entries(algorithms)) {
    it(`${name}: every peer's iterate after 60 rounds equal to 1e-12`, () => {
      const expected = finalParams(builtIn, algorithm)
      const got = finalParams(leastSquares(), algorithm)
      const moved = Math.max(...expected.map((w) => Math.max(...w.map(Math.abs))))
      expect(moved).toBeGreaterThan(0.05) // the runs went somewhere
      got.forEach((w, i) => w.forEach((v, k) => expect(Math.abs(v - expected[i]![k]!)).toBeLessThan(1e-12)))
    })
  }

  it('records carry the loss over the whole shard and the module’s evaluation', () => {
    const resolved = resolveExperiment(
      experiment(leastSquares({ evaluate: true }), { kind: 'elastic', eta: 0.1, mu: 0.3 }),
      dir,
    )
    const builtInRun = resolveExperiment(experiment(builtIn, { kind: 'elastic', eta: 0.1, mu: 0.3 }), dir)
    const records: RoundRecord[] = []
    const hooks = { onRecord: (r: readonly RoundRecord[]) => records.push(...r) }
    const result = simulate({ ...resolved, reference: null, messageBytes: () => 0 }, hooks)
    const expected: RoundRecord[] = []
    simulate({ ...builtInRun, reference: null, messageBytes: () => 0 }, { onRecord: (r) => expected.push(...r) })
    expect(records.length).toBe(expected.length)
    records.forEach((r, k) => expect(Math.abs(r.loss - expected[k]!.loss)).toBeLessThan(1e-12))
    const last = records.filter((r) => r.round === 60)
    expect(last).toHaveLength(PEERS)
    for (const r of last) expect(r.evaluation!.w0).toBe(result.params[r.peer]![0])
  })

  it('a module that declares its Hessian gets the elastic theory’s rate, that of the same data built in', () => {
    const algorithm = { kind: 'elastic', eta: 0.1, mu: 0.3 }
    const expected = predictRate(resolveExperiment(experiment(builtIn, algorithm), dir))!.rate
    const got = predictRate(resolveExperiment(experiment(leastSquares({ quadratic: true }), algorithm), dir))!.rate
    expect(expected).toBeGreaterThan(0)
    expect(expected).toBeLessThan(1)
    expect(Math.abs(got - expected)).toBeLessThan(1e-12)
    expect(predictRate(resolveExperiment(experiment(leastSquares(), algorithm), dir))).toBeNull()
  })

  it('a module that declares its Hessian has the built-in data’s reference solution, so its error is measured', () => {
    // an interpolating problem (small integer features, targets from w* = [1, -2, 0.5, 3] exactly), where Eq. 14
    // converges to w* itself at the predicted rate (without an interpolant it keeps an O(eta) floor: experiment 006)
    const exact = join(dir, 'interpolating.csv')
    const planted = [1, -2, 0.5, 3]
    const draw = Rng.derive(8, 0, 'module-test')
    const rows = Array.from({ length: 30 }, () => Array.from({ length: 4 }, () => draw.int(7) - 3))
    writeFileSync(exact, rows.map((x) => [...x, x.reduce((s, v, k) => s + v * planted[k]!, 0)].join(',')).join('\n'))
    const algorithm = { kind: 'elastic', eta: 0.05, mu: 0.3 }
    const expected = runReference(resolveExperiment(experiment({ ...builtIn, path: exact }, algorithm), dir))!
    const resolved = resolveExperiment(experiment(leastSquares({ quadratic: true, file: exact }), algorithm, 300), dir)
    const got = runReference(resolved)!
    got.w.forEach((v, k) => expect(Math.abs(v - expected.w[k]!)).toBeLessThan(1e-12))
    const run = simulate({ ...resolved, reference: got.w, messageBytes: () => 0 })
    const ratio = run.maxErrorHistory[300]! / run.maxErrorHistory[200]!
    const predicted = predictRate(resolved)!.rate
    // over 100 rounds the error shrinks by the predicted rate to the 100th power, to 1% in the exponent
    expect(Math.abs(Math.log(ratio) / 100 - Math.log(predicted))).toBeLessThan(0.01 * Math.abs(Math.log(predicted)))
    expect(runReference(resolveExperiment(experiment(leastSquares(), algorithm), dir))).toBeNull()
  })
})

describe('a problem module in a sweep', () => {
  it('each cell builds the module with its own options; rows carry its figures at the mean parameters', () => {
    const file = join(dir, 'sweep.json')
    writeFileSync(
      file,
      JSON.stringify({
        swarm: { peers: PEERS },
        problem: leastSquares({ evaluate: true }),
        algorithm: { eta: 0.1, mu: 0.3 },
        run: { rounds: 30 },
      }),
    )
    const out = join(dir, 'sweep')
    const r = runMeshgd([
      'sweep',
      file,
      '--grid',
      'algorithm.eta=0.05,0.1',
      '--out',
      out,
      '--plot',
      'algorithm.eta:eval_norm',
    ])
    expect(r.status, r.stderr).toBe(0)
    const rows = readFileSync(join(out, 'sweep.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rows).toHaveLength(2)
    for (const row of rows) {
      const summary = JSON.parse(readFileSync(join(out, 'cells', row.cell, 'summary.json'), 'utf8'))
      expect(row.eval_norm).toBe(summary.final.evaluation.mean_params.norm)
      expect(row.eval_norm).toBeGreaterThan(0)
    }
    expect(rows[0].eval_norm).not.toBe(rows[1].eval_norm)
  })
})

describe('a bad problem module: one line naming it, before any round', () => {
  const flawed = (flaw: string) => ({ kind: 'module', path: join(MODULES, 'flawed.mjs'), options: { flaw } })
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'no default export',
      { kind: 'module', path: join(MODULES, 'no-default.mjs') },
      /no-default\.mjs: has no default export function/,
    ],
    ['no such file', { kind: 'module', path: join(MODULES, 'missing.mjs') }, /missing\.mjs: cannot load: no such file/],
    ['createProblem throws', flawed('create-throws'), /flawed\.mjs: createProblem threw: the data folder is missing/],
    ['a dim that is not a positive integer', flawed('dim'), /flawed\.mjs: dim must be a positive integer, got 2\.5/],
    ['a gradient that writes NaN', flawed('nan'), /flawed\.mjs: gradient\(0, w, \[0\], out\) wrote NaN at entry 0/],
    [
      'a gradient of the wrong length',
      flawed('length'),
      /flawed\.mjs: gradient\(0, w, batch, out\) returned 2 entries, expected dim = 1/,
    ],
    ['an init of the wrong length', flawed('init'), /flawed\.mjs: init\(0\) returned 3 entries, expected 1/],
    [
      'an evaluate that is not numbers',
      flawed('evaluate'),
      /flawed\.mjs: evaluate\(w\) returned accuracy = high, not a number/,
    ],
  ]
  for (const [name, problem, message] of cases) {
    it(`${name}: resolving the experiment fails with the module's name and what is wrong`, () => {
      let thrown: unknown
      try {
        resolveExperiment(experiment(problem, { kind: 'elastic', eta: 0.1, mu: 0.3 }), dir)
      } catch (err) {
        thrown = err
      }
      expect(thrown).toBeInstanceOf(Error)
      expect((thrown as Error).message).toMatch(message)
      expect((thrown as Error).message).not.toContain('\n')
    })
  }

  it('meshgd sim exits 2 with that one line and writes no record', () => {
    const file = join(dir, 'nan.json')
    const out = join(dir, 'nan-run')
    writeFileSync(
      file,
      JSON.stringify({ swarm: { peers: 3 }, problem: flawed('nan'), algorithm: { eta: 0.1, mu: 0.1 } }),
    )
    const r = runMeshgd(['sim', file, '--out', out, '--no-theory'])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/flawed\.mjs: gradient\(0, w, \[0\], out\) wrote NaN/)
  })

  it('a module that throws in round 4 stops the run with its message, as a ProblemError', () => {
    const problem = {
      kind: 'module',
      path: join(MODULES, 'flawed.mjs'),
      options: { flaw: 'throws-later', after: 3 * PEERS + 3 },
    }
    const resolved = resolveExperiment(experiment(problem, { kind: 'elastic', eta: 0.1, mu: 0.3 }), dir)
    expect(() => simulate({ ...resolved, reference: null, messageBytes: () => 0 })).toThrow(
      expect.objectContaining({
        constructor: ProblemError,
        message: expect.stringMatching(/flawed\.mjs: gradient\(\d, w, batch, out\) threw: out of memory at call 22/),
      }),
    )
  })

  it('meshgd theory says the theory is not applicable to a module that does not declare itself quadratic', () => {
    const file = join(dir, 'theory.json')
    writeFileSync(
      file,
      JSON.stringify({ swarm: { peers: PEERS }, problem: leastSquares(), algorithm: { eta: 0.1, mu: 0.3 } }),
    )
    const r = runMeshgd(['theory', file, '--json'])
    expect(r.status).toBe(0)
    const report = JSON.parse(r.stdout) as { elastic: unknown; note: string }
    expect(report.elastic).toBeNull()
    expect(report.note).toMatch(/not applicable: .*does not declare itself quadratic \(hessian\(i\)\)/)
  })
})

describe('the contract as TypeScript types (meshgd/problem)', () => {
  // f_i(w) = 1/2 (w - (i + 1))^2 for one sample: a typed module checks against CreateProblem at lint time
  const create: CreateProblem = (options) => ({
    dim: 1,
    samples: () => 1,
    loss: (i, w) => 0.5 * (w[0]! - (i + 1)) ** 2,
    gradient: (i, w, _batch, out) => void (out[0] = w[0]! - (i + 1)),
    init: () => [Number(options.start ?? 0)],
    evaluate: (w) => ({ w: w[0]! }),
  })

  it('a typed module builds, and its objective, start and evaluation are the module’s', () => {
    const p = moduleProblem(
      { path: 'typed.ts', namespace: { default: create } },
      { start: 2 },
      { peers: 3, seed: 1, peer: null, dir: '/' },
    )
    expect(p.paramDim).toBe(1)
    expect(Array.from(p.init(1)!)).toEqual([2])
    const g = p.objective(2).batchGradient(Float64Array.of(5), Int32Array.of(0, 0), 0.5, new Float64Array(1))
    expect(g[0]).toBe(2) // (5 - 3) from the module's mean, times scale 0.5 x 2 draws
    expect(p.objective(0).loss(Float64Array.of(3))).toBe(2)
    expect(p.evaluate!(Float64Array.of(7))).toEqual({ w: 7 })
  })
})
