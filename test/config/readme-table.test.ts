/**
 * README.md "Experiment files" documents every field of the schema (src/config/schema.ts), and nothing the schema
 * lacks: each field path of the schema (read from its JSON Schema) is a row of the table, or lies under a row that
 * documents a whole object (`algorithm.robust`, `network.links`), or, for the algorithms' own parameters, is named
 * in README.md "Algorithms". Where a row's default is a single literal, it is the default the schema fills in.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { experimentFrom } from '../../src/config/load.js'
import { experimentSchema } from '../../src/config/schema.js'

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')

/** The text of a `## ` section of the README, up to the next one. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`)
  expect(start, `README.md has a section "${title}"`).toBeGreaterThanOrEqual(0)
  const end = README.indexOf('\n## ', start + 1)
  return README.slice(start, end < 0 ? undefined : end)
}

/** Every field path of the schema: `a.b`, array items as `a[].b`. */
function schemaPaths(): Set<string> {
  const paths = new Set<string>()
  type Node = { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; oneOf?: Node[]; allOf?: Node[] }
  const walk = (node: Node | undefined, path: string): void => {
    if (!node) return
    for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(alt, path)
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = path ? `${path}.${key}` : key
      paths.add(p)
      walk(child, p)
    }
    if (node.items) walk(node.items, `${path}[]`)
  }
  walk(z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as Node, '')
  return paths
}

interface Row {
  paths: string[]
  defaultCell: string
}

/** The rows of the field table: the first cell's backticked names, later ones siblings of the first. */
function tableRows(): Row[] {
  const rows: Row[] = []
  for (const line of section('Experiment files').split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim())
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue
    const names = [...cells[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
    const first = names[0]!
    const parent = first.includes('.') ? first.slice(0, first.lastIndexOf('.') + 1) : ''
    rows.push({ paths: names.map((n, k) => (k === 0 ? n : parent + n)), defaultCell: cells[2]! })
  }
  return rows
}

describe('README.md "Experiment files" and the schema', () => {
  const schema = schemaPaths()
  const rows = tableRows()
  const documented = rows.flatMap((r) => r.paths)

  it('documents only fields the schema has', () => {
    expect(rows.length).toBeGreaterThan(30)
    const unknown = documented.filter((p) => !p.endsWith('.*') && !schema.has(p))
    expect(unknown).toEqual([])
  })

  it('documents every field the schema has', () => {
    const algorithmsText = section('Algorithms')
    const covered = (p: string): boolean =>
      documented.some((d) => p === d || p.startsWith(`${d}.`) || p.startsWith(`${d}[]`) || d.startsWith(`${p}.`)) ||
      (p.startsWith('algorithm.') && algorithmsText.includes(`\`${p.split('.')[1]}\``))
    const missing = [...schema].filter((p) => !covered(p))
    expect(missing).toEqual([])
  })

  it('gives the defaults the schema fills in, where a row gives one literal', () => {
    type Defaults = Record<string, Record<string, unknown>>
    const defaults = experimentFrom({}) as unknown as Defaults
    // the CSV problem's own fields have their defaults where problem.kind is csv
    const csvDefaults = experimentFrom({ problem: { kind: 'csv', path: 'data.csv' } }) as unknown as Defaults
    const checked: string[] = []
    for (const { paths, defaultCell } of rows) {
      // a single word or number (`ring`, `16`, `null`), not a formula (`2 ln(n) / n`) or `none` (no value)
      const literal = /^`([\w.,-]+)`$/.exec(defaultCell)?.[1]
      if (literal === 'none') continue
      const [top, field, deeper] = paths[0]!.split('.')
      if (paths.length !== 1 || literal === undefined || field === undefined || deeper !== undefined) continue
      const value = defaults[top!]?.[field] ?? csvDefaults[top!]?.[field]
      const shown = value !== null && typeof value === 'object' && 'kind' in value ? value.kind : value
      expect(String(shown), `${paths[0]} default`).toBe(literal)
      checked.push(paths[0]!)
    }
    expect(checked.length).toBeGreaterThan(20)
  })
})
