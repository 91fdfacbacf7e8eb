/**
 * A peer's previous life (the same `--out`): resuming from its newest sound checkpoint, writing checkpoints as it
 * goes, remembering its neighbours' entries, and saying `hello` when it is back, so that it resumes where it was
 * and its neighbours do not lose it (docs/faults.md "Faults and restarts").
 */
import { encodeFrame } from '../codec/index.js'
import type { Experiment } from '../config/schema.js'
import type { RngState } from '../util/rng.js'
import { parseRosterEntry, type RosterEntry } from '../net/roster.js'
import { toHex } from '../util/hex.js'
import {
  CheckpointMismatch,
  encodeCheckpoint,
  loadLatestCheckpoint,
  type CheckpointData,
  type Sha256,
} from './checkpoint.js'
import type { PeerCore } from './context.js'
import { PeerError } from './errors.js'
import type { PeerLinks } from './links.js'

export type Resumed = CheckpointData & { file: string }

/**
 * What a peer's state depends on, hashed: a checkpoint is resumed only into the same experiment (run.rounds and the
 * timings may change, so a finished run can be continued with more rounds).
 */
export function stateFingerprint(experiment: Experiment, sha256: Sha256): string {
  const { swarm, topology, problem, algorithm, compression, run } = experiment
  const basis = {
    swarm: { id: swarm.id, peers: swarm.peers },
    topology,
    problem,
    algorithm,
    compression,
    seed: run.seed,
    init: run.init,
  }
  const digest = sha256(new TextEncoder().encode(JSON.stringify(basis)))
  return toHex(digest.subarray(0, 16))
}

function checkpointExpect(
  core: PeerCore,
): Pick<CheckpointData, 'swarm' | 'index' | 'dim' | 'algorithm' | 'fingerprint'> & { frameDim: number } {
  return {
    swarm: core.swarm,
    index: core.i,
    dim: core.d,
    frameDim: core.wireDim,
    algorithm: core.experiment.algorithm.kind,
    fingerprint: stateFingerprint(core.experiment, core.platform.sha256),
  }
}

/**
 * Load the newest sound checkpoint into the step and the copies, set the round, and take back the frame of the
 * round before (`SentFrames.completed`); null for a fresh start.
 */
export async function resumeFromCheckpoint(core: PeerCore, links: PeerLinks): Promise<Resumed | null> {
  const { i, log, platform } = core
  let resumed: Resumed | null
  try {
    const found = await loadLatestCheckpoint(platform.store.checkpoints, checkpointExpect(core), platform.sha256)
    for (const problem of found.problems) log(`peer ${i}: checkpoint skipped: ${problem}`)
    resumed = found.checkpoint
  } catch (err) {
    if (err instanceof CheckpointMismatch) {
      throw new PeerError(
        'CHECKPOINT',
        `peer ${i}: ${err.message}; resume with the experiment it was written for, or use another --out`,
      )
    }
    throw err
  }
  if (!resumed) return null
  try {
    core.step.restore(resumed)
    if (resumed.rngs.quantize) core.quantRng.setState(resumed.rngs.quantize)
    if (core.difference) {
      const copies = [core.selfCopy, ...core.neighbourCopies]
      const names = ['public.self', ...core.neighbours.map((j) => `public.${j}`)]
      names.forEach((name, k) => {
        const v = resumed.vectors[name]
        if (!v || v.length !== core.wireDim)
          throw new RangeError(`checkpoint: vector ${name} missing or of the wrong length`)
        copies[k]!.set(v)
      })
    }
  } catch (err) {
    throw new PeerError('CHECKPOINT', `peer ${i}: ${resumed.file}: ${(err as Error).message}`)
  }
  core.counters.resumeAt(resumed.round)
  links.frames.resumedWith(resumed.frames ?? [])
  if (resumed.target) core.targetWatch?.restore(resumed.target)
  log(`peer ${i}: resuming from ${resumed.file} (round ${resumed.round})`)
  return resumed
}

/** What a round changes before its combine: its random draws, and in difference mode the public self copy. */
interface RoundStart {
  rngs: Record<string, RngState>
  quantize: RngState
}

/**
 * Checkpoints are written off the event loop (the disk's fsync would stall the round loop, and with it the
 * neighbours): a snapshot now, the write in the background; a periodic one is skipped while the last is still
 * being written; the final one waits for it. A failed write is reported and the run goes on.
 *
 * A checkpoint is the state at the start of its round. A periodic one is written between rounds; the final one of
 * a peer stopped while it waited on round t (Ctrl-C) takes the random streams and the public self copy as round t
 * began (`beginRound`), so round t is run again from the same bits and sends the same frame. It also holds the
 * frame of the round before, which a neighbour stopped one round behind still needs: a whole swarm started again
 * resumes exactly where it was (docs/faults.md "Faults and restarts").
 */
