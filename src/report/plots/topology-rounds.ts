/**
 * The links of a graph that changes from round to round or points one way, as the report's topology picture
 * (topology-chart.ts) draws them: the union of one period's links, each labelled with the rounds t mod period it is
 * used in, and a triangle at the head of a link used one way. A link used both ways in some rounds and one way in
 * others is drawn as parallel strokes, one per way of use, each with its own label. Static undirected graphs never
 * come here: their picture is the plain one.
 */
import { linkUses, roundsLabel } from '../../topology/link-use.js'
import type { Dynamics, RoundEdges } from '../../topology/types.js'
import type { DrawnGraph } from './topology-chart.js'

/**
 * A graph that never repeats (random-matching) has no period to label by, and the union of its links is every pair
 * of peers (what a matching may use), a picture that says nothing. So it draws the links of its first few rounds,
 * labelled by the round, and its title says so.
 */
const NEVER_REPEATING_ROUNDS = 4

/** More strokes than this and the links carry no labels (they would cover the picture). */
const MAX_LABELLED_STROKES = 160

/** One way a link is used, drawn: a stroke from (x, y) to (x2, y2), a head at (hx, hy) pointing `angle` degrees. */
export interface Stroke {
  from: number
  to: number
  oneWay: boolean
  label: string
  x: number
  y: number
  x2: number
  y2: number
  hx: number
  hy: number
  /** clockwise from up, as vega turns a symbol */
  angle: number
  lx: number
  ly: number
}

type Point = { x: number; y: number }

/** What the drawing needs of the chart: where the peers sit, pixels per layout unit and the dots' area in px^2. */
export interface StrokeFrame {
  at: readonly Point[]
  unit: number
  dot: number
}

/** The rounds drawn: one period's, or the first few of a graph that never repeats. */
function drawnRounds(dynamics: Dynamics): RoundEdges[] {
  return Array.from({ length: dynamics.period ?? NEVER_REPEATING_ROUNDS }, (_, t) => dynamics.at(t))
}

/**
 * A stroke from peer `from` to peer `to`, moved `offset` px sideways (to the left of i -> j, i < j, so the strokes
 * of one link lie side by side whichever way each goes); a one-way stroke stops short of its head's dot.
 */
function stroke(frame: StrokeFrame, from: number, to: number, offset: number, oneWay: boolean, label: string): Stroke {
  const { at, unit, dot } = frame
  const [lo, hi] = from < to ? [from, to] : [to, from]
  const len = Math.hypot(at[hi]!.x - at[lo]!.x, at[hi]!.y - at[lo]!.y) || 1
  const side = { x: -(at[hi]!.y - at[lo]!.y) / len, y: (at[hi]!.x - at[lo]!.x) / len }
  const shift = (p: Point, px: number): Point => ({ x: p.x + (side.x * px) / unit, y: p.y + (side.y * px) / unit })
  const a = shift(at[from]!, offset)
  const b = shift(at[to]!, offset)
  const dir = { x: (b.x - a.x) / len, y: (b.y - a.y) / len }
  const back = (px: number): Point => ({ x: b.x - (dir.x * px) / unit, y: b.y - (dir.y * px) / unit })
  const radius = Math.sqrt(dot / Math.PI)
  const head = headSide(dot)
  const end = oneWay ? back(radius + 0.8 * head) : b
  const tip = back(radius + 1 + head / 2)
  // the label sits a third of the way from the tail, beside the stroke: labels of links crossing at their middle
  // (the diameters of a circle) do not pile up there
  const l = shift({ x: a.x + (b.x - a.x) / 3, y: a.y + (b.y - a.y) / 3 }, offset === 0 ? 7 : Math.sign(offset) * 7)
  const round6 = (v: number): number => Math.round(v * 1e6) / 1e6 + 0 // + 0: no -0
  return {
    from,
    to,
    oneWay,
    label,
    x: round6(a.x),
    y: round6(a.y),
    x2: round6(end.x),
    y2: round6(end.y),
    hx: round6(tip.x),
    hy: round6(tip.y),
    angle: round6((Math.atan2(dir.x, -dir.y) * 180) / Math.PI),
    lx: round6(l.x),
    ly: round6(l.y),
  }
}

/** A head's side in px: with the dots, between 5 and 8. */
export function headSide(dot: number): number {
  return Math.max(5, Math.min(8, 0.5 * Math.sqrt(dot)))
}

