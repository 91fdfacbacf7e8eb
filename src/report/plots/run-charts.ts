/**
 * The charts of one run, as vega-lite specs (drawn by ./render.ts): error and disagreement against round on a log
 * scale (one line per peer, the max over peers, and for the error the predicted rate), error against bytes sent
 * (the compression trade-off), and where each peer's time went (networked runs). A builder returns null when the
 * run has nothing to draw (no reference solution, no time split), and the caller says so on the page.
 */
import type { TopLevelSpec } from 'vega-lite'
import { maxErrorByRound } from '../../observe/measured-rate.js'
import { lastRecordOfEachPeer, type PlotRecord } from './run-records.js'

const WIDTH = 640
const HEIGHT = 320
/** More peers than this and the per-peer lines get no legend (the colours repeat anyway). */
const MAX_PEER_LEGEND = 16
const MAX_COLOUR = '#111111'
const PREDICTED_COLOUR = '#d62728'

/** What a report knows besides the records: the number of peers and the predicted rate (null: no theory applies). */
export interface RunChartContext {
  peers: number
  ratePredicted: number | null
  ratePredictedMethod?: string | null
}

const roundAxis = { field: 'round', type: 'quantitative', title: 'round' } as const
const logAxis = (field: string, title: string): Record<string, unknown> => ({
  field,
  type: 'quantitative',
  title,
  scale: { type: 'log' },
  axis: { format: '.0e' },
})

/** Per-peer lines of `field` (positive values only: a log scale), and the max over peers per round in black. */
function perPeerLayers(
  records: readonly PlotRecord[],
  field: 'error' | 'disagreement',
  peers: number,
): Array<Record<string, unknown>> {
  const values = records
    .filter((r) => (r[field] ?? 0) > 0 && Number.isFinite(r[field]))
    .map((r) => ({ round: r.round, peer: r.peer, [field]: r[field] }))
  const maxByRound = new Map<number, number>()
  for (const v of values) maxByRound.set(v.round, Math.max(maxByRound.get(v.round) ?? 0, v[field] as number))
  const maxValues = [...maxByRound.entries()].map(([round, value]) => ({ round, [field]: value }))
  return [
    {
      name: `peer_${field}`,
      data: { values },
      mark: { type: 'line', strokeWidth: 1, opacity: 0.75 },
      encoding: {
        x: roundAxis,
        y: logAxis(field, field),
        color: { field: 'peer', type: 'nominal', title: 'peer', legend: peers <= MAX_PEER_LEGEND ? {} : null },
      },
    },
    {
      name: `max_${field}`,
      data: { values: maxValues },
      mark: { type: 'line', strokeWidth: 2.5, color: MAX_COLOUR },
      encoding: { x: roundAxis, y: logAxis(field, field) },
    },
  ]
}

/** Error against round: each peer, the max over peers, and the predicted rate from the first recorded max error. */
export function errorChart(records: readonly PlotRecord[], context: RunChartContext): TopLevelSpec | null {
  const maxima = maxErrorByRound(records).filter((p) => p.error > 0)
  if (maxima.length === 0) return null
  const layers = perPeerLayers(records, 'error', context.peers)
  const rate = context.ratePredicted
  let subtitle = `black: max over peers${context.peers <= MAX_PEER_LEGEND ? '; coloured: each peer' : `; thin: each of ${context.peers} peers`}`
  if (rate !== null && rate > 0) {
    // error_0 R^(t - t_0), anchored at the first recorded max error; cut a decade below the lowest measured one
    const first = maxima[0]!
    const floor = Math.min(...maxima.map((p) => p.error)) / 10
    const predicted = maxima
      .map((p) => ({ round: p.round, error: first.error * Math.pow(rate, p.round - first.round) }))
      .filter((p) => p.error >= floor)
    layers.push({
      name: 'predicted_error',
      data: { values: predicted },
      mark: { type: 'line', strokeWidth: 2, strokeDash: [6, 4], color: PREDICTED_COLOUR },
      encoding: { x: roundAxis, y: logAxis('error', 'error') },
    })
    subtitle += `; dashed red: predicted, R = ${rate.toPrecision(6)} per round${context.ratePredictedMethod ? ` (${context.ratePredictedMethod})` : ''}`
  }
  return chart('Error |w_i - w_ref| against round', subtitle, layers)
}

