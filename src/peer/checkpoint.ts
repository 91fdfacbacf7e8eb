/**
 * A peer's checkpoints (docs/design.md "Faults and restarts"): everything its next rounds depend on, written atomically under
 * `peers/<i>/state/` and checked on load, so a peer killed at any moment resumes where it was.
 *
 * File `checkpoint-<round, 10 digits>.bin`:
 *
 *     "MESHGDCK" | u32le version (1) | u32le body length | body (msgpack) | sha256(everything before)
 *
 * body = {swarm, index, dim, algorithm, fingerprint, round, vectors: {name: little-endian float64 bytes}, rngs: {name: state},
 * frames?: [bytes]}: `frames` are the params frames this peer sent in its newest completed rounds, oldest first, which
 * a neighbour behind it still needs when the whole swarm is started again (src/peer/recovery.ts; one on a fixed
 * graph, where a neighbour is at most one round behind). Files of earlier versions hold one, as `frame`.
 * Writing: a temporary file, fsync, rename, fsync of the directory; the newest two checkpoints are kept, so a
 * checkpoint found corrupt (bad checksum, truncated, foreign) is reported and the previous one is used. Nothing is
 * ever loaded that does not pass the checksum and the field checks.
 */
import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { pack, unpack } from 'msgpackr'
import { frameCapForDim } from '../codec/index.js'
import type { RngState } from '../util/rng.js'
import { float64LeBytes, readFloat64Le } from '../observe/run-dir.js'
import { MeshgdError } from '../util/errors.js'

const MAGIC = Buffer.from('MESHGDCK', 'latin1')
const VERSION = 1
const HEADER = 16
const DIGEST = 32
const NAME = /^checkpoint-(\d{10})\.bin$/

export interface CheckpointData {
  swarm: string
  index: number
  dim: number
  algorithm: string
  /** hash of everything in the experiment the state depends on (run.rounds and the timings excluded) */
  fingerprint: string
  round: number
  vectors: Record<string, Float64Array>
  rngs: Record<string, RngState>
  /** the frames sent in the newest completed rounds that sent one, oldest first (absent before the first) */
  frames?: Uint8Array[]
  /** the run.target window at `round` (src/exchange/target-stop.ts), where the run watches a target */
  target?: { round: number; bits: Uint8Array }
}

/** A checkpoint's frame is at most one params frame (its body's cap and the length prefix). */
const frameCap = (dim: number): number => frameCapForDim(dim) + 8
/** More frames than any peer keeps (src/peer/sent-frames.ts) is not a checkpoint meshgd wrote. */
const MAX_FRAMES = 64

export class CheckpointError extends MeshgdError<'CHECKPOINT_DAMAGED' | 'CHECKPOINT_MISMATCH'> {
  override readonly name: string = 'CheckpointError'
  constructor(message: string, code: CheckpointError['code'] = 'CHECKPOINT_DAMAGED') {
    super(code, message)
  }
}

/** A sound checkpoint of another experiment, peer or swarm: not this run's state, and not to be overwritten. */
export class CheckpointMismatch extends CheckpointError {
  override readonly name = 'CheckpointMismatch'
  constructor(message: string) {
    super(message, 'CHECKPOINT_MISMATCH')
  }
}

type Expect = Pick<CheckpointData, 'swarm' | 'index' | 'dim' | 'algorithm' | 'fingerprint'> & {
  /** entries of a params frame's vector (more than `dim` where the algorithm sends more than its iterate) */
  frameDim?: number
}

export function encodeCheckpoint(data: CheckpointData): Uint8Array {
  const vectors: Record<string, Uint8Array> = {}
  for (const [name, v] of Object.entries(data.vectors)) vectors[name] = float64LeBytes(v)
  const body = pack({ ...data, vectors }) as Uint8Array
  const out = Buffer.alloc(HEADER + body.length + DIGEST)
  MAGIC.copy(out, 0)
  out.writeUInt32LE(VERSION, 8)
  out.writeUInt32LE(body.length, 12)
  out.set(body, HEADER)
  createHash('sha256')
    .update(out.subarray(0, HEADER + body.length))
    .digest()
    .copy(out, HEADER + body.length)
  return out
}

