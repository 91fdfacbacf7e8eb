/**
 * Reading an experiment: YAML or JSON text, then `--set` overrides, then one validation against the schema.
 * Every failure is a ConfigError with one line naming the file, line (when the field came from the file) and the
 * field's dotted path.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, parseDocument, parse as parseYamlValue, isNode } from 'yaml'
import type { $ZodIssue } from 'zod/v4/core'
import { ConfigError } from './errors.js'
import { experimentSchema, type ExperimentInput } from './schema.js'

export interface LoadedExperiment {
  readonly experiment: ExperimentInput
  /** The experiment file's path, as given. */
  readonly file: string
  /** Directory against which relative paths inside the experiment (CSV data, key files) are resolved. */
  readonly baseDir: string
  /** Where a field came from, for messages: `file:line`, or `--set` when an override gave it. */
  readonly locate: (dotted: string) => string
}

type Locate = (path: readonly PropertyKey[]) => string

/** Parse YAML/JSON text into a plain object; `locate` maps a field path to `file:line` for messages. */
export function parseExperimentText(text: string, file: string): { raw: unknown; locate: Locate } {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0])
    const where = `${file}:${pos.line}:${pos.col}`
    throw new ConfigError('CONFIG_SYNTAX', `${where}: YAML syntax error: ${err.message.split('\n')[0]}`)
  }
  const raw: unknown = doc.toJS() ?? {}
  const locate: Locate = (path) => {
    // Walk up to the deepest node that exists in the document (a missing field is reported at its parent).
    for (let k = path.length; k >= 0; k--) {
      const node = doc.getIn(path.slice(0, k) as unknown[], true)
      if (isNode(node) && node.range) return `${file}:${lineCounter.linePos(node.range[0]).line}`
    }
    return file
  }
  return { raw, locate }
}

/** Apply `dotted.path=value` overrides; the value is read as a YAML scalar or flow collection (`[1, 2]`). */
export function applyOverrides(raw: unknown, sets: readonly string[]): { value: unknown; fromSet: Set<string> } {
  const root: Record<string, unknown> = isPlainObject(raw) ? structuredClone(raw) : {}
  const fromSet = new Set<string>()
  for (const assignment of sets) {
    const eq = assignment.indexOf('=')
    if (eq <= 0) throw new ConfigError('CONFIG_INVALID', `--set ${assignment}: expected dotted.path=value`)
    const path = assignment.slice(0, eq).trim()
    const text = assignment.slice(eq + 1)
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
      throw new ConfigError('CONFIG_INVALID', `--set ${assignment}: "${path}" is not a dotted field path`)
    }
    let value: unknown
    try {
      value = parseYamlValue(text)
    } catch {
      value = text
    }
    const keys = path.split('.')
    let node: Record<string, unknown> = root
    for (const key of keys.slice(0, -1)) {
      const next = node[key]
      if (typeof next === 'string')
        node[key] = { kind: next } // `kind` shorthand, e.g. sampling: full
      else if (!isPlainObject(next)) node[key] = {}
      node = node[key] as Record<string, unknown>
    }
    node[keys[keys.length - 1]!] = value
    fromSet.add(path)
  }
  return { value: root, fromSet }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

/** What the branches of a union accept, in words: `a number or "auto"`. */
function unionExpectation(branches: ReadonlyArray<readonly $ZodIssue[]>): string {
  const words = branches.flatMap((issues) => {
    const first = issues[0]
    if (!first) return []
    if (first.code === 'invalid_type')
      return [
        first.expected === 'array' || first.expected === 'object' ? `an ${first.expected}` : `a ${first.expected}`,
      ]
    if (first.code === 'invalid_value') return first.values.map((v) => JSON.stringify(v))
    return [first.message.replace(/^Invalid input: /, '')]
  })
  const unique = [...new Set(words)]
  return unique.length <= 1 ? (unique[0] ?? 'another value') : `${unique.slice(0, -1).join(', ')} or ${unique.at(-1)}`
}

/** One line for the first schema issue, naming the field by its dotted path. */
export function formatIssue(issue: $ZodIssue, raw: unknown): { path: PropertyKey[]; text: string } {
  let path = [...issue.path]
  let text: string
  switch (issue.code) {
    case 'unrecognized_keys': {
      path = [...path, issue.keys[0]!]
      text = `unknown field${issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : ''}`
      break
    }
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        text = `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(valueAt(raw, path))}`
      } else {
        text = `expected ${unionExpectation(issue.errors)}, got ${describe(valueAt(raw, path))}`
      }
      break
    case 'invalid_value':
      text = `must be one of ${issue.values.map((o) => JSON.stringify(o)).join(', ')}, got ${describe(valueAt(raw, path))}`
      break
    case 'invalid_type':
      text = `expected ${issue.expected}, got ${describe(valueAt(raw, path))}`
      break
    default:
      text = `${issue.message.replace(/^Invalid input: /, '')}, got ${describe(valueAt(raw, path))}`
  }
  return { path, text }
}

