/**
 * The files `meshgd report DIR` adds to a run directory: error.svg, disagreement.svg, bytes.svg, time.svg and
 * topology.svg (each with a PNG beside it) and report.html, the one offline page with the summary and every chart.
 * It reads the records itself (./plots/run-records.ts); the summary and the graph come from the caller, which
 * knows the experiment (this layer does not build graphs).
 */
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import { writeFileAtomic } from '../observe/run-dir.js'
import { bytesChart, disagreementChart, errorChart, timeChart, type RunChartContext } from './plots/run-charts.js'
import { svgToPng, vegaLiteToSvg } from './plots/render.js'
import { readRunRecords, thinRecords, type PlotRecord } from './plots/run-records.js'
import { topologyChart, type DrawnGraph } from './plots/topology-chart.js'
import { reportPageHtml, type PageFigure } from './report-page.js'
import { summaryRows, type Summary } from './summary.js'

export interface RunReportInput {
  dir: string
  summary: Summary
  graph: DrawnGraph
}

export interface RunReportFiles {
  /** file names written into the run directory, in page order */
  written: string[]
  /** why a chart is missing, one line each */
  notes: string[]
}

/** The charts of the run, in page order, each with the note to print where it cannot be drawn. */
function runCharts(
  records: readonly PlotRecord[],
  input: RunReportInput,
): Array<{ file: string; title: string; spec: TopLevelSpec | null; note: string }> {
  const s = input.summary
  const context: RunChartContext = {
    peers: s.peers,
    ratePredicted: s.rate_predicted,
    ratePredictedMethod: s.theory?.method ?? null,
  }
  const noError =
    records.length === 0 ? 'the run recorded no rounds' : 'no error to plot: this problem has no reference solution'
  return [
    { file: 'error', title: 'Error against round', spec: errorChart(records, context), note: noError },
    {
      file: 'disagreement',
      title: 'Disagreement against round',
      spec: disagreementChart(records, context),
      note: 'the peers never disagreed (or recorded no rounds)',
    },
    { file: 'bytes', title: 'Error against bytes sent', spec: bytesChart(records), note: noError },
    {
      file: 'time',
      title: 'Compute against waiting, per peer',
      spec: timeChart(records),
      note: `no time split: ${s.mode === 'sim' ? 'a simulated run has no network to wait on' : 'the records carry no compute_ms/wait_ms'}`,
    },
    {
      file: 'topology',
      title: 'The graph',
      spec: topologyChart(input.graph, records, referenceNorm(input.summary)),
      note: '',
    },
  ]
}

/** Draws every chart into `dir` (SVG and PNG; a stale one of a chart not drawn is removed) and writes report.html. */
export async function writeRunReport(input: RunReportInput): Promise<RunReportFiles> {
  const records = thinRecords(readRunRecords(input.dir))
  const written: string[] = []
  const notes: string[] = []
  const figures: PageFigure[] = []
  for (const c of runCharts(records, input)) {
    const svgFile = `${c.file}.svg`
    if (c.spec === null) {
      for (const stale of [svgFile, `${c.file}.png`])
        if (existsSync(join(input.dir, stale))) rmSync(join(input.dir, stale))
      notes.push(`${svgFile}: ${c.note}`)
      figures.push({ file: svgFile, title: c.title, note: c.note })
      continue
    }
    const svg = await vegaLiteToSvg(c.spec)
    writeFileAtomic(join(input.dir, svgFile), svg)
    writeFileAtomic(join(input.dir, `${c.file}.png`), svgToPng(svg))
    written.push(svgFile, `${c.file}.png`)
    figures.push({ file: svgFile, title: c.title, svg })
  }
  const s = input.summary
  const e = s.experiment
  const html = reportPageHtml({
    title: `meshgd run ${s.swarm}`,
    lead: [
      `${s.peers} peers, ${e.topology.kind}, ${e.algorithm.kind}, ${e.problem.kind}${'loss' in e.problem ? ` ${e.problem.loss}` : ''} problem${'dim' in e.problem ? `, d = ${e.problem.dim}` : ''}; ${s.mode === 'report' ? "gathered from the peers' folders" : `${s.mode} run`}`,
      input.dir,
    ],
    summary: summaryRows(s),
    figures,
  })
  writeFileAtomic(join(input.dir, 'report.html'), html)
  written.push('report.html')
  return { written, notes }
}

/** |w_ref| from the summary's final error and its relative form (1 where either is unknown). */
function referenceNorm(s: Summary): number {
  const { max_error: e, relative_max_error: r } = s.final
  return e !== null && r !== null && r !== undefined && e > 0 && r > 0 ? e / r : 1
}
