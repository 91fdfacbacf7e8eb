/**
 * A researcher's first afternoon (issue 25), the steps that need real processes: `meshgd swarm` says where its
 * bootstrap is, and `meshgd watch` pointed there follows the swarm (item 7); a Ctrl-C'd or SIGTERMed `meshgd node`
 * says it was interrupted, at which round (item 13); `--log-json` writes nothing but JSON lines, its metrics address
 * and its last line included (item 14); `meshgd sim` with its output in a pipe says where it is at least every 5 s
 * (item 15).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, workDir } from '../helpers/meshgd.js'
import {
  exitCode,
  sleep,
  startBootstrap,
  startMeshgd,
  startPeer,
  stopStarted,
  waitForRound,
} from '../helpers/processes.js'

const work = workDir('afternoon')
const experiment = jsonWriter(work)
afterAll(stopStarted)

const endless = (id: string, peers: number): string =>
  experiment(id, {
    swarm: { id, peers },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: 16, samples_per_peer: 1, seed: 3 },
    algorithm: { kind: 'elastic', eta: 'auto', mu: 0.3 },
    run: { rounds: 100_000_000, target: null, record_every: 100 },
  })

describe("a researcher's first afternoon, with real processes", () => {
  it('7: meshgd swarm prints its bootstrap, meshgd watch follows the swarm there, and summary.json keeps it', async () => {
    const out = join(work, 'watched')
    const swarm = startMeshgd(['swarm', endless('watched', 4), '--out', out])
    let boot = ''
    for (let k = 0; k < 300 && !boot; k++) {
      boot =
        /^meshgd: bootstrap (\/ip4\/\S+\/p2p\/\S+) \(follow the swarm from anywhere: meshgd watch --bootstrap \1\)$/m.exec(
          swarm.stderr(),
        )?.[1] ?? ''
      await sleep(100)
    }
    expect(boot, swarm.stderr()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)
    await waitForRound(out, 3, 200)
    const watch = startMeshgd(['watch', '--bootstrap', boot, '--json'])
    let statuses: Array<{ swarm: string; peer: number; round: number }> = []
    for (let k = 0; k < 300 && new Set(statuses.map((s) => s.peer)).size < 4; k++) {
      await sleep(100)
      statuses = watch
        .stdout()
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { swarm: string; peer: number; round: number })
    }
    expect(new Set(statuses.map((s) => s.peer))).toEqual(new Set([0, 1, 2, 3]))
    expect(statuses.every((s) => s.swarm === 'watched' && s.round > 0)).toBe(true)
    watch.child.kill('SIGINT')
    swarm.child.kill('SIGINT')
    expect(await exitCode(swarm)).toBe(130)
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).bootstrap).toBe(boot)
  }, 120_000)

  it('13 and 14: a Ctrl-C\'d and a SIGTERMed meshgd node say "interrupted at round R", and --log-json writes only JSON', async () => {
    const file = endless('interrupted', 3)
    const boot = await startBootstrap()
    const out = join(work, 'interrupted')
    const args = ['--log-json', '--metrics', '/ip4/127.0.0.1/tcp/0']
    const peers = [0, 1, 2].map((i) => startPeer(file, i, out, boot.addr, { args }))
    for (const i of [0, 1, 2]) await waitForRound(out, i, 300)
    peers[0]!.child.kill('SIGINT')
    peers[1]!.child.kill('SIGTERM')
    expect(await exitCode(peers[0]!)).toBe(130)
    expect(await exitCode(peers[1]!)).toBe(130)
    peers[2]!.child.kill('SIGINT')
    expect(await exitCode(peers[2]!)).toBe(130)
    boot.stop()
    for (const [i, p] of peers.entries()) {
      const lines = p.stderr().trim().split('\n')
      const records = lines.map((line) => {
        try {
          return JSON.parse(line) as { msg: string; peer: number; swarm: string; level: number }
        } catch {
          throw new Error(`peer ${i}: a line that is not JSON under --log-json: ${line}`)
        }
      })
      expect(records.every((r) => r.peer === i && r.swarm === 'interrupted')).toBe(true)
      expect(records.some((r) => /^peer \d: metrics at http:\/\/127\.0\.0\.1:\d+\/metrics$/.test(r.msg))).toBe(true)
      const rounds = JSON.parse(readFileSync(join(out, 'peers', String(i), 'info.json'), 'utf8')).rounds as number
      expect(records.at(-1)!.msg).toMatch(new RegExp(`^peer ${i}: interrupted at round ${rounds}, \\d+ bytes sent$`))
      expect(records.some((r) => r.msg.includes('done after'))).toBe(false)
    }
  }, 120_000)

  it('15: meshgd sim into a pipe says where it is at least every 5 s', async () => {
    const sim = startMeshgd(['sim', endless('piped', 8), '--out', join(work, 'piped'), '--no-theory'])
    const arrivals: Array<{ at: number; line: string }> = []
    sim.child.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (line.startsWith('sim: round')) arrivals.push({ at: performance.now(), line })
    })
    const t0 = performance.now()
    await sleep(17_000)
    sim.child.kill('SIGINT')
    expect(await exitCode(sim)).toBe(130)
    // 100,000,000 rounds: the first 10% is hours away, so every line here is a 5-second one
    expect(arrivals.length).toBeGreaterThanOrEqual(2)
    const times = [t0, ...arrivals.map((a) => a.at)]
    for (let k = 1; k < times.length; k++) expect(times[k]! - times[k - 1]!).toBeLessThan(8000) // 5 s, plus start-up
    expect(arrivals[0]!.line).toMatch(/^sim: round \d+\/100000000, relative error \d\.\d\de-?\d+$/)
  }, 60_000)
})