export function validateExperiment(raw: unknown, locate: Locate, fromSet: ReadonlySet<string>): ExperimentInput {
  let parsed = experimentSchema.safeParse(raw)
  // `--set algorithm.kind=quorum` on a file written for elastic: the file's fields the new kind does not have
  // (algorithm.mu) are left out, not reported as unknown; fields given by --set are still checked
  for (let k = 0; k < 32 && !parsed.success && dropFieldsOfOldKind(raw, parsed.error.issues[0]!, fromSet); k++)
    parsed = experimentSchema.safeParse(raw)
  if (!parsed.success) {
    const { path, text } = formatIssue(parsed.error.issues[0]!, raw)
    const dotted = path.map(String).join('.') || '(top level)'
    const where = overriddenBy(fromSet, dotted) ? '--set' : locate(path)
    throw new ConfigError('CONFIG_INVALID', `${where}: ${dotted}: ${text}`)
  }
  return parsed.data
}

/**
 * When the first issue is a field unknown to a kind that `--set` chose (`--set algorithm.kind=quorum` and the
 * file's `algorithm.mu`), delete those fields from `raw` and return true; otherwise false.
 */
function dropFieldsOfOldKind(raw: unknown, issue: $ZodIssue, fromSet: ReadonlySet<string>): boolean {
  if (issue.code !== 'unrecognized_keys') return false
  const section = issue.path.map(String).join('.')
  if (!fromSet.has(section ? `${section}.kind` : 'kind')) return false
  const node = valueAt(raw, issue.path)
  if (node === null || typeof node !== 'object') return false
  // a field the new kind lacks is dropped when it came from the file, or was set to null (`--set algorithm.mu=null`)
  const keys = issue.keys.filter(
    (key) => !fromSet.has(section ? `${section}.${key}` : key) || (node as Record<string, unknown>)[key] === null,
  )
  if (keys.length === 0) return false
  for (const key of keys) delete (node as Record<string, unknown>)[key]
  return true
}

/** A JSON file must be JSON: its first syntax error, with line and column. */
function strictJson(text: string, file: string): void {
  try {
    JSON.parse(text)
  } catch (err) {
    const message = (err as Error).message
    const at = /position (\d+)/.exec(message)
    const offset = at ? Number(at[1]) : 0
    const before = text.slice(0, offset).split('\n')
    const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '')
    throw new ConfigError(
      'CONFIG_SYNTAX',
      `${file}:${before.length}:${before.at(-1)!.length + 1}: JSON syntax error: ${reason}`,
    )
  }
}

/** Did an override give this field (or a section holding it, or a field inside it)? */
function overriddenBy(fromSet: ReadonlySet<string>, dotted: string): boolean {
  return [...fromSet].some((s) => dotted === s || dotted.startsWith(`${s}.`) || s.startsWith(`${dotted}.`))
}

/** Read, override and validate an experiment file. */
export function loadExperiment(file: string, sets: readonly string[] = []): LoadedExperiment {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory (give the experiment file, e.g. topology/ring.yaml)'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message
    throw new ConfigError('CONFIG_READ', `${file}: cannot read experiment file: ${reason}`)
  }
  if (/\.json$/i.test(file)) strictJson(text, file) // YAML would accept what JSON does not (a trailing comma)
  const { raw, locate } = parseExperimentText(text, file)
  if (!isPlainObject(raw))
    throw new ConfigError(
      'CONFIG_INVALID',
      `${file}: the experiment must be a mapping of sections (swarm, topology, ...)`,
    )
  const { value, fromSet } = applyOverrides(raw, sets)
  const experiment = validateExperiment(value, locate, fromSet)
  const locateField = (dotted: string): string => (overriddenBy(fromSet, dotted) ? '--set' : locate(dotted.split('.')))
  return { experiment, file, baseDir: dirname(resolve(file)), locate: locateField }
}

/** Validate an experiment given as an object (tests, programmatic use). */
export function experimentFrom(raw: unknown, sets: readonly string[] = []): ExperimentInput {
  const { value, fromSet } = applyOverrides(raw, sets)
  return validateExperiment(value, () => '(object)', fromSet)
}
