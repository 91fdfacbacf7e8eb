/**
 * Charts drawn in Node, no browser: a vega-lite spec is compiled to vega, rendered headless to SVG (vega's own
 * SVG renderer), and an SVG becomes a PNG through resvg. Every chart of `meshgd report` and `meshgd sweep` goes
 * through here, so they share one look (font, background, size of the PNG).
 */
import { Resvg } from '@resvg/resvg-js'
import { parse, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/** The chart's look, shared by every plot: a white background and a plain sans-serif font. */
const CHART_CONFIG = {
  background: 'white',
  font: 'Arial, Helvetica, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' },
} as const

/** A vega-lite spec as an SVG document (the spec's own `config` wins over the shared look). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withLook = { ...spec, config: { ...CHART_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec
  const view = new View(parse(compile(withLook).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** An SVG document as PNG bytes, at twice its size (sharp on high-density screens and in slides). */
export function svgToPng(svg: string): Uint8Array {
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'Arial' },
  })
    .render()
    .asPng()
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength)
}
