/**
 * Real processes over TCP on loopback: `meshgd swarm` and `meshgd node` against `meshgd bootstrap`, compared
 * byte for byte with `meshgd sim` on the same file (docs/design.md: the first test that the network runs the
 * algorithm and nothing else).
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { wireBytesOfVector } from '../../src/codec/index.js'
import { hostileFrames, hostileRejects } from '../helpers/hostile-frames.js'
import { jsonWriter, meshgdRunner, paramsBytes, root, workDir } from '../helpers/meshgd.js'
import {
  alive,
  childPids,
  exitCode,
  firstLine,
  freePort,
  startBootstrap,
  startMeshgd,
  startPeer,
  stopStarted,
} from '../helpers/processes.js'

const work = workDir('net')
afterAll(stopStarted)

const meshgd = meshgdRunner({ cwd: work, timeout: 180_000 })
const experiment = jsonWriter(work)
const params = (dir: string, n: number): Buffer[] => Array.from({ length: n }, (_, i) => paramsBytes(dir, i))

/** `meshgd sim` of the same file into work/<simName> exits 0, and the networked run's params in `out` equal it bit for bit. */
function expectSameAsSim(file: string, simName: string, out: string, n: number): void {
  expect(meshgd(['sim', file, '--out', join(work, simName), '--quiet']).status).toBe(0)
  const a = params(join(work, simName), n)
  const b = params(out, n)
  for (let i = 0; i < n; i++) expect(b[i]!.equals(a[i]!)).toBe(true)
}

const problem = { kind: 'planted', loss: 'squared', dim: 12, samples_per_peer: 2, seed: 5 }
const cases = [
  // ring-elastic: test/smoke/swarm.test.ts (npm test)
  {
    name: 'ring-quorum',
    peers: 6,
    topology: 'ring',
    algorithm: { kind: 'quorum', eta: 0.6, k: 0.7, sampling: { kind: 'batch', size: 1 } },
  },
  { name: 'ring-easgd', peers: 6, topology: 'ring', algorithm: { kind: 'easgd', eta: 0.6, alpha: 0.1, period: 2 } },
  // a neighbour can be a whole period ahead: with period 3 its vector of round t + 3 came before round t was read
  {
    name: 'ring-easgd-period3',
    peers: 6,
    topology: 'ring',
    algorithm: { kind: 'easgd', eta: 0.6, alpha: 0.1, period: 3 },
  },
  {
    name: 'ring-local',
    peers: 6,
    topology: 'ring',
    algorithm: { kind: 'local', eta: 0.6, local_steps: 3, sampling: { kind: 'bernoulli', size: 1 } },
  },
  { name: 'complete-elastic', peers: 4, topology: 'complete', algorithm: { kind: 'elastic', eta: 0.8, mu: 0.1 } },
  { name: 'complete-quorum', peers: 4, topology: 'complete', algorithm: { kind: 'quorum', eta: 0.6, k: 0.5 } },
  { name: 'complete-easgd', peers: 4, topology: 'complete', algorithm: { kind: 'easgd', eta: 0.6, alpha: 0.1 } },
  {
    name: 'complete-local',
    peers: 4,
    topology: 'complete',
    algorithm: { kind: 'local', eta: 0.6, local_steps: 'infinity', tol: 1e-16, max_steps: 50 },
  },
  {
    name: 'complete-allreduce',
    peers: 4,
    topology: 'complete',
    algorithm: { kind: 'allreduce-sgd', eta: 0.6, sampling: { kind: 'batch', size: 1 } },
  },
  // compressed: the quantizers draw from each peer's own stream, identically in both
  {
    name: 'ring-elastic-uniform3-difference',
    peers: 6,
    topology: 'ring',
    algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
    compression: { kind: 'uniform', bits: 3, mode: 'difference' },
  },
  {
    name: 'ring-local-qsgd-difference',
    peers: 6,
    topology: 'ring',
    algorithm: { kind: 'local', eta: 0.6, local_steps: 2 },
    compression: { kind: 'qsgd', levels: 8, mode: 'difference' },
  },
  {
    name: 'complete-allreduce-qsgd-direct',
    peers: 4,
    topology: 'complete',
    algorithm: { kind: 'allreduce-sgd', eta: 0.6 },
    compression: { kind: 'qsgd', levels: 16 },
  },
  {
    name: 'complete-easgd-float32',
    peers: 4,
    topology: 'complete',
    algorithm: { kind: 'easgd', eta: 0.6, alpha: 0.1 },
    compression: { kind: 'float32' },
  },
] as Array<{
  name: string
  peers: number
  topology: string
  algorithm: Record<string, unknown>
  compression?: Record<string, unknown>
}>

