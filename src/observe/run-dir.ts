/**
 * The run directory of docs/design.md ("The run directory"): summary.json, metrics.jsonl, params/<i>.f64, peers/<i>/metrics.jsonl.
 * Writes are synchronous and batched: a record batch is one write per file.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { float64LeBytes } from '../util/float-bytes.js'

/** Write a file atomically: a temporary file in the same directory, then rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

export class RunDirectory {
  readonly dir: string
  private readonly merged: number
  private readonly perPeer: number[]

  constructor(dir: string, peers: number) {
    this.dir = dir
    mkdirSync(join(dir, 'params'), { recursive: true })
    this.perPeer = []
    for (let i = 0; i < peers; i++) {
      mkdirSync(join(dir, 'peers', String(i)), { recursive: true })
      this.perPeer.push(openSync(join(dir, 'peers', String(i), 'metrics.jsonl'), 'w'))
    }
    this.merged = openSync(join(dir, 'metrics.jsonl'), 'w')
  }

  /**
   * Append records (objects with a `peer` field) to the merged file and to each peer's own file (when this
   * directory was opened for peers; a swarm's peers write their own).
   */
  appendRecords(records: ReadonlyArray<{ peer: number }>): void {
    const lines = records.map((r) => JSON.stringify(r) + '\n')
    writeSync(this.merged, lines.join(''))
    if (this.perPeer.length > 0) records.forEach((r, k) => writeSync(this.perPeer[r.peer]!, lines[k]!))
  }

  writeParams(index: number, w: Float64Array): void {
    writeFileAtomic(join(this.dir, 'params', `${index}.f64`), float64LeBytes(w))
  }

  writeSummary(summary: unknown): void {
    writeFileAtomic(join(this.dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
  }

  close(): void {
    closeSync(this.merged)
    for (const fd of this.perPeer) closeSync(fd)
  }
}
