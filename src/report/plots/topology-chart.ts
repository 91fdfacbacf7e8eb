/**
 * The run's graph drawn as a vega-lite chart: peers as dots coloured by their final relative error on the fixed
 * scale of error-colours.ts (or by their final loss where the problem has no reference solution), edges as lines. The
 * layout is deterministic, so two reports of one run look the same: a grid or torus on its rows x cols lattice, every
 * other graph on a circle in peer order (peer 0 on top, clockwise), which is the picture of a ring and reads well
 * enough for the rest. A graph that changes from round to round or points one way is drawn by topology-rounds.ts:
 * one period's links labelled by the rounds they are used in, arrows on links used one way.
 */
import type { TopLevelSpec } from 'vega-lite'
import type { Graph, TopologySpec } from '../../topology/types.js'
import { errorColourScale } from './error-colours.js'
import { lastRecordOfEachPeer, type PlotRecord } from './run-records.js'
import { roundLayers } from './topology-rounds.js'

/**
 * The graph as the report draws it: its peers and edges (and, where it changes or points one way, its dynamics), and
 * of its topology the kind (for the title and the layout) and, for a grid or torus, the lattice (rows x cols = n).
 */
export type DrawnGraph = Pick<Graph, 'n' | 'edges' | 'dynamics'> & Pick<TopologySpec, 'kind' | 'rows' | 'cols'>

/** More peers than this and the dots carry no number. */
const MAX_LABELLED = 64

/** Where peer i sits: on the lattice for a grid or torus with its shape given, else on the unit circle. */
export function layoutPeers(graph: DrawnGraph): Array<{ x: number; y: number }> {
  const { n, rows, cols } = graph
  if (
    (graph.kind === 'grid' || graph.kind === 'torus') &&
    rows !== undefined &&
    cols !== undefined &&
    rows * cols === n
  ) {
    return Array.from({ length: n }, (_, i) => ({ x: i % cols, y: Math.floor(i / cols) }))
  }
  if (n === 1) return [{ x: 0, y: 0 }]
  return Array.from({ length: n }, (_, i) => {
    const angle = (2 * Math.PI * i) / n - Math.PI / 2
    const round6 = (v: number): number => Math.round(v * 1e6) / 1e6 + 0 // + 0: no -0
    return { x: round6(Math.cos(angle)), y: round6(Math.sin(angle)) }
  })
}

/** What colours the dots: each peer's last recorded relative error, or its last loss where no error is known. */
function finalValues(
  records: readonly PlotRecord[],
  n: number,
  errorScale: number,
): { field: string; values: Array<number | null> } {
  const last = lastRecordOfEachPeer(records)
  const errors = Array.from({ length: n }, (_, i) => {
    const e = last.get(i)?.error
    return e === null || e === undefined ? null : e / errorScale
  })
  if (errors.some((e) => e !== null)) return { field: 'final relative error', values: errors }
  return { field: 'final loss', values: Array.from({ length: n }, (_, i) => last.get(i)?.loss ?? null) }
}

/** The drawing area: padded domains of the layout, and pixels per layout unit (the longer side about 420 px). */
function frame(at: ReadonlyArray<{ x: number; y: number }>): { xDomain: number[]; yDomain: number[]; unit: number } {
  const xs = at.map((p) => p.x)
  const ys = at.map((p) => p.y)
  const pad = (lo: number, hi: number): number[] => [lo - 0.15 * Math.max(1, hi - lo), hi + 0.15 * Math.max(1, hi - lo)]
  const unit = 420 / Math.max(1, Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys))
  return { xDomain: pad(Math.min(...xs), Math.max(...xs)), yDomain: pad(Math.min(...ys), Math.max(...ys)), unit }
}

type Node = { peer: number; x: number; y: number; value: number | null | undefined }
type Segment = { x: number; y: number; x2: number; y2: number }

/**
 * An edge as drawn: a straight segment; on a lattice, an edge that wraps around (a torus's, more than one cell
 * long) is two stubs leaving each end outwards across the border, so it neither hides nor is hidden by the cells
 * between its ends (drawn straight, a 4 x 4 torus showed 24 of its 32 edges).
 */