describe('meshgd swarm equals meshgd sim bit for bit (sync; float64 and compressed)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const file = experiment(c.name, {
        swarm: { id: c.name, peers: c.peers },
        topology: { kind: c.topology },
        problem,
        algorithm: c.algorithm,
        ...(c.compression ? { compression: c.compression } : {}),
        run: { rounds: 60, record_every: 10, neighbour_timeout_ms: 30_000 },
      })
      const sim = meshgd(['sim', file, '--out', join(work, `${c.name}-sim`), '--quiet'])
      expect(sim.status).toBe(0)
      const net = meshgd(['swarm', file, '--out', join(work, `${c.name}-net`), '--quiet'])
      expect(net.stderr).toBe('')
      expect(net.status).toBe(0)
      const a = params(join(work, `${c.name}-sim`), c.peers)
      const b = params(join(work, `${c.name}-net`), c.peers)
      for (let i = 0; i < c.peers; i++) expect(b[i]!.equals(a[i]!)).toBe(true)
      const summary = JSON.parse(readFileSync(join(work, `${c.name}-net`, 'summary.json'), 'utf8'))
      expect(summary.mode).toBe('swarm')
      expect(summary.peer_addrs).toHaveLength(c.peers)
      for (const addr of summary.peer_addrs) expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)
      expect(summary.rejected_messages).toBe(0)
      const merged = readFileSync(join(work, `${c.name}-net`, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
      expect(merged.length).toBe(c.peers * 7) // rounds 0, 10, ..., 50 and the final 60
    })
  }
})

describe('run.target stops the swarm on the round the simulator stops on, with the same bits (issue 25 item 3)', () => {
  const targetProblem = { kind: 'planted', loss: 'squared', dim: 32, samples_per_peer: 1, seed: 5 }
  const targetCases = [
    // the README's own example, as a user runs it: the file as it is
    { name: 'readme-ring', file: join(root, 'topology', 'ring.yaml'), peers: 8, lag: 4 },
    // EASGD talks every 3 rounds: the news takes diameter x 3 rounds, and rounds without messages still count
    {
      name: 'target-ring-easgd-period3',
      peers: 6,
      lag: 9,
      body: {
        topology: { kind: 'ring' },
        problem: targetProblem,
        algorithm: { kind: 'easgd', eta: 1.0, alpha: 0.3, period: 3 },
        run: { rounds: 3000, target: 1e-4, record_every: 50 },
      },
    },
    // difference mode: the window rides on compressed frames too
    {
      name: 'target-ring-uniform3-difference',
      peers: 6,
      lag: 3,
      body: {
        topology: { kind: 'ring' },
        problem: targetProblem,
        algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
        compression: { kind: 'uniform', bits: 3, mode: 'difference' },
        run: { rounds: 3000, target: 1e-8, record_every: 50 },
      },
    },
  ] as Array<{ name: string; peers: number; lag: number; file?: string; body?: Record<string, unknown> }>
  for (const c of targetCases) {
    it(c.name, () => {
      const file = c.file ?? experiment(c.name, { swarm: { id: c.name, peers: c.peers }, ...c.body })
      const sim = meshgd(['sim', file, '--out', join(work, `${c.name}-sim`), '--quiet'])
      expect(sim.status, sim.stderr).toBe(0)
      const net = meshgd(['swarm', file, '--out', join(work, `${c.name}-net`), '--quiet'])
      expect(net.status, net.stderr).toBe(0)
      const summaryOf = (
        dir: string,
      ): { rounds: number; target_round: number; converged: boolean; experiment: { run: { rounds: number } } } =>
        JSON.parse(readFileSync(join(work, dir, 'summary.json'), 'utf8'))
      const [s, w] = [summaryOf(`${c.name}-sim`), summaryOf(`${c.name}-net`)]
      expect(s.converged && w.converged).toBe(true)
      expect(s.rounds).toBeLessThan(s.experiment.run.rounds) // the target, not run.rounds, ended both
      expect(s.rounds).toBe(s.target_round + c.lag)
      expect(w.rounds).toBe(s.rounds)
      expect(w.target_round).toBe(s.target_round)
      const a = params(join(work, `${c.name}-sim`), c.peers)
      const b = params(join(work, `${c.name}-net`), c.peers)
      for (let i = 0; i < c.peers; i++) expect(b[i]!.equals(a[i]!), `peer ${i}`).toBe(true)
      expect(net.stdout).toMatch(
        new RegExp(
          `^rounds +${s.rounds} \\(target reached at round ${s.target_round}; every peer knew it ${c.lag} rounds later\\)$`,
          'm',
        ),
      )
    })
  }
})

