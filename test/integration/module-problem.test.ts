/**
 * Problem modules as real swarms (docs/problems.md): a least-squares module and the MNIST perceptron of
 * examples/mnist-mlp equal `meshgd sim` bit for bit, each peer process loading the module for itself; the
 * perceptron reaches its target accuracy in the simulator (experiments/008-mnist-mlp); a module that throws in the
 * middle of a run stops that peer with the module's message, and the others finish.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { accuracyRun, roundsTo } from '../../experiments/008-mnist-mlp/make.js'
import { Rng } from '../../src/util/rng.js'
import { jsonWriter, meshgdRunner, paramsBytes, root, workDir } from '../helpers/meshgd.js'
import { startBootstrap, startPeer, stopStarted } from '../helpers/processes.js'

const work = workDir('module-problem')
afterAll(stopStarted)

const meshgd = meshgdRunner({ cwd: work, timeout: 240_000 })
const experiment = jsonWriter(work)
const MODULES = join(root, 'test', 'fixtures', 'modules')

const csv = join(work, 'data.csv')
const rng = Rng.derive(11, 0, 'module-swarm')
writeFileSync(
  csv,
  Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => rng.gaussian()).join(',')).join('\n'),
)

function sameAsSim(name: string, body: Record<string, unknown>, peers: number): void {
  const file = experiment(name, body)
  const sim = meshgd(['sim', file, '--out', join(work, `${name}-sim`), '--quiet', '--no-theory'])
  expect(sim.status, sim.stderr).toBe(0)
  const net = meshgd(['swarm', file, '--out', join(work, `${name}-net`), '--quiet'])
  expect(net.stderr).toBe('')
  expect(net.status).toBe(0)
  for (let i = 0; i < peers; i++) {
    const a = paramsBytes(join(work, `${name}-sim`), i)
    expect(paramsBytes(join(work, `${name}-net`), i).equals(a), `peer ${i}`).toBe(true)
  }
}

describe('a problem module in a swarm equals meshgd sim bit for bit', () => {
  it('least squares, 6 peers, dsgd with batches and float32 on the wire', () => {
    sameAsSim(
      'least-squares',
      {
        swarm: { id: 'least-squares', peers: 6 },
        topology: { kind: 'ring' },
        problem: { kind: 'module', path: join(MODULES, 'least-squares.mjs'), options: { file: csv, evaluate: true } },
        algorithm: { kind: 'dsgd', eta: 0.1, sampling: { kind: 'batch', size: 2 } },
        compression: { kind: 'float32' },
        run: { rounds: 80, record_every: 20, neighbour_timeout_ms: 30_000 },
      },
      6,
    )
    const summary = JSON.parse(readFileSync(join(work, 'least-squares-net', 'summary.json'), 'utf8'))
    expect(summary.rejected_messages).toBe(0)
  })
})

describe('the MNIST perceptron of examples/mnist-mlp (docs/problems.md "An example")', () => {
  const mnist = { kind: 'module', path: join(root, 'examples', 'mnist-mlp', 'problem.mjs'), options: { shards: 'iid' } }

  it('16 peers on a ring, 20 rounds: every peer process equals meshgd sim bit for bit', () => {
    sameAsSim(
      'mnist-mlp',
      {
        swarm: { id: 'mnist-mlp', peers: 16 },
        topology: { kind: 'ring' },
        problem: mnist,
        algorithm: { kind: 'dsgd', eta: 0.5, adapt_then_combine: true, sampling: { kind: 'batch', size: 32 } },
        run: { rounds: 20, record_every: 10, neighbour_timeout_ms: 60_000 },
      },
      16,
    )
    const summary = JSON.parse(readFileSync(join(work, 'mnist-mlp-net', 'summary.json'), 'utf8'))
    expect(summary.final.evaluation.peers.test_accuracy.min).toBeGreaterThan(0.5) // 20 rounds already learn digits
  })

  it('in the simulator, the ring with IID shards reaches 95% within 1.5 times the rounds of the complete graph', () => {
    const ring = accuracyRun('ring-iid.yaml', ['run.rounds=1500', 'run.record_every=100'])
    const complete = accuracyRun('complete-iid.yaml', ['run.rounds=1500', 'run.record_every=100'])
    const [r, c] = [roundsTo(ring, 0.95), roundsTo(complete, 0.95)]
    expect(c, 'the complete graph reaches 95%').not.toBeNull()
    expect(r, 'the ring reaches 95%').not.toBeNull()
    expect(r!).toBeLessThanOrEqual(1.5 * c!)
  }, 600_000)
})

describe('a module that throws in the middle of a run', () => {
  it('stops that peer with the module’s message; its neighbours go on without it and finish', async () => {
    const file = experiment('throws', {
      swarm: { id: 'throws', peers: 4 },
      topology: { kind: 'ring' },
      problem: {
        kind: 'module',
        path: join(MODULES, 'flawed.mjs'),
        options: { flaw: 'throws-later', after: 30, peer: 2 },
      },
      algorithm: { kind: 'elastic', eta: 0.1, mu: 0.2 },
      run: { rounds: 120, record_every: 10, neighbour_timeout_ms: 1500 },
    })
    const boot = await startBootstrap()
    const out = join(work, 'throws')
    const peers = Array.from({ length: 4 }, (_, i) => startPeer(file, i, out, boot.addr))
    const codes = await Promise.all(peers.map(async (p) => (await p.exit).code))
    boot.stop()
    const said = peers.map((p, i) => `peer ${i}: ${p.stderr().trim().split('\n').at(-1)}`).join('\n')
    expect(codes, said).toEqual([0, 0, 2, 0])
    const last = peers[2]!.stderr().trim().split('\n').at(-1)!
    expect(last).toMatch(/flawed\.mjs: gradient\(2, w, batch, out\) threw: out of memory at call 31/)
  })
})
