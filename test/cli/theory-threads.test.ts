/**
 * `meshgd theory` on a planted problem large enough that it draws the Gram matrix of the samples in worker threads
 * (cli/gram-threads.ts): 8 peers with 2 samples each at d = 2^20 (2^24 feature entries, the threshold). Its JSON
 * equals, to the last bit, the report computed here with the shards drawn whole and the Gram matrix formed in this
 * thread (the oracle); and the command also answers with a problem too small for threads.
 */
import { describe, expect, it } from 'vitest'
import { threadedGramApplies, THREADED_GRAM_MIN_ENTRIES } from '../../src/cli/gram-threads.js'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { theoryReport } from '../../src/theory/predict.js'
import { jsonWriter, meshgdRunner, workDir } from '../helpers/meshgd.js'

const dir = workDir('theory-threads')
const write = jsonWriter(dir)
const meshgd = meshgdRunner({ cwd: dir, timeout: 120_000 })

const ring = (peers: number, dim: number, m: number): Record<string, unknown> => ({
  swarm: { id: `threads-${peers}-${dim}`, peers },
  topology: { kind: 'ring' },
  problem: { kind: 'planted', loss: 'squared', dim, samples_per_peer: m, seed: 3 },
  algorithm: { kind: 'elastic', eta: 0.9, mu: 0.25 },
  run: { rounds: 10 },
})

describe('meshgd theory with the Gram matrix drawn in worker threads', () => {
  it('prints the report of the shards drawn whole, bit for bit (8 peers x 2 samples, d = 2^20)', () => {
    const body = ring(8, 2 ** 20, 2)
    const resolved = resolveExperiment(experimentFrom(body), dir)
    expect(threadedGramApplies(resolved)).toBe(true)
    expect(16 * 2 ** 20).toBeGreaterThanOrEqual(THREADED_GRAM_MIN_ENTRIES)
    const r = meshgd(['theory', write('big', body), '--json'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const oracle = JSON.parse(JSON.stringify(theoryReport(resolved)))
    expect(JSON.parse(r.stdout)).toEqual(oracle)
    expect(oracle.elastic.rate).toBeGreaterThan(0.5)
    expect(oracle.elastic.rate).toBeLessThan(1)
  })

  it('forms the Gram matrix in the main thread below the threshold, with the same report', () => {
    const body = ring(5, 2000, 1)
    const resolved = resolveExperiment(experimentFrom(body), dir)
    expect(threadedGramApplies(resolved)).toBe(false)
    const r = meshgd(['theory', write('small', body), '--json'])
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(theoryReport(resolved))))
  })
})
