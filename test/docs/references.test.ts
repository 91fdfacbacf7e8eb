/**
 * Every reference in the code's comments and the docs leads somewhere: a cited document exists in the repository,
 * a cited section of it is one of its headings, and a cited source file exists. Papers are cited by authors and
 * year, and nothing cites notes kept outside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

/** The files whose text is read: sources, tests, benchmarks, scripts and every Markdown document of the repository. */
function scannedFiles(): string[] {
  const walk = (dir: string, keep: (f: string) => boolean): string[] =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter(keep)
      .map((f) => join(dir, f))
  const code = (f: string): boolean => /\.(ts|mjs|js|py)$/.test(f)
  return [
    ...walk('src', code),
    ...walk('test', code),
    ...walk('bench', code),
    ...walk('lab', code),
    ...walk('scripts', code),
    ...walk('experiments', (f) => code(f) || f.endsWith('.md')),
    ...walk('docs', (f) => f.endsWith('.md')),
    ...readdirSync(ROOT).filter((f) => f.endsWith('.md') || /^tsconfig.*\.json$|^Dockerfile$/.test(f)),
  ]
}

const FILES = scannedFiles()
const TEXT = new Map(FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]))

/** `[file, line, match]` of every match of `pattern` in the scanned files (this file excepted). */
function matches(pattern: RegExp): Array<[string, number, RegExpExecArray]> {
  const found: Array<[string, number, RegExpExecArray]> = []
  for (const [file, text] of TEXT) {
    if (file === relative(ROOT, import.meta.filename)) continue
    for (const m of text.matchAll(
      new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'),
    )) {
      found.push([file, text.slice(0, m.index).split('\n').length, m as RegExpExecArray])
    }
  }
  return found
}

/** The headings of a Markdown document, without their #s, and its run-in headings (a paragraph's bold start). */
function headings(doc: string): string[] {
  const text = TEXT.get(doc) ?? readFileSync(join(ROOT, doc), 'utf8')
  const lines = text.split('\n')
  const runIn = lines.map((l) => /^\*\*(.+?)\.?\*\*/.exec(l)?.[1]).filter((h) => h !== undefined)
  return [...lines.filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/^#+ /, '').trim()), ...runIn]
}

/** The document a citation names: `README` is README.md; others are paths from the repository root. */
function documentOf(name: string): string {
  return name === 'README' ? 'README.md' : name
}

describe('references in comments and docs', () => {
  it('cite no notes kept outside the repository, and papers by authors and year', () => {
    const outside = matches(/\b(?:DESIGN|ALGORITHMS|STYLE)\.md\b|\b000_[\w-]+|\.\.\/shared\b/)
    expect(outside.map(([f, l, m]) => `${f}:${l}: ${m[0]}`)).toEqual([])
  })

  it('name documents that exist', () => {
    // a Markdown link's target is read from the document's own folder, below
    const dead = matches(/(?<![\w/.-]|\]\()((?:docs\/)?[A-Za-z][\w-]*\.md)\b/)
      .filter(([, , m]) => !existsSync(join(ROOT, m[1]!)))
      .map(([f, l, m]) => `${f}:${l}: ${m[1]}`)
    expect(dead).toEqual([])
  })

  it('link, in Markdown, to files that exist (from the folder of the document that links)', () => {
    const dead = matches(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/)
      .filter(([f, , m]) => f.endsWith('.md') && !/^[a-z]+:/.test(m[1]!))
      .filter(([f, , m]) => !existsSync(join(ROOT, dirname(f), m[1]!)))
      .map(([f, l, m]) => `${f}:${l}: ${m[1]}`)
    expect(dead).toEqual([])
  })

  it('name sections that are headings of the document they cite', () => {
    const citations = matches(
      /\b(docs\/[\w-]+\.md|README(?:\.md)?|SECURITY\.md|BENCHMARKS\.md)[`,\s(]{0,4}"([^"\n]{3,80})"/,
    )
    expect(citations.length).toBeGreaterThan(20)
    const dead = citations
      .filter(([, , m]) => {
        const doc = documentOf(m[1]!)
        return !existsSync(join(ROOT, doc)) || !headings(doc).some((h) => h === m[2] || h.startsWith(`${m[2]!}`))
      })
      .map(([f, l, m]) => `${f}:${l}: ${m[1]} "${m[2]}"`)
    expect(dead).toEqual([])
  })

  it('name source files that exist', () => {
    const dead = matches(/(?<![\w/.-])((?:src|bench|test|lab)\/[\w./-]+\.(?:ts|py))\b/)
      .filter(([, , m]) => !existsSync(join(ROOT, m[1]!)))
      .map(([f, l, m]) => `${f}:${l}: ${m[1]}`)
    expect(dead).toEqual([])
  })
})
