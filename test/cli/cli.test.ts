/** The meshgd command as a user runs it: a real process, its output, its files and its exit status. */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readFloat64Le } from '../../src/util/float-bytes.js'
import { bin, fileWriter, meshgdRunner, root, workDir } from '../helpers/meshgd.js'

const work = workDir('cli')
const run = meshgdRunner({ cwd: work, timeout: 120_000 })
const meshgd = (...args: string[]): ReturnType<typeof run> => run(args)
const experimentFile = fileWriter(work)

describe('meshgd sim', () => {
  it('says that it runs the sync schedule for an async experiment, and gives the sync result', () => {
    const exp = experimentFile(
      'async.yaml',
      'swarm: { id: a, peers: 3 }\nproblem: { dim: 6 }\nrun: { rounds: 30, mode: async }\n',
    )
    const r = meshgd('sim', exp, '--out', join(work, 'run-async'))
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/^meshgd: run\.mode async: the simulator runs the sync schedule/)
    const sync = meshgd('sim', exp, '--set', 'run.mode=sync', '--out', join(work, 'run-async-sync'), '--quiet')
    expect(sync.status).toBe(0)
    for (let i = 0; i < 3; i++) {
      expect(
        readFileSync(join(work, 'run-async', 'params', `${i}.f64`)).equals(
          readFileSync(join(work, 'run-async-sync', 'params', `${i}.f64`)),
        ),
      ).toBe(true)
    }
  })

  it('writes the documented run directory and exits 0 when the target is reached', () => {
    const exp = experimentFile(
      'small.yaml',
      'swarm: { id: small, peers: 5 }\nproblem: { dim: 12 }\nalgorithm: { eta: 1, mu: 0.3 }\nrun: { rounds: 20000, target: 1e-10, record_every: 10 }\n',
    )
    const out = join(work, 'run-small')
    const r = meshgd('sim', exp, '--out', out, '--quiet')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/rate measured\s+0\.\d+/)
    expect(r.stdout).toMatch(/rate predicted\s+0\.\d+/)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
    expect(summary).toMatchObject({ peers: 5, converged: true })
    for (const key of ['rounds', 'wall_s', 'bytes_sent', 'rate_measured', 'rate_predicted'])
      expect(summary).toHaveProperty(key)
    expect(Object.keys(summary.final).sort()).toEqual(['disagreement', 'max_error', 'mean_loss', 'relative_max_error'])
    expect(summary.final.relative_max_error).toBeLessThanOrEqual(1e-10)
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(Object.keys(lines[0]).sort()).toEqual(
      ['bytes_received', 'bytes_sent', 'disagreement', 'error', 'grad_norm', 'loss', 'peer', 'round', 't_ms'].sort(),
    )
    // every recorded round has one line per peer; the last round is the final state
    const last = lines.filter((l) => l.round === summary.rounds)
    expect(last.map((l) => l.peer).sort()).toEqual([0, 1, 2, 3, 4])
    expect(readdirSync(join(out, 'params')).sort()).toEqual(['0.f64', '1.f64', '2.f64', '3.f64', '4.f64'])
    const w0 = readFloat64Le(readFileSync(join(out, 'params', '0.f64')))
    expect(w0.length).toBe(12)
    expect(existsSync(join(out, 'peers', '4', 'metrics.jsonl'))).toBe(true)
    // bytes on the wire: a ring of 5 sends 2 messages per peer per round, each at least the 8 * d payload bytes
    expect(summary.bytes_sent).toBeGreaterThanOrEqual(summary.rounds * 5 * 2 * 8 * 12)
  })

  it('exits 1 with a clear line when the target is not reached, and when the run diverges', () => {
    const exp = experimentFile(
      'short.yaml',
      'swarm: { peers: 4 }\nproblem: { dim: 8 }\nrun: { rounds: 3, target: 1e-12 }\n',
    )
    const r = meshgd('sim', exp, '--out', join(work, 'run-short'), '--quiet')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/run.target 1e-12 not reached in 3 rounds/)
    const d = meshgd(
      'sim',
      exp,
      '--out',
      join(work, 'run-div'),
      '--quiet',
      '--set',
      'algorithm.eta=5',
      '--set',
      'run.rounds=5000',
    )
    expect(d.status).toBe(1)
    expect(d.stderr).toMatch(/diverged/)
  })

  it('exits 2 with one line naming the field for a bad experiment', () => {
    const exp = experimentFile('bad.yaml', 'swarm: { peers: 4 }\nalgorithm:\n  eta: 0.5\n  mu: -0.2\n')
    const r = meshgd('sim', exp, '--out', join(work, 'run-bad'))
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/bad.yaml:4: algorithm.mu: /)
    const s = meshgd(
      'sim',
      exp,
      '--set',
      'algorithm.mu=0.1',
      '--set',
      'topology.kind=hypercube',
      '--set',
      'swarm.peers=6',
    )
    expect(s.status).toBe(2)
    expect(s.stderr).toMatch(/topology/)
  })

  it('exits 2 naming file, line and column for a malformed CSV', () => {
    writeFileSync(join(work, 'bad.csv'), 'a,b,y\n1,2,3\n4,x,6\n7,8,9\n')
    const exp = experimentFile('csv.yaml', 'swarm: { peers: 2 }\nproblem: { kind: csv, path: bad.csv, target: y }\n')
    const r = meshgd('sim', exp, '--out', join(work, 'run-csv'))
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/bad.csv:3/)
    expect(r.stderr).toMatch(/"b"/)
  })
})

