/**
 * The charts of a sweep, as vega-lite specs (drawn by ./render.ts): the measured rate of every cell against the
 * rate the theory predicts for it (on the diagonal when they agree), and one chosen metric against one swept field
 * (a dot per run, a line through the means, a colour per value of another swept field).
 */
import type { TopLevelSpec } from 'vega-lite'
import type { SweepRow } from '../sweep-rows.js'
import { chart } from './run-charts.js'

/** Quantitative when every value is a number, else nominal (topology.kind, compression.kind ...). */
function typeOf(rows: readonly SweepRow[], column: string): 'quantitative' | 'nominal' {
  return rows.every((r) => typeof r[column] === 'number') ? 'quantitative' : 'nominal'
}

/** The line measured = predicted across the chart, dashed grey. */
function diagonal(
  domain: number[],
  axis: (field: string, title: string) => Record<string, unknown>,
): Record<string, unknown> {
  const ends = [domain[0], domain[1]].map((v) => ({ a: v, b: v }))
  return {
    name: 'rate_diagonal',
    data: { values: ends },
    mark: { type: 'line', color: '#9a9a9a', strokeDash: [4, 4] },
    encoding: { x: axis('a', 'rate predicted'), y: axis('b', 'rate measured') },
  }
}

/** Measured against predicted rate, one dot per run, coloured by `colourBy`; null when no run has both. */
export function ratesChart(rows: readonly SweepRow[], colourBy: string | null): TopLevelSpec | null {
  const both = rows.filter((r) => typeof r.rate_measured === 'number' && typeof r.rate_predicted === 'number')
  if (both.length === 0) return null
  const all = both.flatMap((r) => [r.rate_measured as number, r.rate_predicted as number])
  const lo = Math.min(...all)
  const hi = Math.max(...all)
  const pad = Math.max(1e-6, 0.05 * (hi - lo))
  const domain = [lo - pad, hi + pad]
  const axis = (field: string, title: string): Record<string, unknown> => ({
    field,
    type: 'quantitative',
    title,
    scale: { domain, zero: false },
  })
  // fields copied out by name: a grid path's dot would read as a nested field in vega-lite
  const values = both.map((r) => ({
    cell: r.cell,
    rate_measured: r.rate_measured,
    rate_predicted: r.rate_predicted,
    label: colourBy === null ? 'run' : String(r[colourBy]),
  }))
  const spec = chart(
    'Measured against predicted rate',
    `one dot per run${colourBy ? `, coloured by ${colourBy}` : ''}; grey: measured = predicted`,
    [
      diagonal(domain, axis),
      {
        name: 'rate_points',
        data: { values },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.85 },
        encoding: {
          x: axis('rate_predicted', 'rate predicted'),
          y: axis('rate_measured', 'rate measured'),
          color: { field: 'label', type: 'nominal', title: colourBy ?? '' },
          tooltip: [{ field: 'cell' }],
        },
      },
    ],
  )
  return { ...spec, width: 420, height: 420 } as TopLevelSpec
}

/** `metric` against swept `field`: a dot per run and a line through the means, one colour per value of `colourBy`. */
export function fieldChart(
  rows: readonly SweepRow[],
  field: string,
  metric: string,
  colourBy: string | null,
): TopLevelSpec | null {
  const values = rows
    .filter((r) => typeof r[metric] === 'number' && Number.isFinite(r[metric]) && r[field] !== undefined)
    .map((r) => ({ x: r[field], y: r[metric], colour: colourBy === null ? 'all' : String(r[colourBy]), cell: r.cell }))
  if (values.length === 0) return null
  const xType = typeOf(rows, field)
  const x = {
    field: 'x',
    type: xType,
    title: field,
    ...(xType === 'nominal' ? { sort: null, axis: { labelAngle: 0 } } : { scale: { zero: false } }),
  }
  const y = { field: 'y', type: 'quantitative', title: metric, scale: { zero: false } }
  const colour = { field: 'colour', type: 'nominal', title: colourBy ?? '', legend: colourBy === null ? null : {} }
  return chart(
    `${metric} against ${field}`,
    `a dot per run, a line through the mean of the repeats${colourBy ? `; a colour per ${colourBy}` : ''}`,
    [
      {
        name: 'metric_points',
        data: { values },
        mark: { type: 'point', filled: true, size: 50, opacity: 0.7 },
        encoding: { x, y, color: colour, tooltip: [{ field: 'cell' }] },
      },
      {
        name: 'metric_means',
        data: { values },
        mark: { type: 'line', point: false, strokeWidth: 2 },
        encoding: { x, y: { ...y, aggregate: 'mean' }, color: colour },
      },
    ],
  )
}
