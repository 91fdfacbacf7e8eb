/**
 * Checkpoints: the file format round-trips, every kind of damage is caught (never loaded), the newest sound one
 * wins, a foreign one is refused, and a peer step restored from a snapshot continues bit for bit as if it had never
 * stopped.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPeerStep } from '../../src/algorithms/peer-step.js'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { FileCheckpoints } from '../../src/peer-node/checkpoint-files.js'
import {
  CheckpointError,
  CheckpointMismatch,
  decodeCheckpoint as decodeWith,
  encodeCheckpoint as encodeWith,
  loadLatestCheckpoint as loadWith,
  type CheckpointData,
} from '../../src/peer/checkpoint.js'
import { stateFingerprint } from '../../src/peer/runtime.js'
import { Rng } from '../../src/util/rng.js'

const sha256 = (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest()
const encodeCheckpoint = (d: CheckpointData): Uint8Array => encodeWith(d, sha256)
const decodeCheckpoint = (b: Uint8Array, e: Parameters<typeof decodeWith>[1]): CheckpointData =>
  decodeWith(b, e, sha256)
const saveCheckpoint = (dir: string, d: CheckpointData): Promise<string> =>
  new FileCheckpoints(dir).save(d.round, encodeCheckpoint(d), 2)
const loadLatestCheckpoint = (dir: string, e: Parameters<typeof decodeWith>[1]) =>
  loadWith(new FileCheckpoints(dir), e, sha256)

const expect0 = { swarm: 's', index: 2, dim: 3, algorithm: 'elastic', fingerprint: 'abc' }
const data = (round: number): CheckpointData => ({
  ...expect0,
  round,
  vectors: { params: Float64Array.of(1.5, -0, 1e-300 * round), centre: Float64Array.of(round, 2, 3) },
  rngs: { sampling: Rng.derive(round + 1, 0, 't').state() },
})

describe('checkpoint file', () => {
  it('round-trips every field exactly (float64 bit patterns included)', () => {
    const back = decodeCheckpoint(encodeCheckpoint(data(7)), expect0)
    expect(back.round).toBe(7)
    expect(Array.from(back.vectors.params!)).toEqual([1.5, -0, 7e-300])
    expect(Object.is(back.vectors.params![1], -0)).toBe(true)
    expect(back.rngs.sampling).toEqual(Rng.derive(8, 0, 't').state())
  })

  it('refuses damaged bytes: a flipped bit anywhere, truncation, padding, bad magic', () => {
    const bytes = encodeCheckpoint(data(3))
    for (const at of [0, 9, 14, 20, bytes.length - 40, bytes.length - 1]) {
      const bad = Uint8Array.from(bytes)
      bad[at]! ^= 0x10
      expect(() => decodeCheckpoint(bad, expect0)).toThrow(CheckpointError)
    }
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 1), expect0)).toThrow(/truncated/)
    expect(() => decodeCheckpoint(bytes.subarray(0, 10), expect0)).toThrow(/bad magic or too short/)
    expect(() => decodeCheckpoint(Uint8Array.from([...bytes, 0]), expect0)).toThrow(/truncated or padded/)
  })

  it("keeps the last frames' bytes, reads an older file's single frame, and refuses frames larger than this peer's", () => {
    const frames = [40, 44].map((length) => Uint8Array.from({ length }, (_, k) => k * 7))
    const back = decodeCheckpoint(encodeCheckpoint({ ...data(5), frames }), expect0)
    expect(back.frames!.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)))
    expect(decodeCheckpoint(encodeCheckpoint(data(5)), expect0).frames).toBeUndefined()
    // a file of an earlier version: one frame, as `frame`
    const older = decodeCheckpoint(encodeCheckpoint({ ...data(5), frame: frames[0] } as never), expect0)
    expect(older.frames!.map((f) => Array.from(f))).toEqual([Array.from(frames[0]!)])
    const big = new Uint8Array(8 * 3 + 1_000)
    expect(() => decodeCheckpoint(encodeCheckpoint({ ...data(5), frames: [big] }), expect0)).toThrow(
      /not bytes of params frames/,
    )
    // an algorithm that sends more than its iterate (gradient-tracking: 2d) has frames that large
    expect(
      decodeCheckpoint(encodeCheckpoint({ ...data(5), frames: [big] }), { ...expect0, frameDim: 200 }).frames,
    ).toHaveLength(1)
  })

  it('refuses a sound checkpoint of another experiment or peer as a mismatch (not as damage)', () => {
    const bytes = encodeCheckpoint(data(3))
    expect(() => decodeCheckpoint(bytes, { ...expect0, fingerprint: 'other' })).toThrow(CheckpointMismatch)
    expect(() => decodeCheckpoint(bytes, { ...expect0, index: 1 })).toThrow(/written for index 2, this peer has 1/)
  })
})

describe('checkpoint directory', () => {
  it('keeps the newest two, loads the newest sound one, and reports what it skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-ck-'))
    for (const r of [100, 200, 300]) await saveCheckpoint(dir, data(r))
    expect(readdirSync(dir).sort()).toEqual(['checkpoint-0000000200.bin', 'checkpoint-0000000300.bin'])
    expect((await loadLatestCheckpoint(dir, expect0)).checkpoint?.round).toBe(300)
    // corrupt the newest: the previous one is used, and the damage is named
    const newest = join(dir, 'checkpoint-0000000300.bin')
    const bytes = readFileSync(newest)
    bytes[bytes.length >> 1]! ^= 0xff
    writeFileSync(newest, bytes)
    // and a write cut short by a crash
    writeFileSync(join(dir, 'checkpoint-0000000400.bin.tmp'), bytes.subarray(0, 100))
    const { checkpoint, problems } = await loadLatestCheckpoint(dir, expect0)
    expect(checkpoint?.round).toBe(200)
    expect(problems).toHaveLength(2)
    expect(problems.join('\n')).toMatch(/checkpoint-0000000300\.bin: checksum mismatch/)
    expect(problems.join('\n')).toMatch(/checkpoint-0000000400\.bin\.tmp: an unfinished write/)
    // the next save clears the unfinished write
    await saveCheckpoint(dir, data(400))
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false)
  })

  it('a file holds exactly the encoded bytes, whose last 32 are the SHA-256 of the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-ck-'))
    for (const r of [10, 20, 30]) await saveCheckpoint(dir, data(r))
    expect(readdirSync(dir).sort()).toEqual(['checkpoint-0000000020.bin', 'checkpoint-0000000030.bin'])
    const file = readFileSync(join(dir, 'checkpoint-0000000030.bin'))
    expect(file.equals(Buffer.from(encodeCheckpoint(data(30))))).toBe(true)
    expect(file.subarray(0, 8).toString('latin1')).toBe('MESHGDCK')
    expect(file.readUInt32LE(12)).toBe(file.length - 48)
    expect(file.subarray(-32).equals(createHash('sha256').update(file.subarray(0, -32)).digest())).toBe(true)
    expect((await loadLatestCheckpoint(dir, expect0)).checkpoint?.round).toBe(30)
  })

  it('with nothing sound, loads nothing; a foreign checkpoint is an error, never overwritten', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshgd-ck-'))
    expect(await loadLatestCheckpoint(join(dir, 'absent'), expect0)).toEqual({ checkpoint: null, problems: [] })
    writeFileSync(join(dir, 'checkpoint-0000000001.bin'), 'garbage')
    expect((await loadLatestCheckpoint(dir, expect0)).checkpoint).toBeNull()
    await saveCheckpoint(dir, data(5))
    await expect(loadLatestCheckpoint(dir, { ...expect0, fingerprint: 'x' })).rejects.toThrow(CheckpointMismatch)
  })
})

describe('a restored peer step', () => {
  const body = (algorithm: Record<string, unknown>): Record<string, unknown> => ({
    swarm: { id: 'ck', peers: 3 },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: 6, samples_per_peer: 4, seed: 3 },
    algorithm: { ...algorithm, sampling: { kind: 'batch', size: 1 } },
    run: { init: { kind: 'gaussian', scale: 1 } },
  })
  for (const algorithm of [
    { kind: 'elastic', eta: 0.3, mu: 0.2 },
    { kind: 'easgd', eta: 0.3, alpha: 0.1 },
    { kind: 'local', eta: 0.2, local_steps: 3 },
  ]) {
    it(`${algorithm.kind}: continues bit for bit from a snapshot (random stream and centre copy included)`, () => {
      const input = experimentFrom(body(algorithm))
      const { experiment, problem, graph } = resolveExperiment(input, '.')
      const inbox = (t: number): Float64Array[] => [
        Float64Array.from({ length: 6 }, (_, k) => Math.sin(t + k)),
        Float64Array.from({ length: 6 }, (_, k) => Math.cos(t * k)),
      ]
      const a = createPeerStep(experiment, problem, graph, 1)
      let snap = a.snapshot()
      for (let t = 0; t < 20; t++) {
        if (t === 8) snap = a.snapshot()
        a.prepare(t)
        a.combine(t, inbox(t))
      }
      // a fresh step (another process), restored through the file format
      const b = createPeerStep(experiment, problem, graph, 1)
      const expect1 = {
        swarm: 'ck',
        index: 1,
        dim: 6,
        algorithm: algorithm.kind,
        fingerprint: stateFingerprint(experiment, sha256),
      }
      const back = decodeCheckpoint(encodeCheckpoint({ ...expect1, round: 8, ...snap }), expect1)
      b.restore(back)
      for (let t = 8; t < 20; t++) {
        b.prepare(t)
        b.combine(t, inbox(t))
      }
      expect(Array.from(b.params)).toEqual(Array.from(a.params))
    })
  }

  for (const algorithm of [
    { kind: 'elastic', eta: 0.3, mu: 0.2 },
    { kind: 'quorum', eta: 0.3, k: 0.5 },
    { kind: 'easgd', eta: 0.3, alpha: 0.1 },
    { kind: 'local', eta: 0.2, local_steps: 3 },
    { kind: 'allreduce-sgd', eta: 0.3 },
  ]) {
    it(`${algorithm.kind}: random states taken before prepare(t), with the vectors after it, are round t's start`, () => {
      // what a peer stopped while it waits on round t checkpoints (src/peer/recovery.ts, Checkpointer.beginRound)
      const { experiment, problem, graph } = resolveExperiment(experimentFrom(body(algorithm)), '.')
      const inbox = (t: number): Float64Array[] => [
        Float64Array.from({ length: 6 }, (_, k) => Math.sin(t + k)),
        Float64Array.from({ length: 6 }, (_, k) => Math.cos(t * k)),
      ]
      const a = createPeerStep(experiment, problem, graph, 1)
      for (let t = 0; t < 5; t++) {
        a.prepare(t)
        a.combine(t, inbox(t))
      }
      const whole = a.snapshot()
      const rngs = a.randomStates()
      const sent = Float64Array.from(a.prepare(5) ?? [])
      const cut = { vectors: a.snapshot().vectors, rngs } // prepared, never combined: stopped here
      for (const [name, v] of Object.entries(whole.vectors))
        expect(Array.from(cut.vectors[name]!), name).toEqual(Array.from(v))
      a.combine(5, inbox(5))
      const b = createPeerStep(experiment, problem, graph, 1)
      b.restore(cut)
      expect(Array.from(b.prepare(5) ?? [])).toEqual(Array.from(sent)) // the same message again
      b.combine(5, inbox(5))
      expect(Array.from(b.params)).toEqual(Array.from(a.params))
    })
  }

  it('refuses a snapshot of the wrong dimension', () => {
    const { experiment, problem, graph } = resolveExperiment(
      experimentFrom(body({ kind: 'elastic', eta: 0.3, mu: 0.2 })),
      '.',
    )
    const step = createPeerStep(experiment, problem, graph, 0)
    expect(() =>
      step.restore({ vectors: { params: new Float64Array(5) }, rngs: { sampling: Rng.derive(1, 0, 't').state() } }),
    ).toThrow(/params missing or of the wrong length/)
  })

  it('fingerprints ignore run.rounds and timings but not the seed or the algorithm', () => {
    const fp = (sets: string[]): string =>
      stateFingerprint(
        resolveExperiment(experimentFrom(body({ kind: 'elastic', eta: 0.3, mu: 0.2 }), sets), '.').experiment,
        sha256,
      )
    const base = fp([])
    expect(fp(['run.rounds=9999', 'run.neighbour_timeout_ms=10', 'run.checkpoint_every=7'])).toBe(base)
    expect(fp(['run.seed=2'])).not.toBe(base)
    expect(fp(['algorithm.mu=0.25'])).not.toBe(base)
    // the first 16 bytes of the SHA-256 of the state's basis, in hex: the value checkpoints of earlier versions hold
    const { swarm, topology, problem, algorithm, compression, run } = resolveExperiment(
      experimentFrom(body({ kind: 'elastic', eta: 0.3, mu: 0.2 })),
      '.',
    ).experiment
    const basis = {
      swarm: { id: swarm.id, peers: swarm.peers },
      topology,
      problem,
      algorithm,
      compression,
      seed: run.seed,
      init: run.init,
    }
    expect(base).toBe(createHash('sha256').update(JSON.stringify(basis)).digest('hex').slice(0, 32))
  })
})
