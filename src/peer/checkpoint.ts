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
 * The platform's store (platform.ts) writes each checkpoint whole or not at all and keeps the newest two, so a
 * checkpoint found corrupt (bad checksum, truncated, foreign) is reported and the previous one is used. Nothing is
 * ever loaded that does not pass the checksum and the field checks. This file holds the format and the choice of
 * the checkpoint to load; where the bytes live is the store's (src/peer-node: files; src/peer-web: IndexedDB).
 */
import { pack, unpack } from 'msgpackr'
import { frameCapForDim } from '../codec/index.js'
import type { RngState } from '../util/rng.js'
import { float64LeBytes, readFloat64Le } from '../util/float-bytes.js'
import { MeshgdError } from '../util/errors.js'
import type { CheckpointStore } from './platform.js'

const MAGIC = new TextEncoder().encode('MESHGDCK')
const VERSION = 1
const HEADER = 16
const DIGEST = 32

/** SHA-256, from the platform (platform.ts). */
export type Sha256 = (bytes: Uint8Array) => Uint8Array

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

export function encodeCheckpoint(data: CheckpointData, sha256: Sha256): Uint8Array {
  const vectors: Record<string, Uint8Array> = {}
  for (const [name, v] of Object.entries(data.vectors)) vectors[name] = float64LeBytes(v)
  const body = pack({ ...data, vectors }) as Uint8Array
  const out = new Uint8Array(HEADER + body.length + DIGEST)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  view.setUint32(8, VERSION, true)
  view.setUint32(12, body.length, true)
  out.set(body, HEADER)
  out.set(sha256(out.subarray(0, HEADER + body.length)), HEADER + body.length)
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
export function decodeCheckpoint(bytes: Uint8Array, expect: Expect, sha256: Sha256): CheckpointData {
  const body = checkedBody(bytes, sha256)
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
function checkedBody(buf: Uint8Array, sha256: Sha256): Record<string, unknown> {
  if (buf.length < HEADER + DIGEST || !sameBytes(buf.subarray(0, 8), MAGIC))
    throw new CheckpointError('not a meshgd checkpoint (bad magic or too short)')
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length)
  if (view.getUint32(8, true) !== VERSION)
    throw new CheckpointError(`checkpoint version ${view.getUint32(8, true)}, expected ${VERSION}`)
  const length = view.getUint32(12, true)
  if (buf.length !== HEADER + length + DIGEST)
    throw new CheckpointError(`truncated or padded: ${buf.length} bytes, expected ${HEADER + length + DIGEST}`)
  if (!sameBytes(sha256(buf.subarray(0, HEADER + length)), buf.subarray(HEADER + length)))
    throw new CheckpointError('checksum mismatch')
  try {
    return unpack(buf.subarray(HEADER, HEADER + length)) as Record<string, unknown>
  } catch (err) {
    throw new CheckpointError(`undecodable body: ${(err as Error).message}`)
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false
  return true
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

/**
 * The newest checkpoint of the store that passes every check, or null; `problems` lists each one skipped and why
 * (a leftover of a write that was cut short included). A sound checkpoint of another experiment throws
 * CheckpointMismatch: resuming from it would be wrong, and starting afresh would overwrite it.
 */
export async function loadLatestCheckpoint(
  store: CheckpointStore,
  expect: Expect,
  sha256: Sha256,
): Promise<{ checkpoint: (CheckpointData & { file: string }) | null; problems: string[] }> {
  const { entries, problems } = await store.list()
  for (const entry of entries) {
    try {
      return { checkpoint: { ...decodeCheckpoint(await entry.read(), expect, sha256), file: entry.name }, problems }
    } catch (err) {
      if (err instanceof CheckpointMismatch) throw new CheckpointMismatch(`${entry.name}: ${err.message}`)
      problems.push(`${entry.name}: ${(err as Error).message}`)
    }
  }
  return { checkpoint: null, problems }
}
