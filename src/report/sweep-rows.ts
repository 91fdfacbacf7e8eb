/**
 * The rows of `meshgd sweep`: one per finished cell, in `sweep.jsonl` (appended the moment a cell finishes, so an
 * interrupted sweep keeps what it did and a rerun skips it) and `sweep.csv` (rewritten from them). A row is the
 * cell's overrides, then the figures of its run's summary, flat.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../observe/run-dir.js'
import { timeSplitOf, type Summary } from './summary.js'

export type SweepValue = string | number | boolean | null
export type SweepRow = Record<string, SweepValue>

export const SWEEP_JSONL = 'sweep.jsonl'
export const SWEEP_CSV = 'sweep.csv'

/** The numeric columns of a row that come from the summary (what `--plot field:metric` may name). */
export const SUMMARY_METRICS = [
  'rounds',
  'target_round',
  'wall_s',
  'bytes_sent',
  'bits_per_coordinate',
  'rate_measured',
  'rate_predicted',
  'max_error',
  'relative_max_error',
  'disagreement',
  'mean_loss',
  'compute_ms_per_round',
  'wait_ms_per_round',
] as const

/** The columns of a problem module's `evaluate` figures, which `--plot field:metric` may also name. */
export const EVAL_PREFIX = 'eval_'

/**
 * What a row takes from a cell's run summary (sim or swarm): the figures, flat, with the run.target that says
 * whether `converged` was asked for; a swarm run adds its time split.
 */
export function summaryColumns(s: Summary): SweepRow {
  const row: SweepRow = {
    peers: s.peers,
    rounds: s.rounds,
    target_round: s.target_round,
    converged: s.converged,
    target: s.experiment.run.target,
    diverged: s.diverged,
    wall_s: s.wall_s,
    bytes_sent: s.bytes_sent,
    bits_per_coordinate: s.bits_per_coordinate,
    rate_measured: s.rate_measured,
    rate_predicted: s.rate_predicted,
    max_error: s.final.max_error,
    relative_max_error: s.final.relative_max_error,
    disagreement: s.final.disagreement,
    mean_loss: s.final.mean_loss,
  }
  // a problem module's figures at the mean of the peers' parameters: `eval_test_accuracy`, ...
  for (const [name, v] of Object.entries(s.final.evaluation?.mean_params ?? {})) row[`${EVAL_PREFIX}${name}`] = v
  const time = timeSplitOf(s)
  if (time) {
    row.compute_ms_per_round = time.per_round.compute_ms
    row.wait_ms_per_round = time.per_round.wait_ms
  }
  return row
}

/** The rows written so far (a torn last line, from a kill mid-write, is left out: its cell runs again). */
export function readSweepRows(dir: string): SweepRow[] {
  const file = join(dir, SWEEP_JSONL)
  if (!existsSync(file)) return []
  const rows: SweepRow[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue
    try {
      rows.push(JSON.parse(line) as SweepRow)
    } catch {
      // torn: not finished as far as the sweep knows
    }
  }
  return rows
}

/** One finished cell's row, appended in one write. */
export function appendSweepRow(dir: string, row: SweepRow): void {
  appendFileSync(join(dir, SWEEP_JSONL), JSON.stringify(row) + '\n')
}

function csvCell(v: SweepValue | undefined): string {
  if (v === null || v === undefined) return ''
  const text = String(v)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** The columns of a set of rows: every key, in the order first seen. */
export function columnsOf(rows: readonly SweepRow[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key)
  return [...seen]
}

/** Rewrites sweep.jsonl (in the given order) and sweep.csv from the rows, each atomically. */
export function writeSweepTables(dir: string, rows: readonly SweepRow[]): void {
  const columns = columnsOf(rows)
  writeFileAtomic(join(dir, SWEEP_JSONL), rows.map((r) => JSON.stringify(r) + '\n').join(''))
  const lines = [
    columns.map((c) => csvCell(c)).join(','),
    ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(',')),
  ]
  writeFileAtomic(join(dir, SWEEP_CSV), lines.join('\n') + '\n')
}
