/**
 * `meshgd report DIR` draws the run (issue 16, item 3): on a simulator's run directory every chart is a well-formed
 * SVG with the expected marks (a line per peer, a dot per peer and a line per edge), each has a PNG beside it,
 * report.html inlines them and fetches nothing; a run without a reference solution or a time split says why a
 * chart is missing; `--no-plots` draws nothing. A real swarm and a gathered copy of it are in report-swarm.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { jsonWriter, meshgdRunner, workDir } from '../helpers/meshgd.js'
import { checkSvgAndPng, externalReferences, markGroups, markItems, wellFormedRoot } from '../helpers/file-checks.js'

const work = workDir('report-plots')
const meshgd = meshgdRunner({ cwd: work, timeout: 120_000 })
const PEERS = 6
const experiment = jsonWriter(work)('ring', {
  swarm: { id: 'plots', peers: PEERS },
  topology: { kind: 'ring' },
  problem: { kind: 'planted', loss: 'squared', dim: 16, samples_per_peer: 2, seed: 3 },
  algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
  run: { rounds: 120, record_every: 2, target: null },
})

describe('meshgd report on a simulator run', () => {
  const out = join(work, 'sim')
  let printed = ''

  beforeAll(() => {
    expect(meshgd(['sim', experiment, '--out', out, '--quiet']).status).toBe(0)
    const r = meshgd(['report', out])
    expect(r.status, r.stderr).toBe(0)
    printed = r.stdout
  }, 120_000)

  it('prints the summary, where the page is, and why a chart is missing', () => {
    expect(printed).toMatch(/^rate measured/m)
    expect(printed).toMatch(/^report page\s+\S+report\.html$/m)
    expect(printed).toMatch(/time\.svg: no time split: a simulated run has no network to wait on/)
    expect(existsSync(join(out, 'time.svg'))).toBe(false)
  })

  it('writes every chart as a well-formed SVG with a line per peer, a dot per peer and a line per edge, and a PNG', () => {
    const charts = Object.fromEntries(
      ['error', 'disagreement', 'bytes', 'topology'].map((name) => [name, checkSvgAndPng(join(out, `${name}.svg`))]),
    )
    expect(markGroups(charts.error!.svg, 'peer_error')).toBe(PEERS)
    expect(markGroups(charts.error!.svg, 'max_error')).toBe(1)
    expect(markGroups(charts.error!.svg, 'predicted_error')).toBe(1) // the theory gives a rate for elastic
    expect(markGroups(charts.disagreement!.svg, 'peer_disagreement')).toBe(PEERS)
    expect(markGroups(charts.bytes!.svg, 'error_by_bytes')).toBe(1)
    expect(markItems(charts.topology!.svg, 'topology_peers', 'path')).toBe(PEERS)
    expect(markItems(charts.topology!.svg, 'topology_values', 'path')).toBe(PEERS) // every peer has a final error
    expect(markItems(charts.topology!.svg, 'topology_edges', 'line')).toBe(PEERS) // a ring has n edges
    expect(markItems(charts.topology!.svg, 'topology_labels', 'text')).toBe(PEERS)
    // the PNG is the SVG at twice its size
    const width = Number(/<svg[^>]*\bwidth="(\d+)"/.exec(charts.error!.svg)![1])
    expect(charts.error!.png.width).toBe(2 * width)
  })

  it('writes report.html: the summary table and the SVGs inlined, nothing fetched from the network', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(externalReferences(html)).toEqual([])
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i)
    expect(html.match(/<svg\b/g)).toHaveLength(4)
    expect(html).toContain('no time split')
    expect(html).toMatch(/<th>rate predicted<\/th>/)
    // the page (less the doctype, with its one void element closed) is well formed too
    expect(
      wellFormedRoot(html.replace(/^<!DOCTYPE html>/, '').replace(/<meta charset="utf-8">/, '<meta charset="utf-8"/>')),
    ).toBe('html')
  })

  it('lays a torus out on its lattice and colours by loss where there is no reference; --no-plots draws nothing', () => {
    const torus = join(work, 'torus')
    const sets = [
      '--set',
      'topology.kind=torus',
      '--set',
      'swarm.peers=9',
      '--set',
      'problem.loss=logistic',
      '--set',
      'run.rounds=20',
    ]
    expect(meshgd(['sim', experiment, ...sets, '--out', torus, '--quiet', '--no-theory']).status).toBe(0)
    const r = meshgd(['report', torus])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/error\.svg: no error to plot: this problem has no reference solution/)
    expect(existsSync(join(torus, 'error.svg'))).toBe(false)
    const topology = checkSvgAndPng(join(torus, 'topology.svg')).svg
    expect(markItems(topology, 'topology_peers', 'path')).toBe(9)
    // 3 x 3 torus: 2n = 18 edges, 12 of them inside the lattice and 6 wrapping around, each drawn as two stubs
    // across the border (issue 25 item 16: drawn straight, the wrap-around edges lay on top of the lattice's)
    expect(markItems(topology, 'topology_edges', 'line')).toBe(12 + 2 * 6)
    expect(topology).toContain('final loss')
    // lattice positions: three distinct columns of dots
    const xs = new Set(
      [...topology.matchAll(/role-mark topology_peers_marks[\s\S]*?<\/g>/g)].flatMap((m) =>
        [...m[0].matchAll(/translate\(([\d.]+),/g)].map((t) => t[1]),
      ),
    )
    expect(xs.size).toBe(3)
    const plain = join(work, 'plain')
    expect(meshgd(['sim', experiment, '--set', 'run.rounds=10', '--out', plain, '--quiet']).status).toBe(0)
    expect(meshgd(['report', plain, '--no-plots']).status).toBe(0)
    expect(existsSync(join(plain, 'report.html'))).toBe(false)
    expect(existsSync(join(plain, 'topology.svg'))).toBe(false)
  }, 120_000)
})
