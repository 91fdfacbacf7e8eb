/**
 * Small checks of the files a report or a sweep writes, with no parser dependency: an XML document is well formed
 * (one root, every tag closed in order, attributes quoted, entities known), a PNG has its signature and a header
 * with a size, an HTML page loads nothing from the network, and an SVG's vega marks can be counted by name.
 */
import { readFileSync } from 'node:fs'
import { Resvg } from '@resvg/resvg-js'

const NAME = '[A-Za-z_][\\w:.-]*'
const ATTRIBUTES = `(?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*\\s*`
const OPEN_TAG = new RegExp(`^<(${NAME})${ATTRIBUTES}(/?)>`)
const CLOSE_TAG = new RegExp(`^</(${NAME})\\s*>`)
const BAD_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/

/** Throws, naming the offset, unless `text` is one well-formed XML element (after an optional prolog); returns its root's name. */
export function wellFormedRoot(text: string): string {
  const stack: string[] = []
  let root: string | null = null
  let k = 0
  while (k < text.length) {
    const lt = text.indexOf('<', k)
    const chars = text.slice(k, lt < 0 ? text.length : lt)
    if (BAD_ENTITY.test(chars)) throw new Error(`a bare & at ${k}`)
    if (stack.length === 0 && chars.trim() !== '') throw new Error(`text outside the root at ${k}`)
    if (lt < 0) break
    const rest = text.slice(lt)
    const special = /^<\?[\s\S]*?\?>|^<!--[\s\S]*?-->|^<!\[CDATA\[[\s\S]*?\]\]>|^<!DOCTYPE[^>]*>/.exec(rest)
    const close = CLOSE_TAG.exec(rest)
    const open = OPEN_TAG.exec(rest)
    if (special) k = lt + special[0].length
    else if (close) {
      if (stack.pop() !== close[1]) throw new Error(`</${close[1]}> at ${lt} closes nothing open`)
      k = lt + close[0].length
    } else if (open) {
      if (stack.length === 0) {
        if (root !== null) throw new Error(`a second root <${open[1]}> at ${lt}`)
        root = open[1]!
      }
      if (open[2] !== '/') stack.push(open[1]!)
      k = lt + open[0].length
    } else throw new Error(`a malformed tag at ${lt}: ${rest.slice(0, 60)}`)
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)}> is never closed`)
  if (root === null) throw new Error('no root element')
  return root
}

/** Width and height from a PNG's IHDR chunk; throws when the signature or the header is wrong. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (!signature.every((b, k) => bytes[k] === b)) throw new Error('not a PNG signature')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (String.fromCharCode(...bytes.slice(12, 16)) !== 'IHDR' || view.getUint32(8) !== 13)
    throw new Error('the first chunk is not IHDR')
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

/** The SVG file is well formed with an <svg> root, resvg renders it, and the PNG beside it has a size. */
export function checkSvgAndPng(svgPath: string): { svg: string; png: { width: number; height: number } } {
  const svg = readFileSync(svgPath, 'utf8')
  if (wellFormedRoot(svg) !== 'svg') throw new Error(`${svgPath}: the root is not <svg>`)
  const rendered = new Resvg(svg).render()
  if (!(rendered.width > 0 && rendered.height > 0)) throw new Error(`${svgPath}: resvg rendered nothing`)
  const png = pngSize(readFileSync(svgPath.replace(/\.svg$/, '.png')))
  if (!(png.width > 0 && png.height > 0)) throw new Error(`${svgPath}: the PNG has no size`)
  return { svg, png }
}

/** How many mark groups of a vega mark name (a chart layer's `name` gives `<name>_marks`). */
export function markGroups(svg: string, name: string): number {
  return svg.split(new RegExp(`class="mark-\\w+ role-mark ${name}_marks"`)).length - 1
}

/** How many items (`<path`, `<line`, `<text` ...) the first mark group of that name holds. */
export function markItems(svg: string, name: string, element: string): number {
  const start = svg.search(new RegExp(`class="mark-\\w+ role-mark ${name}_marks"`))
  if (start < 0) return 0
  // inside the group's own <g ...>: its items are its children, up to the </g> that closes it
  let depth = 1
  let count = 0
  const tags = /<(\/?)(\w+)[^>]*?(\/?)>/g
  tags.lastIndex = svg.indexOf('>', start) + 1
  for (let m = tags.exec(svg); m && depth > 0; m = tags.exec(svg)) {
    if (m[1] === '/') depth--
    else {
      if (m[2] === element && depth === 1) count++
      if (m[3] !== '/') depth++
    }
  }
  return count
}

/** The URLs a page would fetch: src= and href= (and url(...)) that point at http or https. */
export function externalReferences(html: string): string[] {
  const attributes = [...html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']?\s*(https?:[^"'\s>]*)/gi)].map(
    (m) => m[1]!,
  )
  const css = [...html.matchAll(/url\(\s*["']?(https?:[^)"']*)/gi)].map((m) => m[1]!)
  return [...attributes, ...css]
}