describe('peers started one by one against a bootstrap, in shuffled order', () => {
  it('give the same bits as the simulator, and count wire bytes exactly', async () => {
    const n = 5
    const file = experiment('manual', {
      swarm: { id: 'manual', peers: n },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 40, neighbour_timeout_ms: 30_000 },
    })
    const boot = await startBootstrap()
    const addr = boot.addr
    expect(addr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)
    const order = [3, 0, 4, 1, 2]
    const exits: Array<Promise<number>> = []
    const out = join(work, 'manual-net')
    for (const i of order) {
      exits.push(exitCode(startPeer(file, i, out, addr, { args: ['--quiet'] })))
      await new Promise((r) => setTimeout(r, 400))
    }
    expect(await Promise.all(exits)).toEqual([0, 0, 0, 0, 0])
    boot.stop()
    expectSameAsSim(file, 'manual-sim', out, n)
    // bytes on the wire: 40 round frames and one final frame (holding the final vector) to each of 2 neighbours
    const info = JSON.parse(readFileSync(join(out, 'peers', '0', 'info.json'), 'utf8'))
    let expected = 0
    for (let t = 0; t < 40; t++)
      expected += 2 * wireBytesOfVector({ swarm: 'manual', round: t, from: 0, kind: 'params', codec: 'f64', dim: 12 })
    expected += 2 * wireBytesOfVector({ swarm: 'manual', round: 40, from: 0, kind: 'final', codec: 'f64', dim: 12 })
    expect(info.bytes_sent).toBe(expected)
    expect(info.bytes_sent).toBeGreaterThan(40 * 2 * 8 * 12) // at least the payload
  })
})

describe('a stranger during a run', () => {
  it('cannot feed parameters: its streams are refused and counted, and the result stays bit-identical', async () => {
    const { createMeshNode, connectBootstrap } = await import('../../src/net/node.js')
    const { Roster } = await import('../../src/net/roster.js')
    const { PARAMS_PROTOCOL } = await import('../../src/net/params-protocol.js')
    const { encodeFrame, encodeF64 } = await import('../../src/codec/index.js')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { peerIdFromString } = await import('@libp2p/peer-id')
    const { multiaddr } = await import('@multiformats/multiaddr')
    const n = 4
    const file = experiment('stranger', {
      swarm: { id: 'stranger', peers: n },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 3000, record_every: 1000, neighbour_timeout_ms: 30_000 },
    })
    const boot = await startBootstrap()
    const addr = boot.addr
    const out = join(work, 'stranger-net')
    const exits = Array.from({ length: n }, (_, i) => exitCode(startPeer(file, i, out, addr, { args: ['--quiet'] })))
    const stranger = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
    })
    await stranger.start()
    let attempts = 0
    try {
      await connectBootstrap(stranger, [addr], 30_000, AbortSignal.timeout(30_000))
      const roster = new Roster(stranger, { swarm: 'stranger', peers: n, self: null })
      roster.start()
      for (let k = 0; k < 200 && roster.byIndex.size < n; k++) await new Promise((r) => setTimeout(r, 100))
      expect(roster.byIndex.size).toBe(n)
      const garbage = [
        Uint8Array.from({ length: 64 }, (_, k) => (k * 37) & 0xff), // random bytes
        Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), // a huge length prefix
        encodeFrame(
          { swarm: 'stranger', round: 0, from: 1, kind: 'params', codec: 'f64', dim: 12 },
          encodeF64(new Float64Array(12).fill(NaN)),
        ),
        encodeFrame({ swarm: 'stranger', round: 0, from: 1, kind: 'params', codec: 'f64', dim: 12 }, new Uint8Array(5)),
      ]
      for (const entry of roster.byIndex.values()) {
        const id = peerIdFromString(entry.peerId)
        await stranger.peerStore.merge(id, { multiaddrs: entry.addrs.map((a) => multiaddr(a)) })
        for (const bytes of garbage) {
          attempts++
          try {
            const stream = await stranger.dialProtocol(id, PARAMS_PROTOCOL)
            stream.send(bytes)
            await stream.close().catch(() => undefined)
          } catch {
            // refused before or during the stream: that is the point
          }
        }
      }
      roster.stop()
    } finally {
      await stranger.stop()
    }
    expect(attempts).toBe(4 * n)
    expect(await Promise.all(exits)).toEqual(new Array(n).fill(0))
    boot.stop()
    expectSameAsSim(file, 'stranger-sim', out, n)
    const refused = Array.from(
      { length: n },
      (_, i) => JSON.parse(readFileSync(join(out, 'peers', String(i), 'info.json'), 'utf8')).refused_streams as number,
    )
    expect(refused.reduce((s, x) => s + x, 0)).toBeGreaterThan(0)
  })
})

