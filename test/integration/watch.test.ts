/**
 * `meshgd watch` against swarms started by hand on this machine (a bootstrap and 4 `meshgd node` processes): with
 * `--json` it prints every peer's status as it runs and ends, once every peer is done, with each peer at its last
 * round; the table shows every peer done; on a keyed swarm it needs the key, and without it says in one line that
 * it cannot connect (exit 1); behind a bootstrap with no running swarm `--exit-when-done` gives up after 15 s of
 * silence, in one line (exit 1).
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, runMeshgd, workDir } from '../helpers/meshgd.js'
import { firstLine, info, startMeshgd, startPeer, stopStarted } from '../helpers/processes.js'

const work = workDir('watch')
const writeExperiment = jsonWriter(work)
afterAll(stopStarted)

const ROUNDS = 300

function experiment(id: string, keyFile?: string): string {
  return writeExperiment(id, {
    swarm: { id, peers: 4, ...(keyFile ? { key_file: keyFile } : {}) },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: 100, samples_per_peer: 1, seed: 4 },
    algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
    run: { rounds: ROUNDS, checkpoint_every: null },
  })
}

interface View {
  swarm: string
  peer: number
  round: number
  done: boolean
  state: string
}

/** Start a bootstrap and 4 peers (each round slowed to about 10 ms, so the run lasts a few seconds). */
async function startSwarm(
  id: string,
  keyArgs: string[],
): Promise<{ addr: string; out: string; peers: ReturnType<typeof startPeer>[]; stop: () => void }> {
  const boot = startMeshgd(['bootstrap', '--listen', '/ip4/127.0.0.1/tcp/0', ...keyArgs])
  const addr = await firstLine(boot)
  const out = join(work, id)
  const file = experiment(id)
  const peers = [0, 1, 2, 3].map((i) => startPeer(file, i, out, addr, { args: ['--delay-ms', '10', ...keyArgs] }))
  return { addr, out, peers, stop: () => boot.child.kill('SIGTERM') }
}

function expectEveryPeerSeenToTheEnd(lines: string, out: string, swarm: string): void {
  const views = lines
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as View)
  expect(new Set(views.map((v) => v.peer))).toEqual(new Set([0, 1, 2, 3]))
  expect(views.every((v) => v.swarm === swarm)).toBe(true)
  for (let i = 0; i < 4; i++) {
    const last = views.filter((v) => v.peer === i).at(-1)!
    expect(last).toMatchObject({ done: true, state: 'done', round: ROUNDS })
    expect(last.round).toBe(info(out, i).rounds)
  }
}

describe('meshgd watch', () => {
  it("an open swarm: --json prints every peer's status to the end; the table shows every peer done", async () => {
    const swarm = await startSwarm('watch-open', [])
    const json = startMeshgd(['watch', '--bootstrap', swarm.addr, '--json', '--exit-when-done'])
    const table = startMeshgd(['watch', '--bootstrap', swarm.addr, '--exit-when-done'])
    const [j, t] = await Promise.all([json.exit, table.exit])
    await Promise.all(swarm.peers.map((p) => p.exit))
    swarm.stop()
    expect(j.code, json.stderr()).toBe(0)
    expectEveryPeerSeenToTheEnd(json.stdout(), swarm.out, 'watch-open')
    expect(t.code, table.stderr()).toBe(0)
    const lastBlock = table.stdout().trim().split('\n\n').at(-1)!.split('\n')
    expect(lastBlock[0]).toMatch(/^swarm\s+peer\s+round\s+loss\s+rel\. error\s+state\s+rounds\/s$/)
    expect(lastBlock.slice(1)).toHaveLength(4)
    for (const row of lastBlock.slice(1))
      expect(row).toMatch(new RegExp(`^watch-open\\s+\\d\\s+${ROUNDS}\\s.*\\sdone\\s`))
  }, 180_000)

  it('a keyed swarm: with the key it sees every peer; without it, one line that it cannot connect', async () => {
    const keyFile = join(work, 'swarm.key')
    expect(runMeshgd(['keygen', '-o', keyFile]).status).toBe(0)
    const swarm = await startSwarm('watch-keyed', ['--swarm-key', keyFile])
    const keyed = startMeshgd([
      'watch',
      '--bootstrap',
      swarm.addr,
      '--swarm-key',
      keyFile,
      '--json',
      '--exit-when-done',
    ])
    const stranger = startMeshgd(['watch', '--bootstrap', swarm.addr, '--json', '--connect-timeout', '3'])
    const [k, s] = await Promise.all([keyed.exit, stranger.exit])
    await Promise.all(swarm.peers.map((p) => p.exit))
    swarm.stop()
    expect(s.code).toBe(1)
    expect(stranger.stdout()).toBe('')
    expect(stranger.stderr().trim().split('\n')).toHaveLength(1)
    expect(stranger.stderr()).toMatch(
      /^meshgd: cannot connect to .* within 3 s \(a keyed swarm refuses observers without its key: pass --swarm-key FILE\)/,
    )
    expect(k.code, keyed.stderr()).toBe(0)
    expectEveryPeerSeenToTheEnd(keyed.stdout(), swarm.out, 'watch-keyed')
  }, 180_000)

  it('--exit-when-done behind a bootstrap with no swarm (or one already finished): one line and exit 1 after 15 s of silence', async () => {
    const boot = startMeshgd(['bootstrap', '--listen', '/ip4/127.0.0.1/tcp/0'])
    const addr = await firstLine(boot)
    const started = Date.now()
    const watcher = startMeshgd(['watch', '--bootstrap', addr, '--json', '--exit-when-done'])
    const { code } = await watcher.exit
    boot.child.kill('SIGTERM')
    expect(code).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(15_000)
    expect(watcher.stdout()).toBe('')
    expect(watcher.stderr().trim().split('\n')).toEqual([
      'meshgd: no status from any peer for 15 s: no swarm is running behind this bootstrap (or it has finished)',
    ])
  }, 60_000)
})
