/**
 * The round time split on a real swarm: a 6-peer ring (sync, d = 1,000) with peer 3 slowed by `--delay-ms 40`.
 * Its neighbours (2 and 4) must show about 40 ms more waiting per round, peer 3 itself must not wait (its
 * neighbours' vectors are there when it comes back) and must show the delay as its own time; the summary that
 * `meshgd report` gathers carries the totals. The steady state is read between two records (rounds 50 and 150),
 * so the start-up skew of the first rounds does not count.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, runMeshgd, workDir } from '../helpers/meshgd.js'
import { info, startBootstrap, startPeer, stopStarted } from '../helpers/processes.js'

const work = workDir('round-time')
const writeExperiment = jsonWriter(work)
afterAll(stopStarted)

interface Rec {
  round: number
  compute_ms: number
  wait_ms: number
  send_ms: number
}

const DELAY = 40

function perRound(out: string, i: number, from: number, to: number): { compute: number; wait: number; send: number } {
  const recs = readFileSync(join(out, 'peers', String(i), 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec)
  const a = recs.find((r) => r.round === from)!
  const b = recs.find((r) => r.round === to)!
  const n = to - from
  return {
    compute: (b.compute_ms - a.compute_ms) / n,
    wait: (b.wait_ms - a.wait_ms) / n,
    send: (b.send_ms - a.send_ms) / n,
  }
}

describe('compute, wait and send time per round', () => {
  it(`6-peer ring with peer 3 slowed by ${DELAY} ms a round: its neighbours wait about that long, it does not`, async () => {
    const body = {
      swarm: { id: 'round-time', peers: 6 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 1000, samples_per_peer: 1, seed: 3 },
      algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
      run: { rounds: 200, record_every: 50, checkpoint_every: null },
    }
    const file = writeExperiment('round-time', body)
    const out = join(work, 'out')
    const boot = await startBootstrap()
    const peers = Array.from({ length: 6 }, (_, i) =>
      startPeer(file, i, out, boot.addr, i === 3 ? { args: ['--delay-ms', String(DELAY)] } : {}),
    )
    const codes = await Promise.all(peers.map((p) => p.exit))
    boot.stop()
    expect(codes.map((c) => c.code)).toEqual(new Array(6).fill(0))
    const slow = perRound(out, 3, 50, 150)
    expect(slow.compute).toBeGreaterThanOrEqual(DELAY)
    expect(slow.wait).toBeLessThan(0.25 * DELAY)
    for (const i of [2, 4]) {
      const fast = perRound(out, i, 50, 150)
      expect(fast.wait, `peer ${i} wait per round`).toBeGreaterThan(0.7 * DELAY)
      expect(fast.wait, `peer ${i} wait per round`).toBeLessThan(1.6 * DELAY)
      expect(fast.compute, `peer ${i} compute per round`).toBeLessThan(0.3 * DELAY)
      // each round writes 8 kB frames to two neighbours: the outbox is busy a little every round, never for long
      expect(fast.send, `peer ${i} send per round`).toBeGreaterThan(0)
      expect(fast.send, `peer ${i} send per round`).toBeLessThan(0.3 * DELAY)
    }
    // info.json: totals over the process's rounds; the gathered summary: sums and means of them
    const infos = [0, 1, 2, 3, 4, 5].map(
      (i) =>
        info(out, i) as unknown as { time: { compute_ms: number; wait_ms: number; send_ms: number; rounds: number } },
    )
    for (const x of infos) expect(x.time.rounds).toBe(200)
    const r = runMeshgd(['report', out])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/round time +compute [\d.]+ ms \(\d+%\), waiting [\d.]+ ms/)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      time: { total: { wait_ms: number }; per_peer: { compute_ms: number } }
    }
    expect(summary.time.total.wait_ms).toBeCloseTo(
      infos.reduce((s, x) => s + x.time.wait_ms, 0),
      2,
    )
    expect(summary.time.per_peer.compute_ms).toBeCloseTo(infos.reduce((s, x) => s + x.time.compute_ms, 0) / 6, 2)
  }, 300_000)
})
