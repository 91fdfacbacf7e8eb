/**
 * A Node peer's store (src/peer/platform.ts) in its run directory (docs/design.md "The run directory"):
 * `peers/<i>/metrics.jsonl` and `info.json`, `peers/<i>/state/` (identity.key, checkpoints, neighbours.json), and
 * `params/<i>.f64`. Small files are written atomically (a temporary file, then rename).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadOrCreateIdentity } from '../net/identity.js'
import { writeFileAtomic } from '../observe/run-dir.js'
import type { PeerStore, RecordLog } from '../peer/platform.js'
import { recordsBefore } from '../peer/recorder.js'
import type { PeerInfo } from '../peer/types.js'
import { FileCheckpoints } from './checkpoint-files.js'

export class PeerFiles implements PeerStore {
  readonly where: string
  readonly checkpoints: FileCheckpoints
  readonly records: RecordFile
  private readonly stateDir: string

  /** The folders of peer `index` under run directory `out`, made if missing. */
  constructor(
    private readonly out: string,
    private readonly index: number,
  ) {
    this.where = join(out, 'peers', String(index))
    this.stateDir = join(this.where, 'state')
    mkdirSync(this.stateDir, { recursive: true })
    mkdirSync(join(out, 'params'), { recursive: true })
    this.checkpoints = new FileCheckpoints(this.stateDir)
    this.records = new RecordFile(join(this.where, 'metrics.jsonl'))
  }

  identity(): ReturnType<PeerStore['identity']> {
    return loadOrCreateIdentity(this.stateDir)
  }

  async readState(name: string): Promise<string | null> {
    try {
      return await readFile(join(this.stateDir, name), 'utf8')
    } catch {
      return null // none yet (or unreadable: as good as none)
    }
  }

  async writeState(name: string, text: string): Promise<void> {
    writeFileAtomic(join(this.stateDir, name), text)
  }

  async writeParams(bytes: Uint8Array): Promise<void> {
    writeFileAtomic(join(this.out, 'params', `${this.index}.f64`), bytes)
  }

  async writeInfo(info: PeerInfo): Promise<void> {
    writeFileAtomic(join(this.where, 'info.json'), JSON.stringify(info, null, 2) + '\n')
  }
}

/** `metrics.jsonl`: one synchronous write per batch of records (a batch every `run.record_every` rounds' flush). */
class RecordFile implements RecordLog {
  private fd = -1

  constructor(private readonly path: string) {}

  async open(from: number | null): Promise<void> {
    if (from !== null && existsSync(this.path))
      writeFileAtomic(this.path, recordsBefore(readFileSync(this.path, 'utf8'), from))
    this.fd = openSync(this.path, from !== null ? 'a' : 'w')
  }

  append(lines: string): void {
    if (this.fd >= 0) writeSync(this.fd, lines)
  }

  async close(): Promise<void> {
    if (this.fd < 0) return
    closeSync(this.fd)
    this.fd = -1
  }
}
