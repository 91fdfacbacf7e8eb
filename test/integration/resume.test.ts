/**
 * A whole swarm interrupted and started again resumes (issue 25, item 1): `meshgd swarm` Ctrl-C'd twice, then run
 * to the end with the same command, writes the same `params/*.f64` as `meshgd sim`, bit for bit. Every process is
 * new each time (new ports, a new bootstrap), so each peer must find its neighbours where they are now, not where
 * `state/neighbours.json` says they were; peers stopped one round apart must resume from the same bits (the round
 * a peer was waiting on runs again with the same random draws, and a neighbour one round behind still gets the
 * frame it needs).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, meshgdRunner, paramsBytes, workDir } from '../helpers/meshgd.js'
import {
  exitCode,
  firstLine,
  info,
  recordedRound,
  sleep,
  startMeshgd,
  stopStarted,
  type Proc,
} from '../helpers/processes.js'

const work = workDir('resume')
afterAll(stopStarted)

const meshgd = meshgdRunner({ cwd: work, timeout: 120_000 })
const experiment = jsonWriter(work)
const PEERS = 8
const ROUNDS = 3000
const EVERY = 50

const cases: Array<{
  name: string
  topology?: Record<string, unknown>
  problem: Record<string, unknown>
  algorithm: Record<string, unknown>
  compression?: Record<string, unknown>
  target?: number
}> = [
  // run.target stops it at round 1461 (every peer within at 1457): the stop window is resumed too
  {
    name: 'ring-elastic',
    problem: { samples_per_peer: 1, seed: 1 },
    algorithm: { kind: 'elastic', eta: 1.0, mu: 0.3 },
    target: 1e-13,
  },
  // random draws in every round (mini-batches, QSGD) and public copies: the round cut short must be replayed exactly
  {
    name: 'ring-quorum-batch-qsgd-difference',
    problem: { samples_per_peer: 4, seed: 3 },
    algorithm: { kind: 'quorum', eta: 0.3, k: 0.5, sampling: { kind: 'batch', size: 2 } },
    compression: { kind: 'qsgd', levels: 8, mode: 'difference' },
  },
  // a graph that changes every round: a peer resumed at round r hears from whom round r says, and the tracker resumes
  {
    name: 'one-peer-exponential-tracking',
    topology: { kind: 'one-peer-exponential' },
    problem: { samples_per_peer: 4, noise: 0.3, seed: 3 },
    algorithm: { kind: 'gradient-tracking', eta: 0.3 },
  },
  // one-way links and mass: numerator and weight resume, and no message stands in for one (it would count twice)
  {
    name: 'directed-ring-push-sum-batch',
    topology: { kind: 'directed-ring' },
    problem: { samples_per_peer: 4, seed: 3 },
    algorithm: { kind: 'push-sum', eta: 0.3, sampling: { kind: 'batch', size: 2 } },
  },
]

const slowest = (out: string): number => Math.min(...Array.from({ length: PEERS }, (_, i) => recordedRound(out, i)))

/** Wait until every peer has recorded round `round` or later; returns the seconds it took. */
async function untilEveryPeerAt(out: string, round: number, limitS: number, run: Proc): Promise<number> {
  const t0 = performance.now()
  while (slowest(out) < round) {
    if ((performance.now() - t0) / 1000 > limitS)
      throw new Error(
        `the swarm did not reach round ${round} within ${limitS} s (slowest peer at ${slowest(out)}): ${run.stderr()}`,
      )
    await sleep(100)
  }
  return (performance.now() - t0) / 1000
}

/** `meshgd swarm FILE --out OUT`, stopped with SIGINT once every peer is `more` rounds past where it started. */
async function interruptAfter(
  file: string,
  out: string,
  more: number,
): Promise<{ resumedFrom: number | null; stoppedAt: number; advancedInS: number }> {
  const from = Math.max(0, slowest(out))
  const run = startMeshgd(['swarm', file, '--out', out, '--quiet'])
  const resumedLine = from > 0 ? await firstLine(run, 'stderr') : null
  const resumedFrom = resumedLine === null ? null : Number(/resuming from round (\d+)/.exec(resumedLine)?.[1] ?? NaN)
  // start-up of 8 processes takes a few seconds here; a swarm that cannot find itself again never advances
  const advancedInS = await untilEveryPeerAt(out, from + more, 60, run)
  run.child.kill('SIGINT')
  expect(await exitCode(run), run.stderr()).toBe(130)
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    rounds: number
    interrupted: boolean
  }
  expect(summary.interrupted).toBe(true)
  return { resumedFrom, stoppedAt: summary.rounds, advancedInS }
}