describe('meshgd theory', () => {
  it('prints one JSON document with the predicted rate and stable ranges', () => {
    const out = execFileSync(
      process.execPath,
      [bin, 'theory', join(root, 'topology', 'ring.yaml'), '--json', '--set', 'problem.dim=64'],
      {
        encoding: 'utf8',
      },
    )
    const report = JSON.parse(out)
    expect(report.elastic.rate).toBeGreaterThan(0)
    expect(report.elastic.rate).toBeLessThan(1)
    expect(report.elastic.mitra_lower_bound).toBeLessThanOrEqual(report.elastic.rate)
    expect(report.elastic.eta_max).toBeGreaterThan(1)
    expect(report.elastic.mu_optimal.rate).toBeLessThanOrEqual(report.elastic.rate + 1e-12)
    // one style for every name (issue 18, item 12): snake_case keys all the way down
    const keys = (x: unknown): string[] =>
      x && typeof x === 'object' ? Object.entries(x).flatMap(([k, v]) => [k, ...keys(v)]) : []
    expect(keys(report).filter((k) => !/^[a-z0-9_]+$/.test(k))).toEqual([])
    expect(report.graph.edges).toBe(8)
  })
})

describe('meshgd web and browser peers: bad input gets one line and exit 2', () => {
  const file = fileWriter(work)(
    'tabs.json',
    JSON.stringify({ swarm: { id: 'tabs', peers: 4, browser_peers: [1] }, run: { rounds: 10 } }),
  )

  it('meshgd web needs the bootstrap WebSockets address', () => {
    const r = run(['web', file, '--bootstrap', '/ip4/127.0.0.1/tcp/4001'])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/--bootstrap: a browser reaches the bootstrap over WebSockets; give its \/ws address/)
  })

  it('meshgd swarm with browser peers needs --dashboard to serve their page', () => {
    const r = run(['swarm', file, '--out', join(work, 'tabs-run')])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(
      /swarm.browser_peers: peer 1 is a browser tab: meshgd swarm serves their page beside its dashboard; add --dashboard/,
    )
  })

  it('meshgd web refuses a problem module that cannot run in a browser (it reads files with node:fs)', () => {
    const module = join(root, 'test', 'fixtures', 'modules', 'least-squares.mjs')
    const csv = fileWriter(work)('tabs-rows.csv', '1,2,3\n4,5,6\n7,8,9\n1,0,1\n')
    const moduleFile = fileWriter(work)(
      'tabs-module.json',
      JSON.stringify({
        swarm: { id: 'tabs', peers: 2 },
        problem: { kind: 'module', path: module, options: { file: csv } },
      }),
    )
    const r = run(['web', moduleFile, '--bootstrap', '/ip4/127.0.0.1/tcp/4002/ws'])
    expect(r.status, r.stderr).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/problem module .*least-squares.mjs: cannot run in a browser: .*node:fs/)
  })
})
