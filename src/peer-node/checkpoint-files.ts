/**
 * A Node peer's checkpoints as files under `peers/<i>/state/` (the format: src/peer/checkpoint.ts), named
 * `checkpoint-<round, 10 digits>.bin`. Writing: a temporary file, fsync, rename, fsync of the folder, then all but
 * the newest `keep` removed, so a kill at any moment leaves the previous checkpoints whole.
 */
import { readdirSync, rmSync } from 'node:fs'
import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { CheckpointStore, StoredCheckpoint } from '../peer/platform.js'

const NAME = /^checkpoint-(\d{10})\.bin$/

export class FileCheckpoints implements CheckpointStore {
  constructor(private readonly dir: string) {}

  async list(): Promise<{ entries: StoredCheckpoint[]; problems: string[] }> {
    const names = this.names()
    const problems = names
      .filter((f) => f.endsWith('.tmp') && NAME.test(f.replace(/\.tmp$/, '')))
      .map((f) => `${join(this.dir, f)}: an unfinished write (ignored)`)
    const entries = this.checkpoints().map(({ file, round }) => {
      const path = join(this.dir, file)
      return { name: path, round, read: () => readFile(path) }
    })
    return { entries, problems }
  }

  /** Off the event loop: the round loop goes on while the disk syncs. The crash test hook applies here. */
  async save(round: number, bytes: Uint8Array, keep: number): Promise<string> {
    const path = join(this.dir, `checkpoint-${String(round).padStart(10, '0')}.bin`)
    const file = await open(`${path}.tmp`, 'w', 0o600)
    try {
      await crashHalfway(round, file, bytes)
      await file.write(bytes)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(`${path}.tmp`, path)
    const folder = await open(this.dir, 'r')
    try {
      await folder.sync()
    } finally {
      await folder.close()
    }
    this.prune(keep)
    return path
  }

  /** After a checkpoint is in place: drop all but the newest `keep`, and the leftovers of writes cut short. */
  private prune(keep: number): void {
    for (const old of this.checkpoints().slice(keep)) rmSync(join(this.dir, old.file), { force: true })
    for (const f of this.names()) if (f.endsWith('.bin.tmp')) rmSync(join(this.dir, f), { force: true })
  }

  private names(): string[] {
    try {
      return readdirSync(this.dir)
    } catch {
      return [] // no state folder yet
    }
  }

  /** Checkpoint files, newest first. */
  private checkpoints(): Array<{ file: string; round: number }> {
    return this.names()
      .map((file) => ({ file, m: NAME.exec(file) }))
      .filter((x): x is { file: string; m: RegExpExecArray } => x.m !== null)
      .map(({ file, m }) => ({ file, round: Number(m[1]) }))
      .sort((a, b) => b.round - a.round)
  }
}

/** Test hook (MESHGD_TEST_CRASH_IN_CHECKPOINT=<round>): SIGKILL this process halfway through that checkpoint's write. */
async function crashHalfway(
  round: number,
  file: { write(b: Uint8Array): Promise<unknown>; sync(): Promise<void> },
  bytes: Uint8Array,
): Promise<void> {
  if (process.env.MESHGD_TEST_CRASH_IN_CHECKPOINT !== String(round)) return
  await file.write(bytes.subarray(0, bytes.length >> 1))
  await file.sync()
  process.kill(process.pid, 'SIGKILL')
}
