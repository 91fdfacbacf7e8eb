/**
 * The one real swarm of `npm test`: a bootstrap and 6 peer processes on a ring over TCP on this machine, started by
 * `meshgd swarm`, give bit for bit the parameters of `meshgd sim` (docs/design.md: the first test that the network runs
 * the algorithm and nothing else). Every other algorithm, compression, faults, the lab and 32 processes run in
 * `npm run test:integration`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { jsonWriter, meshgdRunner, paramsBytes, workDir } from '../helpers/meshgd.js'

const work = workDir('smoke')
const meshgd = meshgdRunner({ cwd: work, timeout: 180_000 })

describe('a real swarm', () => {
  it('of 6 processes on a ring equals meshgd sim bit for bit; --set reaches every peer; the bar shows the error', () => {
    const n = 6
    const file = jsonWriter(work)('ring', {
      swarm: { id: 'smoke', peers: n },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 12, samples_per_peer: 2, seed: 5 },
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 40, record_every: 10, neighbour_timeout_ms: 30_000, target: null },
    })
    // the override must reach the peers (issue 18, item 2): they run the resolved experiment, not the file
    const set = ['--set', 'run.rounds=200']
    expect(meshgd(['sim', file, ...set, '--out', join(work, 'sim'), '--quiet']).status).toBe(0)
    const net = meshgd(['swarm', file, ...set, '--out', join(work, 'net')])
    expect(net.status, net.stderr).toBe(0)
    // stderr holds the bootstrap's address first (issue 25 item 7), then progress and nothing else (no warnings),
    // and the bar shows the error (issue 18, item 6)
    const [first, ...lines] = net.stderr.trim().split('\n')
    expect(first).toMatch(
      /^meshgd: bootstrap (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW\w+) \(follow the swarm from anywhere: meshgd watch --bootstrap \1\)$/,
    )
    expect(JSON.parse(readFileSync(join(work, 'net', 'summary.json'), 'utf8')).bootstrap).toBe(
      /bootstrap (\S+)/.exec(first!)![1],
    )
    for (const line of lines)
      expect(line).toMatch(
        /^swarm: (\d+\/6 peers joined( in [\d.]+ s)?|round \d+\/200, relative error (n\/a|\d\.\d\de[-+]\d+))$/,
      )
    expect(lines.some((l) => /relative error \d/.test(l))).toBe(true)
    expect(JSON.parse(readFileSync(join(work, 'net', 'experiment.json'), 'utf8')).run.rounds).toBe(200)
    for (let i = 0; i < n; i++)
      expect(JSON.parse(readFileSync(join(work, 'net', 'peers', String(i), 'info.json'), 'utf8')).rounds).toBe(200)
    for (let i = 0; i < n; i++) {
      const a = paramsBytes(join(work, 'sim'), i)
      const b = paramsBytes(join(work, 'net'), i)
      expect(b.equals(a), `peer ${i}`).toBe(true)
    }
    const summary = JSON.parse(readFileSync(join(work, 'net', 'summary.json'), 'utf8'))
    expect(summary.peer_addrs).toHaveLength(n)
    expect(summary.rejected_messages).toBe(0)
    expect(
      readFileSync(join(work, 'net', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(n * 21) // rounds 0, 10, ..., 190, 200
  })
})