function isRngState(x: unknown): x is RngState {
  const r = x as RngState
  return (
    typeof r === 'object' &&
    r !== null &&
    Array.isArray(r.s) &&
    r.s.length === 4 &&
    r.s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) &&
    (r.spare === null || Number.isFinite(r.spare))
  )
}

/** The kept frames: a list of at most MAX_FRAMES params frames of this peer's frame size. */
function framesOf(value: unknown, expect: Expect): Uint8Array[] | undefined {
  if (value === undefined) return undefined
  const cap = frameCap(expect.frameDim ?? expect.dim)
  if (
    !Array.isArray(value) ||
    value.length > MAX_FRAMES ||
    !value.every((f) => f instanceof Uint8Array && f.length <= cap)
  )
    throw new CheckpointError('the kept frames are not bytes of params frames')
  return value as Uint8Array[]
}

/** Decode and check a checkpoint against what this peer expects; throws CheckpointError saying what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array, expect: Expect): CheckpointData {
  const body = checkedBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
  for (const key of ['swarm', 'index', 'dim', 'algorithm', 'fingerprint'] as const) {
    if (body[key] !== expect[key]) {
      const what =
        key === 'fingerprint'
          ? 'another experiment (problem, topology, algorithm, compression, seed or init differ)'
          : `${key} ${String(body[key])}, this peer has ${String(expect[key])}`
      throw new CheckpointMismatch(`written for ${what}`)
    }
  }
  const round = body.round
  if (typeof round !== 'number' || !Number.isInteger(round) || round < 0) throw new CheckpointError('bad round')
  const vectors = vectorsOf(body.vectors)
  const rngs = rngsOf(body.rngs)
  const frames = framesOf(body.frames ?? (body.frame === undefined ? undefined : [body.frame]), expect)
  const target = targetWindowOf(body.target)
  const { frameDim: _frameDim, ...expected } = expect
  return {
    ...expected,
    round,
    vectors,
    rngs,
    ...(frames ? { frames } : {}),
    ...(target ? { target } : {}),
  }
}

/** The msgpack body of a checkpoint file whose magic, version, length and SHA-256 are right. */
function checkedBody(buf: Buffer): Record<string, unknown> {
  if (buf.length < HEADER + DIGEST || !buf.subarray(0, 8).equals(MAGIC))
    throw new CheckpointError('not a meshgd checkpoint (bad magic or too short)')
  if (buf.readUInt32LE(8) !== VERSION)
    throw new CheckpointError(`checkpoint version ${buf.readUInt32LE(8)}, expected ${VERSION}`)
  const length = buf.readUInt32LE(12)
  if (buf.length !== HEADER + length + DIGEST)
    throw new CheckpointError(`truncated or padded: ${buf.length} bytes, expected ${HEADER + length + DIGEST}`)
  const digest = createHash('sha256')
    .update(buf.subarray(0, HEADER + length))
    .digest()
  if (!digest.equals(buf.subarray(HEADER + length))) throw new CheckpointError('checksum mismatch')
  try {
    return unpack(buf.subarray(HEADER, HEADER + length)) as Record<string, unknown>
  } catch (err) {
    throw new CheckpointError(`undecodable body: ${(err as Error).message}`)
  }
}

/** The state vectors: float64 bytes, every value finite. */
function vectorsOf(raw: unknown): Record<string, Float64Array> {
  const vectors: Record<string, Float64Array> = {}
  for (const [name, bytes] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (!(bytes instanceof Uint8Array) || bytes.length % 8 !== 0)
      throw new CheckpointError(`vector ${name} is not float64 bytes`)
    const v = readFloat64Le(bytes)
    for (const x of v) if (!Number.isFinite(x)) throw new CheckpointError(`vector ${name} holds a non-finite value`)
    vectors[name] = v
  }
  return vectors
}

function rngsOf(raw: unknown): Record<string, RngState> {
  const rngs: Record<string, RngState> = {}
  for (const [name, r] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (!isRngState(r)) throw new CheckpointError(`random stream ${name} is malformed`)
    rngs[name] = r
  }
  return rngs
}

/** The run.target window saved with the checkpoint (exchange/target-stop.ts), when there is one. */
function targetWindowOf(raw: unknown): { round: number; bits: Uint8Array } | null {
  if (raw === undefined) return null
  const target = raw as { round?: unknown; bits?: unknown } | null
  const sound =
    typeof target === 'object' &&
    target !== null &&
    Number.isSafeInteger(target.round) &&
    target.bits instanceof Uint8Array &&
    target.bits.length <= 1 << 16
  if (!sound) throw new CheckpointError('the target window is malformed')
  return { round: target.round as number, bits: target.bits as Uint8Array }
}