describe('the launcher stops what it started', () => {
  async function startLongSwarm(
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ launcher: ChildProcess; kids: number[]; stderr: () => string }> {
    const file = experiment(name, {
      swarm: { id: name, peers: 4 },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 10_000_000, record_every: 100_000, ...extra },
    })
    const { child: launcher, stderr } = startMeshgd(['swarm', file, '--out', join(work, `${name}-net`), '--quiet'])
    // wait for the bootstrap and the 4 peers to be running
    let kids: number[] = []
    for (let k = 0; k < 100 && kids.length < 5; k++) {
      await new Promise((r) => setTimeout(r, 200))
      kids = childPids(launcher.pid!)
    }
    expect(kids.length).toBe(5)
    // let the rounds start: every peer has recorded its round 0 (on a loaded machine that takes a while)
    const recorded = (i: number): boolean =>
      existsSync(join(work, `${name}-net`, 'peers', String(i), 'metrics.jsonl')) &&
      readFileSync(join(work, `${name}-net`, 'peers', String(i), 'metrics.jsonl'), 'utf8').includes('"round":0')
    for (let k = 0; k < 300 && ![0, 1, 2, 3].every(recorded); k++) await new Promise((r) => setTimeout(r, 200))
    await new Promise((r) => setTimeout(r, 1000))
    return { launcher, kids, stderr }
  }

  it('Ctrl-C stops every process it started, exits 130, and writes the summary of the rounds done', async () => {
    const { launcher, kids, stderr } = await startLongSwarm('sigint')
    const exit = new Promise<number>((r) => launcher.once('exit', (code) => r(code ?? -1)))
    launcher.kill('SIGINT')
    expect(await exit).toBe(130)
    for (const pid of kids) expect(alive(pid)).toBe(false)
    // issue 18, item 6: a summary and merged metrics of the rounds done, marked interrupted
    const out = join(work, 'sigint-net')
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    expect(summary.interrupted).toBe(true)
    expect(summary.rounds).toBeGreaterThan(0)
    expect(summary.rounds).toBeLessThan(10_000_000)
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(4)
    expect(stderr()).toMatch(new RegExp(`meshgd: interrupted at round ${summary.rounds} of 10000000`))
    // a report of it says it is not finished (item 3), and exits 1
    const reported = meshgd(['report', out])
    expect(reported.status).toBe(1)
    expect(reported.stderr).toMatch(
      /^meshgd: the run stopped at round \d+ of 10000000 \(interrupted\): it is not finished$/m,
    )
    // the same command again resumes from the peers' checkpoints and says so in one line (item 7)
    const resuming = startMeshgd(['swarm', join(work, 'sigint.json'), '--out', out, '--quiet'])
    const resumed = resuming.child
    const line = await firstLine(resuming, 'stderr')
    expect(line).toMatch(
      /^meshgd: resuming from round (\d+) \(this experiment's checkpoints in \S+sigint-net; --force starts over\)$/,
    )
    expect(Number(/round (\d+)/.exec(line)![1])).toBeGreaterThanOrEqual(summary.rounds)
    const stopped = new Promise<number>((r) => resumed.once('exit', (code) => r(code ?? -1)))
    // stop it once its peers run (a signal before the launcher has started them is not what this checks)
    for (let k = 0; k < 300 && childPids(resumed.pid!).length < 5; k++) await new Promise((r) => setTimeout(r, 200))
    await new Promise((r) => setTimeout(r, 3000))
    resumed.kill('SIGINT')
    expect(await stopped, resuming.stderr()).toBe(130)
  })

  it('a launcher killed with SIGKILL takes its whole swarm with it (each child sees its stdin pipe close)', async () => {
    const { launcher, kids } = await startLongSwarm('orphans')
    launcher.kill('SIGKILL')
    for (let k = 0; k < 150 && kids.some(alive); k++) await new Promise((r) => setTimeout(r, 100))
    expect(kids.filter(alive)).toEqual([])
  })

  it('a failing peer stops the swarm with exit 1 and its error', async () => {
    const { launcher, kids, stderr } = await startLongSwarm('failing', { neighbour_timeout_ms: 2000 })
    const exit = new Promise<number>((r) => launcher.once('exit', (code) => r(code ?? -1)))
    process.kill(kids[2]!, 'SIGKILL') // the second peer process (kids[0] is the bootstrap)
    expect(await exit).toBe(1)
    expect(stderr()).toMatch(/meshgd: peer \d failed/)
    for (const pid of kids) expect(alive(pid)).toBe(false)
  })
})