function edgeSegments(a: { x: number; y: number }, b: { x: number; y: number }): Segment[] {
  const dx = b.x - a.x
  const dy = b.y - a.y
  const wraps = (Math.abs(dx) > 1 && dy === 0) || (Math.abs(dy) > 1 && dx === 0)
  if (!wraps) return [{ x: a.x, y: a.y, x2: b.x, y2: b.y }]
  const out = (p: { x: number; y: number }, sx: number, sy: number): Segment => ({
    x: p.x,
    y: p.y,
    x2: p.x + 0.45 * sx,
    y2: p.y + 0.45 * sy,
  })
  return [out(a, -Math.sign(dx), -Math.sign(dy)), out(b, Math.sign(dx), Math.sign(dy))]
}

/** Every peer in grey (one whose value is unknown or not finite, as after a divergence, stays so), then the colours. */
function peerLayers(
  nodes: Node[],
  known: Node[],
  field: string,
  dot: number,
  position: Record<string, unknown>,
): Array<Record<string, unknown>> {
  const positive = known.every((p) => p.value! > 0)
  const outline = { size: dot, opacity: 1, stroke: '#333333', strokeWidth: 0.5 }
  const scale =
    field === 'final relative error' ? errorColourScale() : { type: positive ? 'log' : 'linear', scheme: 'viridis' }
  const colour = { field: 'value', type: 'quantitative', title: field, scale, legend: { format: '.0e' } }
  return [
    {
      name: 'topology_peers',
      data: { values: nodes },
      mark: { type: 'circle', color: '#cccccc', ...outline },
      encoding: position,
    },
    {
      name: 'topology_values',
      data: { values: known },
      mark: { type: 'circle', ...outline },
      encoding: { ...position, color: colour, tooltip: [{ field: 'peer' }, { field: 'value', title: field }] },
    },
  ]
}

/** `errorScale`: |w_ref|, which turns the records' errors into relative ones (1 where unknown). */
export function topologyChart(graph: DrawnGraph, records: readonly PlotRecord[], errorScale = 1): TopLevelSpec {
  const at = layoutPeers(graph)
  const { field, values } = finalValues(
    records,
    graph.n,
    errorScale > 0 && Number.isFinite(errorScale) ? errorScale : 1,
  )
  const nodes: Node[] = at.map((p, i) => ({ peer: i, x: p.x, y: p.y, value: values[i] }))
  const lattice =
    graph.kind === 'torus' &&
    graph.rows !== undefined &&
    graph.cols !== undefined &&
    graph.rows * graph.cols === graph.n
  const edges = graph.edges.flatMap(([i, j]) =>
    lattice ? edgeSegments(at[i]!, at[j]!) : [{ x: at[i]!.x, y: at[i]!.y, x2: at[j]!.x, y2: at[j]!.y }],
  )
  const known = nodes.filter((p) => p.value !== null && p.value !== undefined && Number.isFinite(p.value))
  const { xDomain, yDomain, unit } = frame(at)
  const x = { field: 'x', type: 'quantitative', axis: null, scale: { domain: xDomain } }
  const y = { field: 'y', type: 'quantitative', axis: null, scale: { domain: yDomain, reverse: true } }
  const dot = Math.max(40, Math.min(400, 6000 / graph.n))
  const rounds = graph.dynamics
    ? roundLayers({ ...graph, dynamics: graph.dynamics }, { at, unit, dot }, { x, y })
    : null
  const layer: Array<Record<string, unknown>> = [
    ...(rounds?.layers ?? [
      {
        name: 'topology_edges',
        data: { values: edges },
        mark: { type: 'rule', color: '#9a9a9a', strokeWidth: 1 },
        encoding: { x, y, x2: { field: 'x2' }, y2: { field: 'y2' } },
      },
    ]),
    ...peerLayers(nodes, known, field, dot, { x, y }),
  ]
  if (graph.n <= MAX_LABELLED) {
    layer.push({
      name: 'topology_labels',
      data: { values: nodes },
      mark: { type: 'text', dy: -Math.sqrt(dot) / 2 - 6, fontSize: 10 },
      encoding: { x, y, text: { field: 'peer' } },
    })
  }
  const missing = graph.n - known.length
  const colouring = `peers coloured by ${field}${missing > 0 ? `; grey: ${missing} without a finite value` : ''}`
  return {
    width: Math.max(160, Math.round(unit * (xDomain[1]! - xDomain[0]!))),
    height: Math.max(160, Math.round(unit * (yDomain[1]! - yDomain[0]!))),
    title: {
      text: rounds?.title ?? `Topology: ${graph.kind}, ${graph.n} peers, ${graph.edges.length} edges`,
      subtitle: rounds?.note ? [colouring, rounds.note] : colouring,
    },
    view: { stroke: null },
    layer,
  } as unknown as TopLevelSpec
}
