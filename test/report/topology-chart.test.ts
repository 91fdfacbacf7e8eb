/**
 * The report's topology picture as a vega-lite spec: a static ring and torus exactly as they were drawn before graphs
 * could change (the fixtures were written by the code before that change); the one-peer exponential graph on 8
 * peers as one period's links, each labelled with rounds t mod 3 that match i -> i + 2^(t mod 3) (Ying et al. 2021),
 * arrows on exactly the links used one way; a directed ring with arrows and no labels; a random matching as its
 * first rounds; a schedule whose link is used one way in one round and both ways in the next as two strokes.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { markItems } from '../helpers/file-checks.js'
import { topologyChart, type DrawnGraph } from '../../src/report/plots/topology-chart.js'
import { vegaLiteToSvg } from '../../src/report/plots/render.js'
import type { PlotRecord } from '../../src/report/plots/run-records.js'
import type { Stroke } from '../../src/report/plots/topology-rounds.js'
import { buildGraph } from '../../src/topology/graphs.js'
import { roundsLabel } from '../../src/topology/link-use.js'
import type { TopologySpec } from '../../src/topology/types.js'

const unit = { kind: 'unit' } as const
const spec = (kind: TopologySpec['kind'], more: Partial<TopologySpec> = {}): TopologySpec => ({
  kind,
  seed: 1,
  weights: unit,
  ...more,
})
const drawn = (s: TopologySpec, n: number): DrawnGraph => {
  const g = buildGraph(s, n)
  return { n: g.n, edges: g.edges, dynamics: g.dynamics, kind: s.kind, rows: s.rows, cols: s.cols }
}
const records = (n: number, error: (peer: number) => number | null): PlotRecord[] =>
  Array.from(
    { length: n },
    (_, peer) =>
      ({ round: 10, peer, loss: 1 + peer, disagreement: 0.1, error: error(peer), bytes_sent: 0 }) as PlotRecord,
  )

type Layer = { name: string; data: { values: unknown[] } }
const layers = (chart: unknown): Layer[] => (chart as { layer: Layer[] }).layer
const layer = (chart: unknown, name: string): Layer | undefined => layers(chart).find((l) => l.name === name)
const strokes = (chart: unknown): Stroke[] => layer(chart, 'topology_edges')!.data.values as Stroke[]
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as unknown
/** "0,2", "0-3" back to the rounds */
const parseRounds = (label: string): number[] =>
  label.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number)
    return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, k) => a! + k)
  })

describe('the topology picture of a static undirected graph', () => {
  it('a 6-peer ring and a 3 x 3 torus are drawn exactly as before', () => {
    const ring = topologyChart(
      drawn(spec('ring'), 6),
      records(6, (p) => 10 ** -p),
      2,
    )
    expect(JSON.parse(JSON.stringify(ring))).toEqual(fixture('ring-6-topology-spec.json'))
    const torus = topologyChart(
      drawn(spec('torus', { rows: 3, cols: 3 }), 9),
      records(9, () => null),
    )
    expect(JSON.parse(JSON.stringify(torus))).toEqual(fixture('torus-3x3-topology-spec.json'))
  })
})

