/**
 * Graphs that change from round to round and graphs whose links go one way, as real swarms: every new algorithm and
 * topology kind equals `meshgd sim` bit for bit (docs/algorithms.md "Graphs that change, graphs that point one way"),
 * including 16 peers on the one-peer exponential graph, and run.target stops a changing swarm on the simulator's round.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initialParams } from '../../src/algorithms/peer-step.js'
import { experimentFrom } from '../../src/config/load.js'
import { jsonWriter, meshgdRunner, paramsBytes, workDir } from '../helpers/meshgd.js'
import {
  distance,
  norm,
  params as paramsOf,
  startBootstrap,
  startPeer,
  stopStarted,
  waitForRound,
} from '../helpers/processes.js'
import { DIRECTED_CHORDS } from '../helpers/graphs.js'

const work = workDir('round-graphs')
afterAll(stopStarted)

const meshgd = meshgdRunner({ cwd: work, timeout: 180_000 })
const experiment = jsonWriter(work)

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
    topology: { kind: 'edges', directed: true, edges: DIRECTED_CHORDS },
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

describe('faults, as far as each algorithm allows (docs/algorithms.md "Neighbours that are missing")', () => {
  it('push-sum goes on without a peer killed for good: its neighbours stop pushing to it, and the rest agree', async () => {
    const body = {
      swarm: { id: 'push-sum-fault', peers: 6 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', dim: 8, seed: 5 },
      algorithm: { kind: 'push-sum', eta: 0 },
      run: { rounds: 3000, init: 'gaussian', record_every: 10, neighbour_timeout_ms: 1500 },
    }
    const file = experiment('push-sum-fault', body)
    const boot = await startBootstrap()
    const out = join(work, 'push-sum-fault')
    const peers = Array.from({ length: 6 }, (_, i) => startPeer(file, i, out, boot.addr))
    await waitForRound(out, 2, 20)
    peers[5]!.child.kill('SIGKILL')
    const rest = [0, 1, 2, 3, 4]
    const codes = await Promise.all(rest.map(async (i) => (await peers[i]!.exit).code))
    boot.stop()
    const said = rest.map((i) => `peer ${i}: ${peers[i]!.stderr().trim().split('\n').at(-1)}`).join('\n')
    expect(codes, said).toEqual([0, 0, 0, 0, 0])
    expect(peers[4]!.stderr() + peers[0]!.stderr()).toMatch(
      /neighbour\(s\) 5 silent for \d+ ms .* going on without them/,
    )
    const ws = rest.map((i) => paramsOf(out, i))
    for (const w of ws) expect(distance(w, ws[0]!) / norm(ws[0]!)).toBeLessThan(1e-8) // consensus among the rest
    const experimentOf = experimentFrom(body)
    const mean = new Float64Array(8)
    for (let i = 0; i < 6; i++) initialParams(experimentOf as never, i, 8).forEach((v, k) => (mean[k]! += v / 6))
    // lost: the mass peer 5 held when it died and the shares sent to it that round; its neighbours then stop sending
    // to it, so the rest keep their mass and agree near the mean (how near: how far the lost mass was from it)
    expect(distance(ws[0]!, mean) / norm(mean)).toBeLessThan(1e-2)
    expect(ws[0]!.every(Number.isFinite)).toBe(true)
  }, 240_000)

  it('gradient-tracking: a lost neighbour is fatal, and the message says why and what goes on without it', async () => {
    const file = experiment('tracking-fault', {
      swarm: { id: 'tracking-fault', peers: 4 },
      topology: { kind: 'one-peer-exponential' },
      problem: { kind: 'planted', dim: 8, samples_per_peer: 3, noise: 0.2, seed: 5 },
      algorithm: { kind: 'gradient-tracking', eta: 0.1 },
      run: { rounds: 1_000_000, record_every: 10, neighbour_timeout_ms: 800 },
    })
    const boot = await startBootstrap()
    const out = join(work, 'tracking-fault')
    const peers = Array.from({ length: 4 }, (_, i) => startPeer(file, i, out, boot.addr))
    await waitForRound(out, 0, 50)
    peers[1]!.child.kill('SIGKILL')
    const codes = await Promise.all([0, 2, 3].map(async (i) => (await peers[i]!.exit).code))
    boot.stop()
    expect(codes).toEqual([1, 1, 1])
    const said = [0, 2, 3].map((i) => peers[i]!.stderr()).join('\n')
    expect(said).toMatch(
      /no round-\d+ vector from neighbour\(s\) [\d, ]+ within \d+ ms \(run\.neighbour_timeout_ms\): algorithm\.kind: gradient-tracking keeps its gradient tracker exact only if every message arrives, so a lost neighbour is fatal here/,
    )
  }, 120_000)
})