describe('a neighbour sending malformed frames over its real stream', () => {
  it('has every bad frame rejected and counted by reason, and the run still equals the simulator', async () => {
    const { runPeer } = await import('../../src/peer/runtime.js')
    const { nodePlatform } = await import('../../src/peer-node/platform.js')
    const { createMeshNode } = await import('../../src/net/node.js')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { experimentFrom } = await import('../../src/config/load.js')
    const n = 4
    const body = {
      swarm: { id: 'hostile', peers: n },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 30, neighbour_timeout_ms: 30_000 },
    }
    const file = experiment('hostile', body)
    const hub = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      hub: true,
    })
    await hub.start()
    hub.services.pubsub.subscribe('meshgd/hostile/roster')
    hub.services.pubsub.subscribe('meshgd/hostile/status')
    const out = join(work, 'hostile-net')
    const bad = hostileFrames('hostile', 1, 12)
    try {
      const infos = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          runPeer({
            experiment: experimentFrom(body),
            index: i,
            platform: nodePlatform({ baseDir: work, out, index: i }),
            listen: ['/ip4/127.0.0.1/tcp/0'],
            announce: [],
            bootstrap: [hub.getMultiaddrs()[0]!.toString()],
            signal: AbortSignal.timeout(120_000),
            ...(i === 1 ? { inject: bad } : {}),
          }),
        ),
      )
      expectSameAsSim(file, 'hostile-sim', out, n)
      // peers 0 and 2 are peer 1's neighbours: 6 injection rounds (0, 5, ..., 25), one of each kind
      for (const victim of [0, 2]) {
        expect(infos[victim]!.rejects).toEqual(hostileRejects(30))
      }
      expect(infos[3]!.rejects).toEqual({})
    } finally {
      await hub.stop()
    }
  })
})

describe('a fixed deployment with a static peers list and no bootstrap', () => {
  it('finds itself and equals the simulator', async () => {
    const ports = [await freePort(), await freePort(), await freePort()]
    const file = experiment('static', {
      swarm: { id: 'static', peers: 3 },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 25, neighbour_timeout_ms: 30_000 },
      peers: ports.map((p) => `/ip4/127.0.0.1/tcp/${p}`),
    })
    const out = join(work, 'static-net')
    const exits = ports.map((port, i) =>
      exitCode(
        startMeshgd([
          'node',
          file,
          '--index',
          String(i),
          '--listen',
          `/ip4/127.0.0.1/tcp/${port}`,
          '--out',
          out,
          '--quiet',
        ]),
      ),
    )
    expect(await Promise.all(exits)).toEqual([0, 0, 0])
    expect(meshgd(['sim', file, '--out', join(work, 'static-sim'), '--quiet']).status).toBe(0)
    const a = params(join(work, 'static-sim'), 3)
    const b = params(out, 3)
    for (let i = 0; i < 3; i++) expect(b[i]!.equals(a[i]!)).toBe(true)
  }, 120_000)
})