export class Checkpointer {
  private writing: Promise<void> | null = null
  private roundStart: RoundStart | null = null
  private readonly selfAtStart: Float64Array
  /** checkpoints written by this process, and how long the newest took (s): for the metrics endpoint */
  written = 0
  lastSeconds = 0

  constructor(
    private readonly core: PeerCore,
    private readonly links: PeerLinks,
  ) {
    this.selfAtStart = new Float64Array(core.difference ? core.wireDim : 0)
  }

  /** Round `core.counters.round` begins: keep what it changes before its combine (a few words, and a copy in difference mode). */
  beginRound(): void {
    const { core } = this
    if (core.experiment.run.checkpoint_every === null) return // no checkpoints: nothing to keep
    this.roundStart = { rngs: core.step.randomStates(), quantize: core.quantRng.state() }
    if (core.difference) this.selfAtStart.set(core.selfCopy)
  }

  /** The round was combined (or skipped by a jump): the state is whole again. */
  endRound(): void {
    this.roundStart = null
  }

  async write(done: number, final = false): Promise<void> {
    const core = this.core
    if (core.experiment.run.checkpoint_every === null) return
    if (this.writing && !final) return
    await this.writing
    const state = core.step.snapshot()
    const start = this.roundStart
    const vectors = { ...state.vectors }
    if (core.difference) {
      vectors['public.self'] = Float64Array.from(start ? this.selfAtStart : core.selfCopy)
      core.neighbours.forEach((j, k) => (vectors[`public.${j}`] = Float64Array.from(core.neighbourCopies[k]!)))
    }
    const rngs = { ...(start ? start.rngs : state.rngs), quantize: start ? start.quantize : core.quantRng.state() }
    const frames = [...this.links.frames.completed]
    const target = core.targetWatch ? { target: core.targetWatch.state() } : {}
    const { frameDim: _frameDim, ...expect } = checkpointExpect(core)
    const data = { ...expect, round: done, vectors, rngs, ...(frames.length > 0 ? { frames } : {}), ...target }
    const started = performance.now()
    const mine = core.platform.store.checkpoints.save(done, encodeCheckpoint(data, core.platform.sha256), 2).then(
      () => {
        this.written++
        this.lastSeconds = (performance.now() - started) / 1000
      },
      (err: Error) => core.log(`peer ${core.i}: checkpoint of round ${done} not written: ${err.message}`),
    )
    this.writing = mine
    void mine.finally(() => {
      if (this.writing === mine) this.writing = null
    })
    if (final) await mine
  }
}

const NEIGHBOURS = 'neighbours.json'

/** Was this peer here before (a checkpoint, or the neighbours it knew)? */
export async function hadPreviousLife(core: PeerCore, resumed: Resumed | null): Promise<boolean> {
  return resumed !== null || (await core.platform.store.readState(NEIGHBOURS)) !== null
}

/**
 * A restarted peer knows its neighbours from its last life: who holds each index (so their streams are accepted at
 * once) and addresses worth a first try. Whether they are still there, start-up finds out (`PeerLinks.located`).
 */
export async function rememberNeighbours(core: PeerCore, links: PeerLinks): Promise<void> {
  try {
    const cached = JSON.parse((await core.platform.store.readState(NEIGHBOURS)) ?? '[]') as unknown[]
    for (const raw of cached) {
      const entry = parseRosterEntry(new TextEncoder().encode(JSON.stringify(raw)), core.swarm, core.graph.n)
      if (entry && core.position.has(entry.index)) links.roster.recall(entry)
    }
  } catch {
    // an unreadable cache: the roster announcements will do
  }
}

export async function saveNeighbours(core: PeerCore, entries: readonly RosterEntry[]): Promise<void> {
  await core.platform.store.writeState(NEIGHBOURS, JSON.stringify(entries) + '\n')
}

/**
 * Tell the neighbours we are back, at which round: they answer with their newest vectors. Our frame of the round
 * before follows the hello, for a neighbour stopped one round behind us (a whole swarm started again); in the same
 * queue, it reaches the neighbour before anything of this life.
 */
export function sayHello(core: PeerCore, links: PeerLinks): void {
  const hello = encodeFrame(
    { swarm: core.swarm, round: core.counters.round, from: core.i, kind: 'hello', codec: 'f64', dim: core.wireDim },
    new Uint8Array(0),
  )
  const frames = [hello, ...links.frames.completed]
  core.neighbours.forEach((_, k) => links.sendTo(k, frames))
}
