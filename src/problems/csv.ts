/**
 * CSV data (pure: the caller reads the file). Rows are sharded in file order: `contiguous` gives peer
 * i the i-th block of ceil(rows / peers) rows, `round-robin` gives it rows i, i + n, i + 2n, ...
 * Every error is one line naming the file, the line (1-based, as an editor shows it) and the column.
 */
import { ProblemError } from './errors.js'
import type { DataProblem, ProblemSpec, Shard } from './types.js'

type CsvSpec = Extract<ProblemSpec, { kind: 'csv' }>

function splitFields(line: string, delimiter: string): string[] {
  const fields: string[] = []
  let current = ''
  let quoted = false
  for (let k = 0; k < line.length; k++) {
    const ch = line[k]!
    if (quoted) {
      if (ch === '"' && line[k + 1] === '"') {
        current += '"'
        k++
      } else if (ch === '"') quoted = false
      else current += ch
    } else if (ch === '"' && current.trim() === '') {
      quoted = true
      current = ''
    } else if (ch === delimiter) {
      fields.push(current.trim())
      current = ''
    } else current += ch
  }
  fields.push(current.trim())
  return fields
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

interface CsvRecord {
  /** 1-based line in the file */
  line: number
  fields: string[]
}

/** The table as read: data records, the header (when `problem.header`), and where the width comes from. */
interface CsvTable {
  file: string
  records: CsvRecord[]
  header: string[] | null
  headerLine: number
  width: number
  widthFrom: string
}

export function parseCsvProblem(text: string, file: string, spec: CsvSpec, peers: number): DataProblem {
  const table = readTable(text, file, spec)
  const target = targetColumn(table, spec)
  const { features, targets } = readNumbers(table, target)
  const classes = checkLabels(table, spec, target, targets)
  const rows = table.records.length
  const dim = table.width - 1
  if (rows < peers) {
    throw new ProblemError(
      'CSV_TOO_FEW_ROWS',
      `${file}: ${rows} data rows for ${peers} peers: each peer needs at least one row`,
    )
  }
  const shards = shardsOf(table, shardRows(rows, peers, spec.shard), features, targets, peers)
  return { loss: spec.loss, dim, classes, paramDim: dim * classes, shards, planted: null }
}

function readTable(text: string, file: string, spec: CsvSpec): CsvTable {
  const records: CsvRecord[] = []
  text.split(/\r?\n/).forEach((raw, k) => {
    if (raw.trim() === '') return
    records.push({ line: k + 1, fields: splitFields(raw, spec.delimiter) })
  })
  if (records.length === 0) throw new ProblemError('CSV_EMPTY', `${file}: empty file (no rows)`)
  let header: string[] | null = null
  let headerLine = 0
  if (spec.header) {
    const first = records.shift()!
    header = first.fields
    headerLine = first.line
    if (records.length === 0)
      throw new ProblemError('CSV_EMPTY', `${file}: empty file (a header at line ${headerLine} and no data rows)`)
  }
  const width = header ? header.length : records[0]!.fields.length
  const widthFrom = header ? `the header at line ${headerLine}` : `the first row at line ${records[0]!.line}`
  if (width < 2)
    throw new ProblemError(
      'CSV_TARGET',
      `${file}:${records[0]!.line}: need at least one feature column and a target column`,
    )
  return { file, records, header, headerLine, width, widthFrom }
}

/** The target column's index: `problem.target` by header name or by index (negative from the end). */
function targetColumn(t: CsvTable, spec: CsvSpec): number {
  const { file, header, headerLine, width } = t
  if (typeof spec.target === 'string') {
    if (!header)
      throw new ProblemError(
        'CSV_TARGET',
        `${file}: problem.target "${spec.target}" names a column but problem.header is false`,
      )
    const target = header.indexOf(spec.target)
    if (target < 0) {
      throw new ProblemError(
        'CSV_TARGET',
        `${file}:${headerLine}: target column "${spec.target}" not found in header (columns: ${header.join(', ')})`,
      )
    }
    return target
  }
  const target = spec.target < 0 ? width + spec.target : spec.target
  if (target < 0 || target >= width) {
    throw new ProblemError('CSV_TARGET', `${file}: problem.target ${spec.target} is outside the ${width} columns`)
  }
  return target
}

function columnName(t: CsvTable, c: number): string {
  return `column ${c + 1}${t.header ? ` ("${t.header[c]}")` : ''}`
}

/** Every field as a finite number: the features row by row (target column left out) and the targets. */
function readNumbers(t: CsvTable, target: number): { features: Float64Array; targets: Float64Array } {
  const { file, records, width, widthFrom } = t
  const dim = width - 1
  const features = new Float64Array(records.length * dim)
  const targets = new Float64Array(records.length)
  records.forEach(({ line, fields }, r) => {
    if (fields.length !== width) {
      throw new ProblemError(
        'CSV_RAGGED',
        `${file}:${line}: ragged row: ${fields.length} fields, expected ${width} (from ${widthFrom})`,
      )
    }
    let k = 0
    fields.forEach((field, c) => {
      if (!NUMBER.test(field)) {
        const shown = field.length > 30 ? field.slice(0, 27) + '...' : field
        throw new ProblemError('CSV_NOT_A_NUMBER', `${file}:${line}: ${columnName(t, c)}: not a number: "${shown}"`)
      }
      const value = Number(field)
      if (!Number.isFinite(value))
        throw new ProblemError(
          'CSV_NOT_A_NUMBER',
          `${file}:${line}: ${columnName(t, c)}: not a finite number: "${field}"`,
        )
      if (c === target) targets[r] = value
      else features[r * dim + k++] = value
    })
  })
  return { features, targets }
}

/** Classification targets checked (0/1 for logistic, classes for softmax); returns the number of classes. */
function checkLabels(t: CsvTable, spec: CsvSpec, target: number, targets: Float64Array): number {
  if (spec.loss !== 'logistic' && spec.loss !== 'softmax') return 1
  let maxLabel = 0
  t.records.forEach(({ line }, r) => {
    const y = targets[r]!
    const ok =
      spec.loss === 'logistic'
        ? y === 0 || y === 1
        : Number.isInteger(y) && y >= 0 && (spec.classes === 0 || y < spec.classes)
    if (!ok) {
      const expected =
        spec.loss === 'logistic' ? '0 or 1' : `an integer class 0..${spec.classes > 0 ? spec.classes - 1 : 'K-1'}`
      throw new ProblemError(
        'CSV_LABEL',
        `${t.file}:${line}: ${columnName(t, target)}: ${spec.loss} target must be ${expected}, got ${y}`,
      )
    }
    maxLabel = Math.max(maxLabel, y)
  })
  return spec.loss === 'softmax' ? (spec.classes > 0 ? spec.classes : Math.max(2, maxLabel + 1)) : 1
}

/** Each peer's rows copied into its shard; a peer left without rows is refused. */
function shardsOf(
  t: CsvTable,
  assignment: number[][],
  features: Float64Array,
  targets: Float64Array,
  peers: number,
): Shard[] {
  const rows = t.records.length
  const dim = t.width - 1
  assignment.forEach((list, i) => {
    if (list.length === 0) {
      throw new ProblemError(
        'CSV_TOO_FEW_ROWS',
        `${t.file}: contiguous sharding of ${rows} rows into blocks of ${Math.ceil(rows / peers)} leaves peer ${i} with no rows; use problem.shard: round-robin or fewer peers`,
      )
    }
  })
  return assignment.map((list) => {
    const f = new Float64Array(list.length * dim)
    const y = new Float64Array(list.length)
    list.forEach((r, s) => {
      f.set(features.subarray(r * dim, (r + 1) * dim), s * dim)
      y[s] = targets[r]!
    })
    return { rows: list.length, dim, features: f, targets: y, sourceRows: list.map((r) => t.records[r]!.line) }
  })
}

/** Row indices (0-based data rows) of each peer. */
export function shardRows(rows: number, peers: number, mode: 'contiguous' | 'round-robin'): number[][] {
  const out: number[][] = Array.from({ length: peers }, () => [])
  if (mode === 'round-robin') {
    for (let r = 0; r < rows; r++) out[r % peers]!.push(r)
  } else {
    const block = Math.ceil(rows / peers)
    for (let r = 0; r < rows; r++) out[Math.floor(r / block)]!.push(r)
  }
  return out
}