/** Every stroke of the graph's drawn rounds, and how many rounds they cover. */
export function roundStrokes(
  graph: DrawnGraph & { dynamics: Dynamics },
  frame: StrokeFrame,
): { strokes: Stroke[]; rounds: number } {
  const rounds = drawnRounds(graph.dynamics)
  const everyRound = (ts: readonly number[]): boolean => graph.dynamics.period !== null && ts.length === rounds.length
  const label = (ts: readonly number[]): string => (everyRound(ts) ? '' : roundsLabel(ts))
  const strokes = linkUses(graph.n, rounds).flatMap((use) => {
    const ways = [
      { from: use.i, to: use.j, ts: use.both, oneWay: false },
      { from: use.i, to: use.j, ts: use.forward, oneWay: true },
      { from: use.j, to: use.i, ts: use.backward, oneWay: true },
    ].filter((w) => w.ts.length > 0)
    const gap = 5 // px between parallel strokes of one link
    return ways.map((w, k) => stroke(frame, w.from, w.to, (k - (ways.length - 1) / 2) * gap, w.oneWay, label(w.ts)))
  })
  return { strokes, rounds: rounds.length }
}

/** The chart's layers for the strokes (lines, heads, labels) and the lines of title it adds. */
export function roundLayers(
  graph: DrawnGraph & { dynamics: Dynamics },
  frame: StrokeFrame,
  position: { x: Record<string, unknown>; y: Record<string, unknown> },
): { layers: Array<Record<string, unknown>>; title: string; note: string } {
  const { strokes, rounds } = roundStrokes(graph, frame)
  const { x, y } = position
  const heads = strokes.filter((s) => s.oneWay)
  const labels = strokes.length <= MAX_LABELLED_STROKES ? strokes.filter((s) => s.label !== '') : []
  const side = headSide(frame.dot)
  const layers: Array<Record<string, unknown>> = [
    {
      name: 'topology_edges',
      data: { values: strokes },
      mark: { type: 'rule', color: '#9a9a9a', strokeWidth: 1 },
      encoding: { x, y, x2: { field: 'x2' }, y2: { field: 'y2' } },
    },
  ]
  if (heads.length > 0)
    layers.push({
      name: 'topology_arrows',
      data: { values: heads },
      mark: { type: 'point', shape: 'triangle-up', filled: true, color: '#6f6f6f', opacity: 1, size: side * side },
      encoding: {
        x: { ...x, field: 'hx' },
        y: { ...y, field: 'hy' },
        angle: { field: 'angle', type: 'quantitative', scale: null },
      },
    })
  if (labels.length > 0)
    layers.push({
      name: 'topology_rounds',
      data: { values: labels },
      mark: { type: 'text', fontSize: 9, color: '#4a4a4a', align: 'center', baseline: 'middle' },
      encoding: { x: { ...x, field: 'lx' }, y: { ...y, field: 'ly' }, text: { field: 'label' } },
    })
  return { layers, ...titleLines(graph, strokes, rounds, labels.length > 0) }
}

/** What the title says of the links drawn, and the line under it that says how to read them. */
function titleLines(
  graph: DrawnGraph & { dynamics: Dynamics },
  strokes: readonly Stroke[],
  rounds: number,
  labelled: boolean,
): { title: string; note: string } {
  const links = new Set(strokes.map((s) => (s.from < s.to ? s.from * graph.n + s.to : s.to * graph.n + s.from))).size
  const arrows = strokes.some((s) => s.oneWay) ? 'arrows: used one way' : ''
  const unlabelled = strokes.length > MAX_LABELLED_STROKES ? 'too many links to label' : ''
  const period = graph.dynamics.period
  const head = `Topology: ${graph.kind}, ${graph.n} peers`
  if (period === null) {
    const what = labelled
      ? `the links of rounds 0-${rounds - 1}, labelled by round`
      : `the links of rounds 0-${rounds - 1}`
    return {
      title: `${head}: a new graph every round, never repeating`,
      note: [what, arrows, unlabelled].filter(Boolean).join('; '),
    }
  }
  if (period === 1) return { title: `${head}, ${links} links`, note: [arrows, unlabelled].filter(Boolean).join('; ') }
  return {
    title: `${head}, ${links} links over a period of ${period} rounds`,
    note: [
      labelled ? `labels: the rounds t mod ${period} a link is used in (none: every round)` : '',
      arrows,
      unlabelled,
    ]
      .filter(Boolean)
      .join('; '),
  }
}
