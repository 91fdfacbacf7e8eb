/**
 * A researcher's first afternoon (issue 25), the steps a command answers in a second: the lattice of a grid or
 * torus said in `theory` and in the summary, with a warning when it degenerates (item 11). What needs a swarm is in
 * test/integration/first-afternoon.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { startMeshgd } from '../helpers/processes.js'
import { fileWriter, meshgdRunner, root, workDir } from '../helpers/meshgd.js'

const work = workDir('afternoon-cli')
const file = fileWriter(work)
const meshgd = meshgdRunner({ cwd: work, timeout: 120_000 })

describe("a researcher's first afternoon", () => {
  it('11: a torus of 7 is said to be a ring, one of 8 to be 2 x 4 of degree 3, in one line each; the shape is in theory and the summary', () => {
    const torus = file(
      'torus.yaml',
      'swarm: { id: t, peers: 8 }\ntopology: { kind: torus }\nproblem: { dim: 16 }\nrun: { rounds: 20, target: null }\n',
    )
    const theory = meshgd(['theory', torus])
    expect(theory.status).toBe(0)
    expect(theory.stderr.trim()).toBe(
      'meshgd: warning: topology: torus 2 x 4: a side of 2 wraps onto the same neighbour, so peers have degree 3, not 4; set topology.rows and topology.cols',
    )
    expect(theory.stdout).toMatch(/^experiment +t: 8 peers, torus 2 x 4, elastic/m)
    expect(theory.stdout).toMatch(/^graph +12 edges, degree 3\.\.3/m)
    const out = join(work, 'torus-sim')
    const sim = meshgd(['sim', torus, '--out', out])
    expect(sim.stderr).toContain('meshgd: warning: topology: torus 2 x 4:')
    expect(sim.stdout).toMatch(/^peers +8 \(torus 2 x 4\)$/m)
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).topology).toBe('torus 2 x 4')
    const seven = meshgd(['theory', torus, '--set', 'swarm.peers=7', '--json'])
    expect(seven.stderr.trim()).toBe(
      'meshgd: warning: topology: torus 1 x 7 is a ring: set topology.rows and topology.cols, or a number of peers that is not prime (7 is)',
    )
    expect(JSON.parse(seven.stdout).experiment.topology).toBe('torus 1 x 7')
    const sound = meshgd(['theory', torus, '--set', 'swarm.peers=9'])
    expect(sound.stderr).toBe('')
    expect(sound.stdout).toMatch(/torus 3 x 3/)
  })

  it('16: meshgd demo without --out leaves no temporary folder behind', () => {
    const tmp = join(work, 'tmp')
    mkdirSync(tmp, { recursive: true })
    const r = meshgd(['demo', '--sim', '--set', 'run.rounds=50'], { env: { TMPDIR: tmp } })
    expect(r.status).toBe(1) // 50 rounds do not reach the demo's target
    expect(r.stdout).toMatch(/^run directory +\S+meshgd-demo-/m)
    expect(readdirSync(tmp)).toEqual([])
  })

  it('9: a finished sim given more rounds runs them (the same bits as a run of that length), another change is refused naming it', () => {
    const demoFile = join(root, 'topology', 'demo.yaml')
    const out = join(work, 'extend-sim')
    const set = ['--set', 'run.target=null', '--quiet', '--no-theory']
    expect(meshgd(['sim', demoFile, '--out', out, ...set, '--set', 'run.rounds=100']).status).toBe(0)
    const more = meshgd([
      'sim',
      demoFile,
      '--out',
      out,
      '--set',
      'run.target=null',
      '--no-theory',
      '--set',
      'run.rounds=300',
    ])
    expect(more.status, more.stderr).toBe(0)
    expect(more.stderr).toMatch(/^meshgd: extending the run in \S+ from run\.rounds 100 to 300 /m)
    const fresh = join(work, 'extend-fresh')
    expect(meshgd(['sim', demoFile, '--out', fresh, ...set, '--set', 'run.rounds=300']).status).toBe(0)
    for (let i = 0; i < 8; i++)
      expect(
        readFileSync(join(out, 'params', `${i}.f64`)).equals(readFileSync(join(fresh, 'params', `${i}.f64`))),
      ).toBe(true)
    const other = meshgd([
      'sim',
      demoFile,
      '--out',
      out,
      ...set,
      '--set',
      'run.rounds=300',
      '--set',
      'algorithm.mu=0.2',
    ])
    expect(other.status).toBe(2)
    expect(other.stderr.trim()).toMatch(/holds a run of another experiment \(algorithm\.mu: 0\.3 there, 0\.2 here\)/)
  })

  it('16: an address out of range in peers: and a busy --dashboard port are one line naming what is wrong, exit 2', async () => {
    const bad = file(
      'bad-peers.yaml',
      'swarm: { id: b, peers: 2 }\npeers: ["/ip4/999.0.0.1/tcp/4001", "/ip4/10.0.0.2/tcp/4001"]\n',
    )
    const r = meshgd(['theory', bad])
    expect(r.status).toBe(2)
    expect(r.stderr.trim()).toMatch(
      /^meshgd: \S+bad-peers\.yaml:2: peers\.0: 999\.0\.0\.1 is not an IPv4 address \(four numbers 0\.\.255\)/,
    )
    const port = file(
      'bad-port.yaml',
      'swarm: { id: b, peers: 2 }\npeers: ["/ip4/10.0.0.1/tcp/70000", "/ip4/10.0.0.2/tcp/4001"]\n',
    )
    expect(meshgd(['theory', port]).stderr.trim()).toMatch(/peers\.0: tcp port 70000 is not 0\.\.65535/)
    // a port already taken: the watcher's dashboard is refused before it connects anywhere
    const server = createServer()
    await new Promise<void>((r2) => server.listen(0, '127.0.0.1', () => r2()))
    const busy = (server.address() as { port: number }).port
    try {
      const w = await runAsync([
        'watch',
        '--bootstrap',
        '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp',
        '--dashboard',
        `127.0.0.1:${busy}`,
      ])
      expect(w.status).toBe(2)
      expect(w.stderr.trim()).toBe(
        `meshgd: --dashboard 127.0.0.1:${busy}: the port is in use (EADDRINUSE); choose another (port 0 takes a free one)`,
      )
    } finally {
      server.close()
    }
  })
})

/** meshgd ARGS without blocking this process (a server of the test's must answer meanwhile). */
function runAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const p = startMeshgd(args, { cwd: work })
  return p.exit.then(({ code }) => ({ status: code, stderr: p.stderr() }))
}