describe('a deployment with pinned peer IDs (peers: [{index, peer_id, addr}])', () => {
  it('trusts the pins, turns away a peer whose identity is not the pinned one, and equals the simulator', async () => {
    const out = join(work, 'pinned-net')
    const ids = [0, 1, 2].map((i) => meshgd(['identity', '--index', String(i), '--out', out]).stdout.trim())
    for (const id of ids) expect(id).toMatch(/^12D3KooW/)
    expect(meshgd(['identity', '--index', '0', '--out', out]).stdout.trim()).toBe(ids[0]) // stable
    const ports = [await freePort(), await freePort(), await freePort()]
    const file = experiment('pinned', {
      swarm: { id: 'pinned', peers: 3 },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 25, neighbour_timeout_ms: 30_000 },
      peers: ports.map((p, i) => ({ index: i, peer_id: ids[i], addr: `/ip4/127.0.0.1/tcp/${p}` })),
    })
    // a process with another identity claiming index 0 is refused before it touches the network
    const impostor = meshgd([
      'node',
      file,
      '--index',
      '0',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--out',
      join(work, 'pinned-impostor'),
    ])
    expect(impostor.status).toBe(1)
    expect(impostor.stderr).toMatch(
      new RegExp(`index 0 is pinned to ${ids[0]}, but this peer's identity .* is 12D3KooW`),
    )
    // no --listen: a pinned peer listens on its pinned address
    const exits = [0, 1, 2].map((i) =>
      exitCode(startMeshgd(['node', file, '--index', String(i), '--out', out, '--quiet'])),
    )
    expect(await Promise.all(exits)).toEqual([0, 0, 0])
    expect(meshgd(['sim', file, '--out', join(work, 'pinned-sim'), '--quiet']).status).toBe(0)
    const a = params(join(work, 'pinned-sim'), 3)
    const b = params(out, 3)
    for (let i = 0; i < 3; i++) expect(b[i]!.equals(a[i]!)).toBe(true)
    expect(
      meshgd(['sim', file, '--set', `peers=[{index: 5, peer_id: ${ids[0]}, addr: /ip4/127.0.0.1/tcp/1}]`, '--quiet'])
        .stderr,
    ).toMatch(/^meshgd: peers\[0\]\.index: 5 is not a peer of this swarm/)
  })
})

describe('a keyed swarm (libp2p private network)', () => {
  it('lets no stranger without the key connect, and still equals the simulator bit for bit', async () => {
    const { createMeshNode } = await import('../../src/net/node.js')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { multiaddr } = await import('@multiformats/multiaddr')
    const keyFile = join(work, 'swarm.key')
    expect(meshgd(['keygen', '-o', keyFile]).status).toBe(0)
    expect(meshgd(['keygen', '-o', keyFile]).status).toBe(2) // never overwrites a key
    const n = 3
    const file = experiment('keyed', {
      swarm: { id: 'keyed', peers: n, key_file: 'swarm.key' },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 2000, record_every: 1000, neighbour_timeout_ms: 30_000 },
    })
    const boot = await startBootstrap(['--swarm-key', keyFile])
    const addr = boot.addr
    const out = join(work, 'keyed-net')
    const exits = Array.from({ length: n }, (_, i) => exitCode(startPeer(file, i, out, addr, { args: ['--quiet'] })))
    const stranger = await createMeshNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
    })
    await stranger.start()
    try {
      await expect(stranger.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })).rejects.toThrow()
      expect(stranger.getConnections()).toHaveLength(0)
    } finally {
      await stranger.stop()
    }
    expect(await Promise.all(exits)).toEqual(new Array(n).fill(0))
    boot.stop()
    expectSameAsSim(file, 'keyed-sim', out, n)
  })

  it('carries frames of 800 kB (d = 100,000), which stopped every peer within 30 rounds (issue 26)', async () => {
    const keyFile = join(work, 'swarm-large.key')
    expect(meshgd(['keygen', '-o', keyFile]).status).toBe(0)
    const n = 4
    const file = experiment('keyed-large', {
      swarm: { id: 'keyedlarge', peers: n, key_file: 'swarm-large.key' },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 100_000, samples_per_peer: 1, seed: 3 },
      algorithm: { kind: 'elastic', eta: 1, mu: 0.2 },
      run: { rounds: 80, record_every: 40, checkpoint_every: null },
    })
    const boot = await startBootstrap(['--swarm-key', keyFile])
    const out = join(work, 'keyed-large-net')
    const exits = Array.from({ length: n }, (_, i) =>
      exitCode(startPeer(file, i, out, boot.addr, { args: ['--quiet'] })),
    )
    expect(await Promise.all(exits)).toEqual(new Array(n).fill(0))
    boot.stop()
    expectSameAsSim(file, 'keyed-large-sim', out, n)
  })
})

