/**
 * `meshgd sweep` (issue 16, item 2): a 3 x 3 grid with 2 repeats is 18 cells, each run through the simulator in a
 * worker thread, a row each in sweep.jsonl and sweep.csv. Ctrl-C stops it with the finished rows kept (exit 130); the
 * same command again skips the finished cells (their run directories are left untouched) and runs the rest, and
 * then draws rates.svg and the --plot chart. Bad grids and plots are refused in one line, exit 2.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, meshgdRunner, workDir } from '../helpers/meshgd.js'
import { exitCode, sleep, startMeshgd, stopStarted } from '../helpers/processes.js'
import { checkSvgAndPng, externalReferences, markItems } from '../helpers/file-checks.js'

const work = workDir('sweep')
const meshgd = meshgdRunner({ cwd: work, timeout: 120_000 })
// tiny, and slow enough (a few tenths of a second a cell) that Ctrl-C lands in the middle of the sweep
const experiment = jsonWriter(work)('tiny', {
  swarm: { id: 'tiny', peers: 4 },
  topology: { kind: 'ring' },
  problem: { kind: 'planted', loss: 'squared', dim: 8, samples_per_peer: 2, seed: 3 },
  algorithm: { kind: 'elastic', eta: 0.5, mu: 0.2 },
  run: { rounds: 15_000, record_every: 1500, target: null },
})
const GRID = [
  '--grid',
  'topology.kind=ring,torus,complete',
  '--grid',
  'algorithm.mu=0.1,0.2,0.3',
  '--repeat',
  '2',
  '--jobs',
  '2',
]
const lines = (path: string): string[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l)
    : []

afterAll(stopStarted)

describe('meshgd sweep', () => {
  const out = join(work, 'grid')
  const rowsFile = join(out, 'sweep.jsonl')

  it('stops on Ctrl-C keeping the finished rows; run again, it skips them and writes all 18 rows and the plots', async () => {
    const first = startMeshgd(['sweep', experiment, ...GRID, '--out', out, '--plot', 'algorithm.mu:rate_measured'], {
      cwd: work,
    })
    for (let k = 0; k < 600 && lines(rowsFile).length < 3; k++) await sleep(50)
    first.child.kill('SIGINT')
    expect(await exitCode(first), first.stderr()).toBe(130)
    expect(first.stderr()).toMatch(/^meshgd: interrupted: \d+ of 18 cells finished/m)
    const kept = lines(rowsFile).map((l) => JSON.parse(l) as { cell: string })
    expect(kept.length).toBeGreaterThanOrEqual(3)
    expect(kept.length).toBeLessThan(18)
    const mtimes = new Map(kept.map((r) => [r.cell, statSync(join(out, 'cells', r.cell, 'summary.json')).mtimeMs]))

    const again = meshgd(['sweep', experiment, ...GRID, '--out', out, '--plot', 'algorithm.mu:rate_measured'])
    expect(again.status, again.stderr).toBe(0)
    expect(again.stderr).toContain(
      `sweep: 18 cells; ${kept.length} finished before, skipped; ${18 - kept.length} to run`,
    )
    for (const [cell, mtime] of mtimes)
      expect(statSync(join(out, 'cells', cell, 'summary.json')).mtimeMs, cell).toBe(mtime)
    const rows = lines(rowsFile).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rows).toHaveLength(18)
    expect(new Set(rows.map((r) => r.cell)).size).toBe(18)
    expect(rows[0]).toMatchObject({
      'topology.kind': 'ring',
      'algorithm.mu': 0.1,
      repeat: 0,
      'run.seed': 1,
      peers: 4,
      rounds: 15_000,
    })
    expect(rows[17]).toMatchObject({ 'topology.kind': 'complete', 'algorithm.mu': 0.3, repeat: 1, 'run.seed': 2 })
    const csv = lines(join(out, 'sweep.csv'))
    expect(csv).toHaveLength(19)
    expect(csv[0]).toMatch(
      /^cell,topology\.kind,algorithm\.mu,repeat,run\.seed,peers,rounds,.*rate_measured,rate_predicted/,
    )
  }, 180_000)

  it('draws measured against predicted rate per run and the chosen metric against a swept field', () => {
    const rates = checkSvgAndPng(join(out, 'rates.svg')).svg
    expect(markItems(rates, 'rate_points', 'path')).toBe(18)
    const byMu = checkSvgAndPng(join(out, 'rate_measured-by-algorithm.mu.svg')).svg
    expect(markItems(byMu, 'metric_points', 'path')).toBe(18)
    const html = readFileSync(join(out, 'sweep.html'), 'utf8')
    expect(html.match(/<svg\b/g)).toHaveLength(2)
    expect(externalReferences(html)).toEqual([])
    expect(html.match(/<tr>/g)!.length).toBeGreaterThanOrEqual(18)
    // issue 25 item 12: 1 - R on log axes, the open dots of runs that missed the target, the rates first in the page
    expect(rates).toContain('1 - R predicted')
    expect(rates).toContain('1 - R measured')
    const header = [.../<tr>(<th>cell<\/th>.*?)<\/tr>/.exec(html)![1]!.matchAll(/<th>([^<]*)<\/th>/g)].map((m) => m[1])
    expect(header.slice(0, 5)).toEqual(['cell', 'topology.kind', 'algorithm.mu', 'rate_measured', 'rate_predicted'])
    // the graph's own figures, against closed forms for 4 peers: a ring (= the 2 x 2 torus) has Laplacian
    // eigenvalues 0, 2, 2, 4 and diameter 2; the complete graph 0, 4, 4, 4 and diameter 1
    const rows = lines(rowsFile).map((l) => JSON.parse(l) as Record<string, number | string>)
    const ring = rows.find((r) => r['topology.kind'] === 'ring')!
    const complete = rows.find((r) => r['topology.kind'] === 'complete')!
    expect(
      [ring.lambda_2, ring.lambda_max, ring.degree, ring.diameter].map((v) => Number((v as number).toFixed(9))),
    ).toEqual([2, 4, 2, 2])
    expect(
      [complete.lambda_2, complete.lambda_max, complete.degree, complete.diameter].map((v) =>
        Number((v as number).toFixed(9)),
      ),
    ).toEqual([4, 4, 3, 1])
    expect(lines(join(out, 'sweep.csv'))[0]).toMatch(/lambda_2,lambda_max,degree,diameter/)
  })

  it('refuses a bad grid, an unknown plot, a bad cell and another sweep in the same folder, in one line', () => {
    const refused = (args: string[], line: RegExp): void => {
      const r = meshgd(['sweep', experiment, ...args])
      expect(r.status, r.stderr).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr.trim()).toMatch(line)
    }
    refused(['--grid', 'algorithm.mu'], /^meshgd: --grid algorithm\.mu: expected path=v1,v2,\.\.\./)
    refused([], /^meshgd: --grid: give at least one/)
    refused(
      ['--grid', 'algorithm.mu=0.1,0.2', '--plot', 'algorithm.eta'],
      /^meshgd: --plot algorithm\.eta: expected FIELD\[:METRIC\] with FIELD one of the grid's \(algorithm\.mu\)/,
    )
    refused(
      ['--grid', 'algorithm.mu=0.1', '--plot', 'algorithm.mu:speed'],
      /^meshgd: --plot algorithm\.mu:speed: unknown metric speed/,
    )
    refused(
      ['--grid', 'algorithm.mu=0.1,abc'],
      /^meshgd: sweep cell algorithm\.mu-abc_r0: --grid: algorithm\.mu: expected a number or "auto", got "abc"$/,
    )
    refused(
      ['--grid', 'topology.kind=ring,hypercube', '--set', 'swarm.peers=3'],
      /^meshgd: sweep cell topology\.kind-hypercube_r0: .*power-of-two/,
    )
    // another sweep in the same folder is refused naming the first thing that differs (issue 25 item 9)
    refused(
      ['--grid', 'algorithm.mu=0.1', '--out', out],
      /^meshgd: --out \S+grid: holds another sweep: it sweeps topology\.kind, algorithm\.mu, this --grid algorithm\.mu \(add values to the same fields to extend it\); pass --force/,
    )
    refused(
      [...GRID, '--set', 'algorithm.eta=0.4', '--out', out],
      /^meshgd: --out \S+grid: holds another sweep: the experiment differs \(algorithm\.eta: 0\.5 there, 0\.4 here\); pass --force/,
    )
    expect(lines(rowsFile)).toHaveLength(18) // left as it was
  }, 120_000)

  it('grows by a grid value and a repeat, running only the new cells (issue 25 item 9)', () => {
    const before = new Map(
      lines(rowsFile)
        .map((l) => JSON.parse(l) as { cell: string })
        .map((r) => [r.cell, statSync(join(out, 'cells', r.cell, 'summary.json')).mtimeMs]),
    )
    expect(before.size).toBe(18)
    const grown = [
      '--grid',
      'topology.kind=ring,torus,complete',
      '--grid',
      'algorithm.mu=0.1,0.2,0.3,0.4',
      '--repeat',
      '3',
      '--jobs',
      '2',
    ]
    const r = meshgd(['sweep', experiment, ...grown, '--out', out, '--no-plots'])
    expect(r.status, r.stderr).toBe(0)
    // 3 x 4 x 3 = 36 cells, 18 of them done before
    expect(r.stderr).toMatch(/^sweep: 36 cells; 18 finished before, skipped; 18 to run/m)
    const rows = lines(rowsFile).map((l) => JSON.parse(l) as { cell: string })
    expect(new Set(rows.map((x) => x.cell)).size).toBe(36)
    for (const [cell, mtime] of before)
      expect(statSync(join(out, 'cells', cell, 'summary.json')).mtimeMs, cell).toBe(mtime)
    expect(lines(join(out, 'sweep.csv'))).toHaveLength(37) // a header and every cell, old and new
    // the smaller sweep again is the grown one: nothing to run, nothing lost
    const again = meshgd(['sweep', experiment, ...GRID, '--out', out, '--no-plots'])
    expect(again.status, again.stderr).toBe(0)
    expect(again.stderr).toMatch(/^sweep: 36 cells; 36 finished before, skipped; 0 to run/m)
    expect(lines(join(out, 'sweep.csv'))).toHaveLength(37)
  }, 120_000)
})
