/**
 * Promises a new user tests first (issue 18), one case a row: the command as a user runs it, its exit status and
 * the one line it prints. Ctrl-C on `meshgd sim` has its own file (interrupt.test.ts); what needs a real swarm
 * (Ctrl-C on `meshgd swarm`, resuming, `meshgd report` on gathered folders) is in test/integration/swarm.test.ts.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { meshgdRunner, root, workDir } from '../helpers/meshgd.js'

const work = workDir('promises')
const demo = join(root, 'topology', 'demo.yaml')
const run = meshgdRunner({ cwd: work, timeout: 120_000 })
const meshgd = (...args: string[]): ReturnType<typeof run> => run(args)

/** One line on stderr, exit 2: the bad-input promise. */
function expectRefusal(r: { status: number; stderr: string }, line: RegExp): void {
  expect(r.status, r.stderr).toBe(2)
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr.trim()).toMatch(line)
}

describe('promises a new user tests first', () => {
  it('2: compose --set reaches the containers: every peer runs the resolved experiment written beside the file', () => {
    const out = join(work, 'compose', 'compose.yaml')
    const r = meshgd(
      'compose',
      join(root, 'topology', 'ring.yaml'),
      '--set',
      'swarm.peers=4',
      '--set',
      'run.rounds=10',
      '-o',
      out,
    )
    expect(r.status, r.stderr).toBe(0)
    const record = JSON.parse(readFileSync(join(work, 'compose', 'compose.experiment.json'), 'utf8'))
    expect(record.swarm.peers).toBe(4)
    expect(record.run.rounds).toBe(10)
    expect(record.algorithm).toMatchObject({ kind: 'elastic', eta: 1, mu: 0.3 }) // the file's own fields, defaults filled in
    const text = readFileSync(out, 'utf8')
    expect(text.match(/- \/experiment\/experiment\.json/g)).toHaveLength(4) // the command of every peer
    expect(text).toContain('source: ./compose.experiment.json')
    expect(text).not.toContain('ring.yaml\n') // never the user's file, which lacks the overrides
  })

  it("7: --out onto another experiment's run is refused in one line and left alone; --force replaces it", () => {
    const out = join(work, 'reuse')
    // the same experiment with 4 peers instead of 8: another experiment for the run directory
    const smaller = [
      'sim',
      demo,
      '--set',
      'run.rounds=10',
      '--set',
      'swarm.peers=4',
      '--out',
      out,
      '--quiet',
      '--no-theory',
    ]
    expect(meshgd('sim', demo, '--set', 'run.rounds=10', '--out', out, '--quiet', '--no-theory').status).toBe(1) // target missed
    expect(JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8')).run.rounds).toBe(10)
    const refused = meshgd(...smaller)
    expectRefusal(
      refused,
      /^meshgd: --out \S+reuse: holds a run of another experiment \(swarm\.peers: 8 there, 4 here\); pass --force to replace it, or choose another --out$/,
    )
    expect(readdirSync(join(out, 'params'))).toHaveLength(8)
    const forced = meshgd(...smaller, '--force')
    expect(forced.status).toBe(1)
    expect(readdirSync(join(out, 'params')).sort()).toEqual(['0.f64', '1.f64', '2.f64', '3.f64']) // no params/4..7 left over
    expect(readdirSync(join(out, 'peers')).sort()).toEqual(['0', '1', '2', '3'])
    // --force on a run of the same experiment starts over too (it does not resume)
    writeFileSync(join(out, 'peers', '0', 'stray'), 'x')
    expect(meshgd(...smaller, '--force').status).toBe(1)
    expect(existsSync(join(out, 'peers', '0', 'stray'))).toBe(false)
    // the same experiment again is no conflict; a folder of someone else's files is
    expect(meshgd(...smaller).status).toBe(1)
    const foreign = join(work, 'foreign')
    mkdirSync(join(foreign, 'params'), { recursive: true })
    expectRefusal(
      meshgd('sim', demo, '--out', foreign, '--quiet'),
      /holds a run of an unrecorded experiment \(params, no experiment\.json\); pass --force/,
    )
  })

  it("9: --set algorithm.kind changes the kind and leaves out the file's fields the new kind lacks", () => {
    const theory = meshgd('theory', demo, '--set', 'algorithm.kind=quorum')
    expect(theory.status, theory.stderr).toBe(0)
    expect(theory.stdout).toMatch(/^experiment\s+demo: 8 peers, ring, quorum/m)
    const out = join(work, 'quorum')
    const sim = meshgd(
      'sim',
      demo,
      '--set',
      'algorithm.kind=quorum',
      '--set',
      'algorithm.mu=null',
      '--set',
      'run.rounds=10',
      '--set',
      'run.target=null',
      '--out',
      out,
      '--quiet',
      '--no-theory',
    )
    expect(sim.status, sim.stderr).toBe(0)
    const record = JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8'))
    expect(record.algorithm.kind).toBe('quorum')
    expect(record.algorithm.eta).toBe(1) // kept from the file: quorum has an eta
    expect(record.algorithm.mu).toBeUndefined()
    // a field the new kind lacks, given by --set with a value, is still an error naming --set
    expectRefusal(
      meshgd('theory', demo, '--set', 'algorithm.kind=quorum', '--set', 'algorithm.mu=0.2'),
      /^meshgd: --set: algorithm\.mu: unknown field$/,
    )
  })

  it('10: bad input is one line naming what is wrong, and exit 2', () => {
    expectRefusal(
      meshgd('sim', demo, '--set', 'algorithm.eta=abc'),
      /^meshgd: --set: algorithm\.eta: expected a number or "auto", got "abc"$/,
    )
    const edges = join(work, 'edges.yaml')
    writeFileSync(edges, 'swarm: { peers: 4 }\ntopology: { kind: edges, edges: [[0, 1]] }\n')
    expectRefusal(meshgd('theory', edges), /^meshgd: \S*edges\.yaml:2: topology: graph is disconnected/)
    expectRefusal(
      meshgd('swarm', demo, '--swarm-key', '/nonexistent/swarm.key', '--out', join(work, 'nokey')),
      /^meshgd: \/nonexistent\/swarm\.key: cannot read the swarm key: no such file/,
    )
    expect(existsSync(join(work, 'nokey'))).toBe(false) // refused before anything was written
    expectRefusal(
      meshgd('keygen', '-o', '/nonexistent/x.key'),
      /^meshgd: -o \/nonexistent\/x\.key: cannot write the key: no such directory$/,
    )
    const simRun = join(work, 'not-gathered')
    meshgd('sim', demo, '--set', 'run.rounds=5', '--out', simRun, '--quiet', '--no-theory')
    // a simulator's whole run is reported (issue 16: plots for any finished run); one without its summary is not
    expect(meshgd('report', simRun, '--no-plots').status).toBe(1) // run.target missed, as for sim
    rmSync(join(simRun, 'summary.json'))
    expectRefusal(meshgd('report', simRun), /^meshgd: \S+not-gathered: missing peers\/0\/info\.json/)
    expectRefusal(
      meshgd('report', join(work, 'nowhere')),
      /^meshgd: \S+nowhere: not a run directory; name the experiment the peers ran/,
    )
    expectRefusal(meshgd('bootstrap', '--listen', 'garbage'), /^meshgd: --listen garbage: not a multiaddr/)
    expectRefusal(
      meshgd('node', demo, '--index', '0', '--bootstrap', 'nonsense'),
      /^meshgd: --bootstrap nonsense: not a multiaddr/,
    )
    expectRefusal(
      meshgd('sim', join(root, 'topology')),
      /^meshgd: \S*topology: cannot read experiment file: it is a directory/,
    )
    const comma = join(work, 'comma.json')
    writeFileSync(comma, '{"swarm": {"peers": 4},}')
    expectRefusal(meshgd('sim', comma), /^meshgd: \S*comma\.json:1:24: JSON syntax error: /)
  })

  it('5: the README example with a stronger coupling runs; a diverged run says where its printed figures come from', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const line = /^npx meshgd sim topology\/ring\.yaml (--set algorithm\.mu=\S+ --set run\.rounds=\S+)/m.exec(readme)
    expect(line).not.toBeNull()
    const args = line![1]!.split(' ')
    const ok = meshgd(
      'sim',
      join(root, 'topology', 'ring.yaml'),
      ...args,
      '--out',
      join(work, 'readme-mu'),
      '--quiet',
      '--no-theory',
    )
    expect(ok.status, ok.stderr).toBe(0)
    const diverged = meshgd(
      'sim',
      join(root, 'topology', 'ring.yaml'),
      '--set',
      'algorithm.mu=0.45',
      '--set',
      'run.rounds=2000',
      '--out',
      join(work, 'diverged'),
      '--quiet',
      '--no-theory',
    )
    expect(diverged.status).toBe(1)
    expect(diverged.stdout).toMatch(/^rounds\s+\d+ \(diverged: the figures below are from the last round\)$/m)
    expect(diverged.stderr.trim()).toMatch(
      /^meshgd: the run diverged by round \d+ \(a parameter grew past 1e150 in magnitude, or became NaN\); lower algorithm\.eta or algorithm\.mu/,
    )
  })

  it('8: run.target is not judged, nor the run failed, where the problem has no reference solution', () => {
    const r = meshgd(
      'sim',
      demo,
      '--set',
      'problem.loss=logistic',
      '--set',
      'run.rounds=200',
      '--out',
      join(work, 'logistic'),
      '--quiet',
      '--no-theory',
    )
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/max error\s+n\/a/)
    expect(r.stderr.trim()).toBe(
      'meshgd: run.target 1e-11 not judged: this problem has no reference solution to measure the error against',
    )
    // where there is a reference, a missed target still fails
    const missed = meshgd(
      'sim',
      demo,
      '--set',
      'run.rounds=10',
      '--out',
      join(work, 'missed'),
      '--quiet',
      '--no-theory',
    )
    expect(missed.status).toBe(1)
    expect(missed.stderr.trim()).toBe('meshgd: run.target 1e-11 not reached in 10 rounds')
  })

  it('11: theory says in words when no mu is stable, or when mu has no effect, and recommends none', () => {
    const single = meshgd('theory', demo, '--set', 'swarm.peers=1', '--set', 'topology.kind=complete')
    expect(single.status, single.stderr).toBe(0)
    expect(single.stdout).toMatch(/any mu is stable \(it has no effect here\)/)
    expect(single.stdout).not.toMatch(/best mu/)
    expect(single.stdout).not.toMatch(/e\+1\d/) // no 2.306e+17
    const steep = meshgd('theory', demo, '--set', 'algorithm.eta=5')
    expect(steep.status, steep.stderr).toBe(0)
    expect(steep.stdout).toMatch(/stable\s+NO: eta < [\d.]+ at mu = 0\.3; no mu is stable at eta = 5/)
    expect(steep.stdout).not.toMatch(/best mu/)
  })

  it('12: every name in the files and the JSON output is snake_case', () => {
    const out = join(work, 'names')
    expect(meshgd('sim', demo, '--set', 'run.rounds=20', '--out', out, '--quiet').status).toBe(1) // target missed
    const theory = meshgd('theory', demo, '--json')
    expect(theory.status).toBe(0)
    const keys = (x: unknown): string[] =>
      x && typeof x === 'object' ? Object.entries(x).flatMap(([k, v]) => [k, ...keys(v)]) : []
    const documents = [
      readFileSync(join(out, 'summary.json'), 'utf8'),
      readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n')[0]!,
      theory.stdout,
    ]
    for (const text of documents) expect(keys(JSON.parse(text)).filter((k) => !/^[a-z0-9_]+$/.test(k))).toEqual([])
    expect(JSON.parse(theory.stdout).elastic).toHaveProperty('mitra_lower_bound')
  })

  for (const command of ['node', 'bootstrap', 'sim']) {
    it(`13: meshgd ${command} --help names each default once, and no empty list`, () => {
      const r = meshgd(command, '--help')
      expect(r.status).toBe(0)
      const help = r.stdout.replace(/\s+/g, ' ')
      expect(help).not.toContain('(default: [])')
      if (command !== 'sim')
        expect(help).toContain('--listen <multiaddr> address to listen on (repeatable) (default: /ip4/0.0.0.0/tcp/0)')
      expect(help.match(/\/ip4\/0\.0\.0\.0\/tcp\/0/g)?.length ?? 0).toBeLessThanOrEqual(1)
    })
  }
})
