/**
 * The plots and the page of `meshgd sweep`: rates.svg (measured against predicted rate, every run), one chart per
 * `--plot field:metric` (named `<metric>-by-<field>.svg`), each with a PNG beside it, and sweep.html with the rows
 * and the charts inlined (./report-page.ts).
 */
import { join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import { writeFileAtomic } from '../observe/run-dir.js'
import { svgToPng, vegaLiteToSvg } from './plots/render.js'
import { fieldChart, ratesChart } from './plots/sweep-charts.js'
import { reportPageHtml, type PageFigure } from './report-page.js'
import { columnsOf, type SweepRow } from './sweep-rows.js'

export interface SweepPlotRequest {
  field: string
  metric: string
}

export interface SweepReportInput {
  dir: string
  /** what was swept: each grid path with its values, in the order given */
  grid: Array<{ path: string; values: string[] }>
  repeat: number
  rows: readonly SweepRow[]
  plots: readonly SweepPlotRequest[]
  /** the command's own words: the experiment and how it ran (sim or swarm) */
  lead: string[]
}

/** The file a `--plot field:metric` chart is written to (without extension). */
export function plotFileName(p: SweepPlotRequest): string {
  return `${p.metric}-by-${p.field}`.replace(/[^A-Za-z0-9._-]/g, '_')
}

function sweepCharts(
  input: SweepReportInput,
): Array<{ file: string; title: string; spec: TopLevelSpec | null; note: string }> {
  const paths = input.grid.map((g) => g.path)
  const charts = [
    {
      file: 'rates',
      title: 'Measured against predicted rate',
      spec: ratesChart(input.rows, paths[0] ?? null),
      note: 'no run has both a measured and a predicted rate',
    },
  ]
  for (const p of input.plots) {
    const colourBy = paths.find((path) => path !== p.field) ?? null
    charts.push({
      file: plotFileName(p),
      title: `${p.metric} against ${p.field}`,
      spec: fieldChart(input.rows, p.field, p.metric, colourBy),
      note: `no run has a ${p.metric}`,
    })
  }
  return charts
}

/** The table's columns: the cell and its swept values, then the rates and whether it converged, then the rest. */
function ratesFirst(columns: readonly string[], paths: readonly string[]): string[] {
  const first = ['cell', ...paths, 'rate_measured', 'rate_predicted', 'converged', 'target_round'].filter((c) =>
    columns.includes(c),
  )
  return [...first, ...columns.filter((c) => !first.includes(c))]
}

/** Draws the sweep's charts into its folder and writes sweep.html; returns the files written and why any is missing. */
export async function writeSweepReport(input: SweepReportInput): Promise<{ written: string[]; notes: string[] }> {
  const written: string[] = []
  const notes: string[] = []
  const figures: PageFigure[] = []
  for (const c of sweepCharts(input)) {
    if (c.spec === null) {
      notes.push(`${c.file}.svg: ${c.note}`)
      figures.push({ file: `${c.file}.svg`, title: c.title, note: c.note })
      continue
    }
    const svg = await vegaLiteToSvg(c.spec)
    writeFileAtomic(join(input.dir, `${c.file}.svg`), svg)
    writeFileAtomic(join(input.dir, `${c.file}.png`), svgToPng(svg))
    written.push(`${c.file}.svg`, `${c.file}.png`)
    figures.push({ file: `${c.file}.svg`, title: c.title, svg })
  }
  const columns = ratesFirst(
    columnsOf(input.rows),
    input.grid.map((g) => g.path),
  )
  const cellText = (column: string, v: unknown): string => {
    if (v === null || v === undefined) return ''
    if (typeof v !== 'number' || Number.isInteger(v)) return String(v)
    // rates differ in their sixth digit; everything else in short form
    if (column.startsWith('rate_')) return v.toPrecision(6)
    return Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6 ? v.toExponential(2) : String(Number(v.toPrecision(4)))
  }
  const html = reportPageHtml({
    title: 'meshgd sweep',
    lead: input.lead,
    summary: [
      ...input.grid.map((g) => [g.path, g.values.join(', ')] as const),
      ['repeats', String(input.repeat)],
      ['runs', String(input.rows.length)],
    ],
    table: { columns, rows: input.rows.map((r) => columns.map((c) => cellText(c, r[c]))) },
    figures,
  })
  writeFileAtomic(join(input.dir, 'sweep.html'), html)
  written.push('sweep.html')
  return { written, notes }
}