/** Test hook (MESHGD_TEST_CRASH_IN_CHECKPOINT=<round>): SIGKILL this process halfway through that checkpoint's write. */
function crashHalfway(round: number, fd: number, bytes: Uint8Array): void {
  if (process.env.MESHGD_TEST_CRASH_IN_CHECKPOINT !== String(round)) return
  writeSync(fd, bytes, 0, bytes.length >> 1)
  fsyncSync(fd)
  process.kill(process.pid, 'SIGKILL')
}

const pathOf = (dir: string, round: number): string => join(dir, `checkpoint-${String(round).padStart(10, '0')}.bin`)

/** After a checkpoint is in place: drop all but the newest `keep`, and the leftovers of writes cut short. */
function prune(dir: string, keep: number): void {
  for (const old of listCheckpoints(dir).slice(keep)) rmSync(join(dir, old.file), { force: true })
  for (const f of readdirSync(dir)) if (f.endsWith('.bin.tmp')) rmSync(join(dir, f), { force: true })
}

/** Write a checkpoint atomically (temporary file, fsync, rename, fsync of the folder) and keep the newest `keep`. */
export function saveCheckpoint(dir: string, data: CheckpointData, keep = 2): string {
  const bytes = encodeCheckpoint(data)
  const path = pathOf(dir, data.round)
  const fd = openSync(`${path}.tmp`, 'w', 0o600)
  try {
    crashHalfway(data.round, fd, bytes)
    writeSync(fd, bytes)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(`${path}.tmp`, path)
  const dirFd = openSync(dir, 'r')
  try {
    fsyncSync(dirFd)
  } finally {
    closeSync(dirFd)
  }
  prune(dir, keep)
  return path
}

/**
 * The same, off the event loop (the round loop goes on while the disk syncs): `data` must not change meanwhile
 * (pass a snapshot). The crash test hook applies here too.
 */
export async function saveCheckpointAsync(dir: string, data: CheckpointData, keep = 2): Promise<string> {
  const bytes = encodeCheckpoint(data)
  const path = pathOf(dir, data.round)
  const file = await open(`${path}.tmp`, 'w', 0o600)
  try {
    crashHalfway(data.round, file.fd, bytes)
    await file.write(bytes)
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(`${path}.tmp`, path)
  const folder = await open(dir, 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
  prune(dir, keep)
  return path
}

/** Checkpoint files of `dir`, newest first. */
function listCheckpoints(dir: string): Array<{ file: string; round: number }> {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .map((file) => ({ file, m: NAME.exec(file) }))
    .filter((x): x is { file: string; m: RegExpExecArray } => x.m !== null)
    .map(({ file, m }) => ({ file, round: Number(m[1]) }))
    .sort((a, b) => b.round - a.round)
}

/**
 * The newest checkpoint of `dir` that passes every check, or null; `problems` lists each file skipped and why
 * (a leftover temporary file from a write that was cut short included). A sound checkpoint of another experiment
 * throws CheckpointMismatch: resuming from it would be wrong, and starting afresh would overwrite it.
 */
export function loadLatestCheckpoint(
  dir: string,
  expect: Expect,
): { checkpoint: (CheckpointData & { file: string }) | null; problems: string[] } {
  const problems: string[] = []
  let names: string[] = []
  try {
    names = readdirSync(dir)
  } catch {
    // no state directory yet
  }
  for (const f of names)
    if (NAME.test(f.replace(/\.tmp$/, '')) && f.endsWith('.tmp'))
      problems.push(`${join(dir, f)}: an unfinished write (ignored)`)
  for (const { file } of listCheckpoints(dir)) {
    const path = join(dir, file)
    try {
      return { checkpoint: { ...decodeCheckpoint(readFileSync(path), expect), file: path }, problems }
    } catch (err) {
      if (err instanceof CheckpointMismatch) throw new CheckpointMismatch(`${path}: ${err.message}`)
      problems.push(`${path}: ${(err as Error).message}`)
    }
  }
  return { checkpoint: null, problems }
}
