/**
 * Graphs that change from round to round and graphs whose links go one way, as real swarms: every new algorithm and
 * topology kind equals `meshgd sim` bit for bit (docs/algorithms.md "Graphs that change, graphs that point one way"),
 * including 16 peers on the one-peer exponential graph, and run.target stops a changing swarm on the simulator's round.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, meshgdRunner, paramsBytes, workDir } from '../helpers/meshgd.js'
import { stopStarted } from '../helpers/processes.js'

const work = workDir('round-graphs')
afterAll(stopStarted)

const meshgd = meshgdRunner({ cwd: work, timeout: 180_000 })
const experiment = jsonWriter(work)

const CHORDS = [
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
// more samples than dimensions and label noise: no common interpolant, so dsgd's bias and the trackers' exactness differ
const problem = { kind: 'planted', loss: 'squared', dim: 12, samples_per_peer: 2, seed: 5, noise: 0.2 }

const cases: Array<{
  name: string
  peers: number
  topology: Record<string, unknown>
  algorithm: Record<string, unknown>
  compression?: Record<string, unknown>
}> = [
  { name: 'ope16-dsgd', peers: 16, topology: { kind: 'one-peer-exponential' }, algorithm: { kind: 'dsgd', eta: 0.3 } },
  {
    name: 'matching-dsgd-atc',
    peers: 6,
    topology: { kind: 'random-matching', seed: 2 },
    algorithm: { kind: 'dsgd', eta: 0.3, adapt_then_combine: true },
  },
  {
    name: 'ring-dsgd-qsgd-difference',
    peers: 6,
    topology: { kind: 'ring' },
    algorithm: { kind: 'dsgd', eta: 0.3 },
    compression: { kind: 'qsgd', levels: 8, mode: 'difference' },
  },
  {
    name: 'ope-tracking',
    peers: 8,
    topology: { kind: 'one-peer-exponential' },
    algorithm: { kind: 'gradient-tracking', eta: 0.2 },
  },
  {
    name: 'schedule-tracking',
    peers: 6,
    topology: {
      kind: 'schedule',
      period: 2,
      graphs: [
        {
          kind: 'edges',
          edges: [
            [0, 1],
            [2, 3],
            [4, 5],
          ],
        },
        { kind: 'ring' },
      ],
    },
    algorithm: { kind: 'gradient-tracking', eta: 0.2 },
  },
  {
    name: 'directed-ring-push-sum',
    peers: 6,
    topology: { kind: 'directed-ring' },
    algorithm: { kind: 'push-sum', eta: 0.2, sampling: { kind: 'batch', size: 1 } },
  },
  {
    name: 'directed-exponential-push-sum-float32',
    peers: 8,
    topology: { kind: 'directed-exponential' },
    algorithm: { kind: 'push-sum', eta: 0.2 },
    compression: { kind: 'float32' },
  },
  {
    name: 'directed-edges-push-diging',
    peers: 6,
    topology: { kind: 'edges', directed: true, edges: CHORDS },
    algorithm: { kind: 'push-diging', eta: 0.05 },
  },
  {
    name: 'ope-push-diging-qsgd',
    peers: 8,
    topology: { kind: 'one-peer-exponential' },
    algorithm: { kind: 'push-diging', eta: 0.1 },
    compression: { kind: 'qsgd', levels: 16 },
  },
]

const params = (dir: string, n: number): Buffer[] => Array.from({ length: n }, (_, i) => paramsBytes(dir, i))

describe('a swarm on a changing or one-way graph equals meshgd sim bit for bit', () => {
  for (const c of cases) {
    it(`${c.name} (${c.peers} peers)`, () => {
      const file = experiment(c.name, {
        swarm: { id: c.name, peers: c.peers },
        topology: c.topology,
        problem,
        algorithm: c.algorithm,
        ...(c.compression ? { compression: c.compression } : {}),
        run: { rounds: 60, record_every: 10, neighbour_timeout_ms: 30_000 },
      })
      const sim = meshgd(['sim', file, '--out', join(work, `${c.name}-sim`), '--quiet'])
      expect(sim.status, sim.stderr).toBe(0)
      const net = meshgd(['swarm', file, '--out', join(work, `${c.name}-net`), '--quiet'])
      expect(net.stderr).toBe('')
      expect(net.status).toBe(0)
      const a = params(join(work, `${c.name}-sim`), c.peers)
      const b = params(join(work, `${c.name}-net`), c.peers)
      for (let i = 0; i < c.peers; i++) expect(b[i]!.equals(a[i]!), `peer ${i}`).toBe(true)
      const summary = JSON.parse(readFileSync(join(work, `${c.name}-net`, 'summary.json'), 'utf8'))
      expect(summary.rejected_messages).toBe(0)
    })
  }
})

describe('run.target on a graph that changes every round', () => {
  it('gradient-tracking on the one-peer exponential graph stops where the simulator stops, log2 n rounds after the target', () => {
    const file = experiment('target-ope', {
      swarm: { id: 'target-ope', peers: 8 },
      topology: { kind: 'one-peer-exponential' },
      problem: { kind: 'planted', loss: 'squared', dim: 8, samples_per_peer: 3, seed: 5, noise: 0.2 },
      algorithm: { kind: 'gradient-tracking', eta: 0.3 },
      run: { rounds: 3000, target: 1e-6, record_every: 50, neighbour_timeout_ms: 30_000 },
    })
    expect(meshgd(['sim', file, '--out', join(work, 'target-ope-sim'), '--quiet']).status).toBe(0)
    const net = meshgd(['swarm', file, '--out', join(work, 'target-ope-net'), '--quiet'])
    expect(net.status, net.stderr).toBe(0)
    const summaryOf = (dir: string): { rounds: number; target_round: number; converged: boolean } =>
      JSON.parse(readFileSync(join(work, dir, 'summary.json'), 'utf8'))
    const [s, w] = [summaryOf('target-ope-sim'), summaryOf('target-ope-net')]
    expect(s.converged && w.converged).toBe(true)
    expect(s.rounds).toBeLessThan(3000)
    // 8 peers: every peer has heard from every other after log2 8 = 3 rounds, whichever round the period starts at
    expect(s.rounds).toBe(s.target_round + 3)
    expect(w.rounds).toBe(s.rounds)
    const a = params(join(work, 'target-ope-sim'), 8)
    const b = params(join(work, 'target-ope-net'), 8)
    for (let i = 0; i < 8; i++) expect(b[i]!.equals(a[i]!), `peer ${i}`).toBe(true)
  })
})