/** Disagreement (max over neighbours of |w_i - w_j|) against round: each peer and the max over peers. */
export function disagreementChart(records: readonly PlotRecord[], context: RunChartContext): TopLevelSpec | null {
  if (!records.some((r) => r.disagreement > 0)) return null
  return chart(
    'Disagreement max_j |w_i - w_j| against round',
    'black: max over peers; each peer over its neighbours',
    perPeerLayers(records, 'disagreement', context.peers),
  )
}

/** The max error over peers against the bytes all peers had sent by then: what accuracy the wire bought. */
export function bytesChart(records: readonly PlotRecord[]): TopLevelSpec | null {
  const sent = new Map<number, number>()
  for (const r of records) sent.set(r.round, (sent.get(r.round) ?? 0) + r.bytes_sent)
  const values = maxErrorByRound(records)
    .filter((p) => p.error > 0)
    .map((p) => ({ bytes: sent.get(p.round) ?? 0, error: p.error, round: p.round }))
  if (values.length === 0) return null
  return chart('Error against bytes sent', 'max error over peers; bytes sent by all peers, framing included', [
    {
      name: 'error_by_bytes',
      data: { values },
      mark: { type: 'line', point: values.length <= 60, strokeWidth: 2, color: MAX_COLOUR },
      encoding: {
        x: { field: 'bytes', type: 'quantitative', title: 'bytes sent (all peers)', axis: { format: '~s' } },
        y: logAxis('error', 'max error'),
      },
    },
  ])
}

/** Each peer's time: its own work and waiting on neighbours, stacked; sending (overlaps both) as a tick. Null in sim runs. */
export function timeChart(records: readonly PlotRecord[]): TopLevelSpec | null {
  const last = [...lastRecordOfEachPeer(records).values()].filter(
    (r) => r.compute_ms !== undefined && r.wait_ms !== undefined,
  )
  if (last.length === 0) return null
  const parts = last.flatMap((r) => [
    { peer: r.peer, part: 'compute', ms: r.compute_ms },
    { peer: r.peer, part: 'waiting', ms: r.wait_ms },
  ])
  const sends = last.map((r) => ({ peer: r.peer, ms: r.send_ms ?? 0 }))
  const peerAxis = { field: 'peer', type: 'ordinal', title: 'peer' } as const
  const spec = chart(
    "Where each peer's time went",
    'compute and waiting on neighbours, stacked; black tick: time frames waited to leave (overlaps both)',
    [
      {
        name: 'time_bars',
        data: { values: parts },
        mark: { type: 'bar' },
        encoding: {
          y: peerAxis,
          x: { field: 'ms', type: 'quantitative', title: 'ms (cumulative over the run)', stack: 'zero' },
          color: {
            field: 'part',
            type: 'nominal',
            title: '',
            scale: { domain: ['compute', 'waiting'], range: ['#4c78a8', '#f58518'] },
          },
        },
      },
      {
        name: 'send_ticks',
        data: { values: sends },
        mark: { type: 'tick', color: MAX_COLOUR, thickness: 2 },
        encoding: { y: peerAxis, x: { field: 'ms', type: 'quantitative' } },
      },
    ],
  )
  return { ...spec, height: { step: Math.max(8, Math.min(24, 320 / last.length)) } } as TopLevelSpec
}

/** A layered chart with a title and subtitle, at the report's size. */
export function chart(title: string, subtitle: string, layer: Array<Record<string, unknown>>): TopLevelSpec {
  return { width: WIDTH, height: HEIGHT, title: { text: title, subtitle }, layer } as unknown as TopLevelSpec
}