describe('a whole swarm interrupted twice resumes to the same bits as meshgd sim', () => {
  for (const c of cases) {
    it(`${c.name} (${PEERS} peers)`, async () => {
      const file = experiment(c.name, {
        swarm: { id: c.name, peers: PEERS },
        topology: c.topology ?? { kind: 'ring' },
        problem: { kind: 'planted', loss: 'squared', dim: 64, ...c.problem },
        algorithm: c.algorithm,
        ...(c.compression ? { compression: c.compression } : {}),
        run: { rounds: ROUNDS, target: c.target ?? null, record_every: EVERY, checkpoint_every: 500 },
      })
      const simOut = join(work, `${c.name}-sim`)
      expect(meshgd(['sim', file, '--out', simOut, '--quiet']).status).toBe(0)
      const out = join(work, `${c.name}-net`)

      const first = await interruptAfter(file, out, 500)
      expect(first.resumedFrom).toBeNull()
      const second = await interruptAfter(file, out, 500)
      // it says where it resumes, from the checkpoints Ctrl-C left (each peer wrote one where it stopped)
      expect(second.resumedFrom).toBeGreaterThanOrEqual(first.stoppedAt)
      // and the rounds advance within seconds of the start (before the fix they never did)
      expect(second.advancedInS).toBeLessThan(45)
      expect(second.stoppedAt).toBeGreaterThan(first.stoppedAt)

      const last = startMeshgd(['swarm', file, '--out', out, '--quiet'])
      expect(await firstLine(last, 'stderr')).toMatch(/^meshgd: resuming from round \d+ /)
      expect(await exitCode(last), last.stderr()).toBe(0)
      const summaryOf = (dir: string): { rounds: number; interrupted: boolean; target_round: number | null } =>
        JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))
      const [summary, simSummary] = [summaryOf(out), summaryOf(simOut)]
      expect(summary.rounds).toBe(c.target ? simSummary.rounds : ROUNDS)
      expect(summary.target_round).toBe(simSummary.target_round)
      expect(summary.interrupted).toBe(false)
      for (let i = 0; i < PEERS; i++) expect(paramsBytes(out, i).equals(paramsBytes(simOut, i)), `peer ${i}`).toBe(true)
      // and every peer did resume from its checkpoint (a peer that refused its checkpoint would start over from
      // round 0 and still end with the same bits)
      for (let i = 0; i < PEERS; i++) expect(info(out, i).resumed_from, `peer ${i}`).toBeGreaterThan(0)
    }, 300_000)
  }
})

describe('a finished run given more rounds goes on from its checkpoints (issue 25 item 9)', () => {
  it(`${PEERS}-peer ring: 800 rounds, then --set run.rounds=1600, equals meshgd sim of 1600 bit for bit`, () => {
    const file = experiment('extended', {
      swarm: { id: 'extended', peers: PEERS },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 64, samples_per_peer: 2, seed: 4 },
      algorithm: { kind: 'quorum', eta: 0.3, k: 0.5, sampling: { kind: 'batch', size: 1 } },
      run: { rounds: 800, target: null, record_every: EVERY },
    })
    const out = join(work, 'extended-net')
    expect(meshgd(['swarm', file, '--out', out, '--quiet']).status).toBe(0)
    const extended = meshgd(['swarm', file, '--out', out, '--quiet', '--set', 'run.rounds=1600'])
    expect(extended.status, extended.stderr).toBe(0)
    expect(extended.stderr).toMatch(
      /^meshgd: extending the run in \S+ from run\.rounds 800 to 1600\nmeshgd: resuming from round 800 /,
    )
    const simOut = join(work, 'extended-sim')
    expect(meshgd(['sim', file, '--out', simOut, '--quiet', '--set', 'run.rounds=1600']).status).toBe(0)
    for (let i = 0; i < PEERS; i++) expect(paramsBytes(out, i).equals(paramsBytes(simOut, i)), `peer ${i}`).toBe(true)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      rounds: number
      experiment: { run: { rounds: number } }
    }
    expect(summary.rounds).toBe(1600)
    expect(summary.experiment.run.rounds).toBe(1600)
    // fewer rounds than it ran is another experiment, refused naming the field
    const fewer = meshgd(['swarm', file, '--out', out, '--quiet', '--set', 'run.rounds=400'])
    expect(fewer.status).toBe(2)
    expect(fewer.stderr.trim()).toMatch(
      /^meshgd: --out \S+: holds a run of another experiment \(run\.rounds: 1600 there, 400 here\); pass --force/,
    )
  }, 300_000)
})
