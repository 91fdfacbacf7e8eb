/**
 * The charts of a sweep, as vega-lite specs (drawn by ./render.ts): 1 - R measured against 1 - R predicted for
 * every cell on log axes (on the diagonal when they agree: the distance from 1 is what differs by orders of
 * magnitude between graphs), and one chosen metric against one swept field (a dot per run, the means as a line over
 * a numeric field or as a tick per category, a colour and a shape per value of another swept field). A run that
 * did not reach run.target is an open dot; the repeats of a category sit side by side, not on top of each other.
 */
import type { TopLevelSpec } from 'vega-lite'
import type { SweepRow } from '../sweep-rows.js'
import { chart } from './run-charts.js'

/** Quantitative when every value is a number, else nominal (topology.kind, compression.kind ...). */
function typeOf(rows: readonly SweepRow[], column: string): 'quantitative' | 'nominal' {
  return rows.every((r) => typeof r[column] === 'number') ? 'quantitative' : 'nominal'
}

/** A run that was given run.target and did not reach it (an open dot). */
const missedTarget = (r: SweepRow): boolean => typeof r.target === 'number' && r.converged === false

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
    encoding: { x: axis('a', '1 - R predicted'), y: axis('b', '1 - R measured') },
  }
}

/** 1 - R measured against 1 - R predicted, one dot per run, coloured and shaped by `colourBy`; null when no run has both. */
export function ratesChart(rows: readonly SweepRow[], colourBy: string | null): TopLevelSpec | null {
  const gap = (r: number): number => 1 - r
  const both = rows.filter(
    (r) =>
      typeof r.rate_measured === 'number' &&
      typeof r.rate_predicted === 'number' &&
      gap(r.rate_measured) > 0 &&
      gap(r.rate_predicted) > 0,
  )
  if (both.length === 0) return null
  const all = both.flatMap((r) => [gap(r.rate_measured as number), gap(r.rate_predicted as number)])
  const domain = [Math.min(...all) / 1.5, Math.max(...all) * 1.5]
  const axis = (field: string, title: string): Record<string, unknown> => ({
    field,
    type: 'quantitative',
    title,
    scale: { type: 'log', domain },
  })
  // fields copied out by name: a grid path's dot would read as a nested field in vega-lite
  const values = both.map((r) => ({
    cell: r.cell,
    measured: gap(r.rate_measured as number),
    predicted: gap(r.rate_predicted as number),
    label: colourBy === null ? 'run' : String(r[colourBy]),
    reached: missedTarget(r) ? 'no' : 'yes',
  }))
  const legend = { field: 'label', type: 'nominal', title: colourBy ?? '' }
  const spec = chart(
    'Measured against predicted rate: 1 - R, the contraction per round',
    `one dot per run${colourBy ? `, colour and shape by ${colourBy}` : ''}; open: run.target not reached; grey: measured = predicted`,
    [
      diagonal(domain, axis),
      {
        name: 'rate_points',
        data: { values },
        mark: { type: 'point', size: 80, opacity: 0.8, strokeWidth: 1.5 },
        encoding: {
          x: axis('predicted', '1 - R predicted'),
          y: axis('measured', '1 - R measured'),
          color: legend,
          shape: legend,
          fill: {
            condition: { test: "datum.reached === 'yes'", field: 'label', type: 'nominal', legend: null },
            value: 'transparent',
          },
          tooltip: [
            { field: 'cell' },
            { field: 'measured', title: '1 - R measured', format: '.3e' },
            { field: 'predicted', title: '1 - R predicted', format: '.3e' },
          ],
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
    .map((r) => ({
      x: r[field],
      y: r[metric],
      colour: colourBy === null ? 'all' : String(r[colourBy]),
      cell: r.cell,
      repeat: String(r.repeat ?? 0),
      reached: missedTarget(r) ? 'no' : 'yes',
    }))
  if (values.length === 0) return null
  const categories = typeOf(rows, field) === 'nominal'
  const x = {
    field: 'x',
    type: categories ? 'nominal' : 'quantitative',
    title: field,
    ...(categories ? { sort: null, axis: { labelAngle: 0 } } : { scale: { zero: false } }),
  }
  const y = { field: 'y', type: 'quantitative', title: metric, scale: { zero: false } }
  const colour = { field: 'colour', type: 'nominal', title: colourBy ?? '', legend: colourBy === null ? null : {} }
  // categories: each colour and repeat its own slot within the category (no dot hides another), the mean a tick
  const offset = categories ? { xOffset: { field: colourBy === null ? 'repeat' : 'colour', type: 'nominal' } } : {}
  const fill = {
    condition: { test: "datum.reached === 'yes'", field: 'colour', type: 'nominal', legend: null },
    value: 'transparent',
  }
  return chart(
    `${metric} against ${field}`,
    `a dot per run (open: run.target not reached), ${categories ? 'a tick at the mean of each group' : 'a line through the mean of the repeats'}${colourBy ? `; a colour and shape per ${colourBy}` : ''}`,
    [
      {
        name: 'metric_points',
        data: { values },
        mark: { type: 'point', size: 60, opacity: 0.8, strokeWidth: 1.5 },
        encoding: { x, ...offset, y, color: colour, shape: colour, fill, tooltip: [{ field: 'cell' }] },
      },
      {
        name: 'metric_means',
        data: { values },
        mark: categories ? { type: 'tick', thickness: 2 } : { type: 'line', point: false, strokeWidth: 2 },
        encoding: {
          x,
          ...(categories && colourBy !== null ? { xOffset: { field: 'colour', type: 'nominal' } } : {}),
          y: { ...y, aggregate: 'mean' },
          color: colour,
        },
      },
    ],
  )
}
