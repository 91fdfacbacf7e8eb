/**
 * docs/configuration.md is what src/config/reference.ts generates from the schema (src/config/schema.ts), so it
 * cannot drift: run `npm run docs:config` after changing either. It documents every field of the schema and
 * nothing the schema lacks: each field path of the schema (read from its JSON Schema) is a row of the table, or
 * lies under a row that documents a whole object (`algorithm.robust`, `network.links`), or, for the algorithms'
 * own parameters, is named in docs/experiments.md "Algorithms". Where a row's default is a single literal, it is
 * the default the schema fills in.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { configurationReference, rowPaths, schemaFields } from '../../src/config/reference.js'

const ROOT = join(import.meta.dirname, '..', '..')
const REFERENCE = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8')
const EXPERIMENTS = readFileSync(join(ROOT, 'docs/experiments.md'), 'utf8')

/** The text of a `## ` section of docs/experiments.md, up to the next one. */
function section(title: string): string {
  const start = EXPERIMENTS.indexOf(`\n## ${title}\n`)
  expect(start, `docs/experiments.md has a section "${title}"`).toBeGreaterThanOrEqual(0)
  const end = EXPERIMENTS.indexOf('\n## ', start + 1)
  return EXPERIMENTS.slice(start, end < 0 ? undefined : end)
}

interface Row {
  paths: string[]
  defaultCell: string
}

/** The rows of the field table: the first cell's backticked names, later ones siblings of the first. */
function tableRows(): Row[] {
  const rows: Row[] = []
  for (const line of REFERENCE.split('\n')) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim())
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue
    rows.push({ paths: rowPaths(cells[1]!), defaultCell: cells[2]! })
  }
  return rows
}

describe('docs/configuration.md and the schema', () => {
  const schema = new Set(schemaFields().keys())
  const rows = tableRows()
  const documented = rows.flatMap((r) => r.paths)

  it('is the generated reference (npm run docs:config writes it)', () => {
    expect(REFERENCE, 'docs/configuration.md differs from the generator: run npm run docs:config').toBe(
      configurationReference(),
    )
  })

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
    // and dsgd's where algorithm.kind is dsgd
    const dsgdDefaults = experimentFrom({ algorithm: { kind: 'dsgd' } }) as unknown as Defaults
    const checked: string[] = []
    for (const { paths, defaultCell } of rows) {
      // a single word or number (`ring`, `16`, `null`), not a formula (`2 ln(n) / n`) or `none` (no value)
      const literal = /^`([\w.,-]+)`$/.exec(defaultCell)?.[1]
      if (literal === 'none') continue
      const [top, field, deeper] = paths[0]!.split('.')
      if (paths.length !== 1 || literal === undefined || field === undefined || deeper !== undefined) continue
      const value = defaults[top!]?.[field] ?? csvDefaults[top!]?.[field] ?? dsgdDefaults[top!]?.[field]
      const shown = value !== null && typeof value === 'object' && 'kind' in value ? value.kind : value
      expect(String(shown), `${paths[0]} default`).toBe(literal)
      checked.push(paths[0]!)
    }
    expect(checked.length).toBeGreaterThan(20)
  })
})
