/**
 * CSV data (pure: the caller reads the file). Rows are sharded in file order: `contiguous` gives peer
 * i the i-th block of ceil(rows / peers) rows, `round-robin` gives it rows i, i + n, i + 2n, ...
 * Every error is one line naming the file, the line (1-based, as an editor shows it) and the column.
 */
import { ProblemError } from './errors.js'
import type { Problem, ProblemSpec, Shard } from './types.js'

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

export function parseCsvProblem(text: string, file: string, spec: CsvSpec, peers: number): Problem {
  const lines = text.split(/\r?\n/)
  const records: Array<{ line: number; fields: string[] }> = []
  lines.forEach((raw, k) => {
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
  let target: number
  if (typeof spec.target === 'string') {
    if (!header)
      throw new ProblemError(
        'CSV_TARGET',
        `${file}: problem.target "${spec.target}" names a column but problem.header is false`,
      )
    target = header.indexOf(spec.target)
    if (target < 0) {
      throw new ProblemError(
        'CSV_TARGET',
        `${file}:${headerLine}: target column "${spec.target}" not found in header (columns: ${header.join(', ')})`,
      )
    }
  } else {
    target = spec.target < 0 ? width + spec.target : spec.target
    if (target < 0 || target >= width) {
      throw new ProblemError('CSV_TARGET', `${file}: problem.target ${spec.target} is outside the ${width} columns`)
    }
  }
  const columnName = (c: number): string => `column ${c + 1}${header ? ` ("${header[c]}")` : ''}`
  const dim = width - 1
  const rows = records.length
  const features = new Float64Array(rows * dim)
  const targets = new Float64Array(rows)
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
        throw new ProblemError(
          'CSV_NOT_A_NUMBER',
          `${file}:${line}: ${columnName(c)}: not a number: "${field.length > 30 ? field.slice(0, 27) + '...' : field}"`,
        )
      }
      const value = Number(field)
      if (!Number.isFinite(value))
        throw new ProblemError('CSV_NOT_A_NUMBER', `${file}:${line}: ${columnName(c)}: not a finite number: "${field}"`)
      if (c === target) targets[r] = value
      else features[r * dim + k++] = value
    })
  })
  let classes = 1
  if (spec.loss === 'logistic' || spec.loss === 'softmax') {
    let maxLabel = 0
    records.forEach(({ line }, r) => {
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
          `${file}:${line}: ${columnName(target)}: ${spec.loss} target must be ${expected}, got ${y}`,
        )
      }
      maxLabel = Math.max(maxLabel, y)
    })
    if (spec.loss === 'softmax') classes = spec.classes > 0 ? spec.classes : Math.max(2, maxLabel + 1)
  }
  if (rows < peers) {
    throw new ProblemError(
      'CSV_TOO_FEW_ROWS',
      `${file}: ${rows} data rows for ${peers} peers: each peer needs at least one row`,
    )
  }
  const assignment = shardRows(rows, peers, spec.shard)
  assignment.forEach((list, i) => {
    if (list.length === 0) {
      throw new ProblemError(
        'CSV_TOO_FEW_ROWS',
        `${file}: contiguous sharding of ${rows} rows into blocks of ${Math.ceil(rows / peers)} leaves peer ${i} with no rows; use problem.shard: round-robin or fewer peers`,
      )
    }
  })
  const shards: Shard[] = assignment.map((list) => {
    const f = new Float64Array(list.length * dim)
    const t = new Float64Array(list.length)
    list.forEach((r, s) => {
      f.set(features.subarray(r * dim, (r + 1) * dim), s * dim)
      t[s] = targets[r]!
    })
    return { rows: list.length, dim, features: f, targets: t, sourceRows: list.map((r) => records[r]!.line) }
  })
  return { loss: spec.loss, dim, classes, paramDim: dim * classes, shards, planted: null }
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
