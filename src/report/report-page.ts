/**
 * The one HTML page of a report (`report.html` of `meshgd report`, `sweep.html` of `meshgd sweep`): the summary
 * table and every chart, the SVGs inlined, no script, no external URL, so it opens offline and can be mailed.
 */

/** A chart on the page: its SVG, or the reason it is missing. */
export type PageFigure = { file: string; title: string; svg: string } | { file: string; title: string; note: string }

export interface ReportPage {
  title: string
  /** the lines under the title (what ran, where) */
  lead: string[]
  /** label, value */
  summary: Array<readonly [string, string]>
  figures: PageFigure[]
  /** an extra table (a sweep's rows): column names, then rows of cells */
  table?: { columns: string[]; rows: string[][] }
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const STYLE = `
body { font: 14px/1.45 Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
p.lead { margin: 0.1em 0; color: #555; }
table { border-collapse: collapse; margin: 1em 0 2em; }
td, th { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.value { font-family: Menlo, Consolas, monospace; }
figure { margin: 2em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
p.note { color: #8a5a00; background: #fff7e6; padding: 0.5em 1em; border-left: 3px solid #f0b000; }
`

function figureHtml(f: PageFigure): string {
  const caption = `<figcaption>${escapeHtml(f.title)} (<code>${escapeHtml(f.file)}</code>)</figcaption>`
  if ('note' in f)
    return `<figure id="${escapeHtml(f.file)}">${caption}<p class="note">${escapeHtml(f.note)}</p></figure>`
  // the SVG's own XML prolog (if any) has no place inside HTML
  return `<figure id="${escapeHtml(f.file)}">${f.svg.replace(/^<\?xml[^>]*>\s*/, '')}${caption}</figure>`
}

function tableHtml(table: NonNullable<ReportPage['table']>): string {
  const head = `<tr>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`
  const rows = table.rows.map((row) => `<tr>${row.map((c) => `<td class="value">${escapeHtml(c)}</td>`).join('')}</tr>`)
  return `<table>${head}${rows.join('\n')}</table>`
}

export function reportPageHtml(page: ReportPage): string {
  const summary = page.summary
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td class="value">${escapeHtml(value)}</td></tr>`)
    .join('\n')
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(page.title)}</h1>`,
    ...page.lead.map((line) => `<p class="lead">${escapeHtml(line)}</p>`),
    `<table>${summary}</table>`,
    ...(page.table ? [tableHtml(page.table)] : []),
    ...page.figures.map(figureHtml),
    '</body></html>',
    '',
  ].join('\n')
}