describe('the topology picture of a graph that changes or points one way', () => {
  const n = 8
  const chart = topologyChart(
    drawn(spec('one-peer-exponential'), n),
    records(n, () => 1e-3),
  )

  it('one-peer exponential, 8 peers: one period of links, each labelled by the rounds t mod 3 it carries i -> i + 2^t', () => {
    const all = strokes(chart)
    const sends = (from: number, to: number, t: number): boolean => (from + 2 ** t) % n === to
    const covered = new Set<string>()
    for (const s of all) {
      const ts = parseRounds(s.label)
      expect(ts.length).toBeGreaterThan(0)
      for (const t of ts) {
        expect(t).toBeLessThan(3)
        expect(sends(s.from, s.to, t), `${s.from} -> ${s.to} in round ${t}`).toBe(true)
        // a one-way stroke: the other way is not used that round; a two-way one: it is
        expect(sends(s.to, s.from, t)).toBe(!s.oneWay)
        covered.add(`${s.from},${s.to},${t}`)
        if (!s.oneWay) covered.add(`${s.to},${s.from},${t}`)
      }
    }
    // every arc of every round is drawn: i -> i + 1, i + 2, i + 4 for all i
    for (let t = 0; t < 3; t++)
      for (let i = 0; i < n; i++) expect(covered.has(`${i},${(i + 2 ** t) % n},${t}`)).toBe(true)
    // i -> i + 1 and i -> i + 2 one way (16 strokes); i <-> i + 4 both ways in round 2 (4 strokes)
    expect(all.filter((s) => s.oneWay)).toHaveLength(16)
    expect(all.filter((s) => !s.oneWay).map((s) => [s.from, s.to, s.label])).toEqual([
      [0, 4, '2'],
      [1, 5, '2'],
      [2, 6, '2'],
      [3, 7, '2'],
    ])
    const title = (chart as unknown as { title: { text: string; subtitle: string[] } }).title
    expect(title.text).toBe('Topology: one-peer-exponential, 8 peers, 20 links over a period of 3 rounds')
    expect(title.subtitle[1]).toMatch(/rounds t mod 3 .*arrows: used one way/)
  })

  it('draws an arrow head at exactly the one-way links, pointing from the tail to the head', () => {
    const heads = layer(chart, 'topology_arrows')!.data.values as Stroke[]
    expect(heads.map((s) => `${s.from}>${s.to}`).sort()).toEqual(
      strokes(chart)
        .filter((s) => s.oneWay)
        .map((s) => `${s.from}>${s.to}`)
        .sort(),
    )
    for (const s of heads) {
      // the head lies on the way from the stroke's start to its end's peer, past the stroke's end
      const along = (px: number, py: number): number => (px - s.x) * (s.x2 - s.x) + (py - s.y) * (s.y2 - s.y)
      expect(along(s.hx, s.hy)).toBeGreaterThan(along(s.x2, s.y2))
      const rad = (s.angle * Math.PI) / 180
      expect(Math.sin(rad) * (s.x2 - s.x) - Math.cos(rad) * (s.y2 - s.y)).toBeGreaterThan(0)
    }
  })

  it('renders: a line per stroke, a triangle per one-way stroke, a label per stroke', async () => {
    const svg = await vegaLiteToSvg(chart)
    expect(markItems(svg, 'topology_edges', 'line')).toBe(20)
    expect(markItems(svg, 'topology_arrows', 'path')).toBe(16)
    expect(markItems(svg, 'topology_rounds', 'text')).toBe(20)
    expect(markItems(svg, 'topology_peers', 'path')).toBe(n)
  })

  it('a directed ring: an arrow on every link, no labels (the same graph every round)', () => {
    const ring = topologyChart(
      drawn(spec('directed-ring'), 5),
      records(5, () => 0.5),
    )
    expect(strokes(ring).map((s) => [s.from, s.to, s.oneWay, s.label])).toEqual([
      [0, 1, true, ''],
      [4, 0, true, ''],
      [1, 2, true, ''],
      [2, 3, true, ''],
      [3, 4, true, ''],
    ])
    expect(layer(ring, 'topology_arrows')!.data.values).toHaveLength(5)
    expect(layer(ring, 'topology_rounds')).toBeUndefined()
  })

  it('a random matching: the links of its first 4 rounds, labelled by round, and the title says it never repeats', () => {
    const g = buildGraph(spec('random-matching'), 6)
    const chart = topologyChart(
      drawn(spec('random-matching'), 6),
      records(6, () => 0.5),
    )
    const used = new Map<string, number[]>()
    for (let t = 0; t < 4; t++)
      g.dynamics!.at(t).out.forEach((targets, i) => {
        for (const j of targets) if (i < j) used.set(`${i},${j}`, [...(used.get(`${i},${j}`) ?? []), t])
      })
    const drawnLinks = strokes(chart).map((s): [string, string] => [`${s.from},${s.to}`, s.label])
    expect(new Map(drawnLinks)).toEqual(new Map([...used].map(([k, ts]) => [k, roundsLabel(ts)])))
    expect(layer(chart, 'topology_arrows')).toBeUndefined()
    expect((chart as unknown as { title: { text: string } }).title.text).toMatch(/never repeating/)
  })

  it('a schedule [directed ring, ring]: a link used one way, then both ways, is two strokes side by side', () => {
    const s = spec('schedule', { graphs: [spec('directed-ring'), spec('ring')], period: 2 })
    const chart = topologyChart(
      drawn(s, 4),
      records(4, () => 0.5),
    )
    const of01 = strokes(chart).filter((k) => (k.from === 0 && k.to === 1) || (k.from === 1 && k.to === 0))
    expect(of01.map((k) => [k.from, k.to, k.oneWay, k.label])).toEqual([
      [0, 1, false, '2,3'],
      [0, 1, true, '0,1'],
    ])
    expect(Math.hypot(of01[0]!.x - of01[1]!.x, of01[0]!.y - of01[1]!.y)).toBeGreaterThan(0)
  })
})