describe('addressed as on a compose network (/dns4 names), then gathered with meshgd report', () => {
  it('finds itself through host names, equals the simulator, and the report summarises the gathered folders', async () => {
    const n = 3
    const file = experiment('dns', {
      swarm: { id: 'dns', peers: n },
      topology: { kind: 'ring' },
      problem,
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 40, neighbour_timeout_ms: 30_000 },
    })
    const bootPort = await freePort()
    const boot = await startBootstrap([], `/ip4/127.0.0.1/tcp/${bootPort}`)
    const out = join(work, 'dns-net')
    const ports = [await freePort(), await freePort(), await freePort()]
    const exits = ports.map((port, i) => {
      const args = [
        'node',
        file,
        '--index',
        String(i),
        '--listen',
        `/ip4/127.0.0.1/tcp/${port}`,
        '--announce',
        `/dns4/localhost/tcp/${port}`,
        '--bootstrap',
        `/dns4/localhost/tcp/${bootPort}`,
        '--out',
        out,
        '--quiet',
      ]
      return exitCode(startMeshgd(args))
    })
    expect(await Promise.all(exits)).toEqual([0, 0, 0])
    boot.stop()
    expectSameAsSim(file, 'dns-sim', out, n)
    const reported = meshgd(['report', file, out])
    expect(reported.status).toBe(0)
    expect(reported.stdout).toMatch(/rounds\s+40/)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    const simSummary = JSON.parse(readFileSync(join(work, 'dns-sim', 'summary.json'), 'utf8'))
    expect(summary.mode).toBe('report')
    expect(summary.rounds).toBe(40)
    expect(summary.final.max_error).toBe(simSummary.final.max_error)
    expect(summary.peer_addrs.every((x: string) => x.startsWith('/dns4/localhost/tcp/'))).toBe(true)
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(
      readFileSync(join(work, 'dns-sim', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n').length,
    )
    // a folder missing: one line naming it
    const partial = join(work, 'dns-partial')
    meshgd(['sim', file, '--out', partial, '--quiet'])
    const { rmSync } = await import('node:fs')
    rmSync(join(partial, 'params', '2.f64'))
    const bad = meshgd(['report', file, partial])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/missing .*params\/2\.f64/)
    // issue 18, item 3: the run's own experiment.json is what a report judges; another experiment is refused
    const before = readFileSync(join(out, 'summary.json'), 'utf8')
    const again = meshgd(['report', out])
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/rounds\s+40/)
    const demo = meshgd(['report', join(root, 'topology', 'demo.yaml'), out])
    expect(demo.status).toBe(2)
    expect(demo.stderr.trim()).toMatch(
      /^meshgd: \S+dns-net: holds a run of another experiment \(\S+: .* there, .* here\); its summary is left as it was$/,
    )
    const mu = meshgd(['report', file, out, '--set', 'algorithm.mu=0.25'])
    expect(mu.status).toBe(2)
    expect(mu.stderr.trim()).toMatch(/\(algorithm\.mu: 0\.2 there, 0\.25 here\)/)
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(JSON.parse(before))
  })
})
