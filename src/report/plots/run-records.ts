/**
 * The records a report plots, read from a run directory: the merged `metrics.jsonl` (sim, swarm, a report that
 * gathered), or else every peer's own `peers/<i>/metrics.jsonl`. Only the fields the charts use are kept, and a
 * long run is thinned to a few hundred recorded rounds (a chart has no more pixels than that).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RoundRecord } from '../../exchange/records.js'

/**
 * One line of metrics.jsonl (docs/design.md "The run directory"), as far as the charts read it; `compute_ms`,
 * `wait_ms` and `send_ms` only in networked runs (src/peer/round-times.ts).
 */
export type PlotRecord = Pick<
  RoundRecord,
  'round' | 'peer' | 'loss' | 'disagreement' | 'error' | 'bytes_sent' | 'compute_ms' | 'wait_ms' | 'send_ms'
>

/** Rounds kept per series when a run recorded more. */
const MAX_ROUNDS_PLOTTED = 400

function parseLines(text: string, file: string): PlotRecord[] {
  const out: PlotRecord[] = []
  const lines = text.split('\n')
  for (const [k, line] of lines.entries()) {
    if (!line.trim()) continue
    try {
      out.push(JSON.parse(line) as PlotRecord)
    } catch {
      // a peer killed mid-write leaves a torn last line: the records before it still plot
      if (lines.slice(k + 1).some((rest) => rest.trim())) throw new SyntaxError(`${file}:${k + 1}: not a JSON record`)
    }
  }
  return out
}

/** Every record of the run, sorted by round then peer; [] when the run recorded none. */
export function readRunRecords(dir: string): PlotRecord[] {
  const merged = join(dir, 'metrics.jsonl')
  let records: PlotRecord[] = []
  if (existsSync(merged)) records = parseLines(readFileSync(merged, 'utf8'), merged)
  else if (existsSync(join(dir, 'peers'))) {
    for (const name of readdirSync(join(dir, 'peers')).filter((n) => /^\d+$/.test(n))) {
      const file = join(dir, 'peers', name, 'metrics.jsonl')
      if (existsSync(file)) records.push(...parseLines(readFileSync(file, 'utf8'), file))
    }
  }
  return records.sort((a, b) => a.round - b.round || a.peer - b.peer)
}

/** The records of at most `MAX_ROUNDS_PLOTTED` evenly spaced recorded rounds, always with the first and last. */
export function thinRecords(records: readonly PlotRecord[], most = MAX_ROUNDS_PLOTTED): PlotRecord[] {
  const rounds = [...new Set(records.map((r) => r.round))]
  if (rounds.length <= most) return [...records]
  const stride = (rounds.length - 1) / (most - 1)
  const kept = new Set<number>()
  for (let k = 0; k < most; k++) kept.add(rounds[Math.round(k * stride)]!)
  return records.filter((r) => kept.has(r.round))
}

/** Each peer's last record (its final error, its cumulative times), by peer index. */
export function lastRecordOfEachPeer(records: readonly PlotRecord[]): Map<number, PlotRecord> {
  const last = new Map<number, PlotRecord>()
  for (const r of records) {
    const seen = last.get(r.peer)
    if (!seen || r.round >= seen.round) last.set(r.peer, r)
  }
  return last
}
