/**
 * Compression end to end in the simulator (which uses the real encoder and decoder), against the figures of
 * docs/algorithms.md "Compression" and the issue that asked for them.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeVector, dequantize, encodeVector, qsgdQuantize, uniformQuantize } from '../../src/codec/index.js'
import { experimentFrom } from '../../src/config/load.js'
import { runSimulation } from '../../src/sim/run.js'
import { Rng } from '../../src/util/rng.js'

const work = mkdtempSync(join(tmpdir(), 'meshgd-compression-'))
let runs = 0
function sim(body: Record<string, unknown>) {
  return runSimulation(experimentFrom(body), { out: join(work, `run-${runs++}`), baseDir: work, theory: false }).summary
}

describe('CHOCO difference mode on a ring of 8 peers, one sample each, d = 1024, eta = 1, mu = 0.3', () => {
  const base = {
    swarm: { peers: 8 },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: 1024, samples_per_peer: 1, seed: 1 },
    algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
    run: { rounds: 5000, target: 1e-10 },
    output: { params: false },
  }

  it('uniform 3 bits reaches 1e-10 in at most 1.05x the rounds of float64 with at least 17x fewer bytes per round', () => {
    const f64 = sim(base)
    const u3 = sim({ ...base, compression: { kind: 'uniform', bits: 3, mode: 'difference' } })
    expect(f64.converged && u3.converged).toBe(true)
    expect(u3.rounds).toBeLessThanOrEqual(1.05 * f64.rounds)
    expect(f64.bytes_per_round! / u3.bytes_per_round!).toBeGreaterThanOrEqual(17)
    // 3 bits plus the scale and the frame (~0.55 bit at d = 1024, the run.target window's 8 bytes included)
    expect(u3.bits_per_coordinate!).toBeLessThan(3.65)
    expect(u3.final.relative_max_error!).toBeLessThanOrEqual(1e-10) // the exact solution, not a noise floor
  })

  it('qsgd with 16 levels (scaled by 1/(1 + omega)) also reaches 1e-10', () => {
    const q = sim({ ...base, compression: { kind: 'qsgd', levels: 16, mode: 'difference' } })
    expect(q.converged).toBe(true)
    expect(q.final.relative_max_error!).toBeLessThanOrEqual(1e-10)
  })

  it('uniform 2 bits is reported as diverging, not run to NaN', () => {
    const u2 = sim({ ...base, compression: { kind: 'uniform', bits: 2, mode: 'difference' } })
    expect(u2.diverged).toBe(true)
    expect(u2.converged).toBe(false)
    expect(u2.rounds).toBeLessThan(5000)
  })

  it('works for quorum, easgd and local too', () => {
    for (const algorithm of [
      { kind: 'quorum', eta: 1, k: 0.5 },
      { kind: 'easgd', eta: 1, alpha: 0.05 },
      { kind: 'local', eta: 1, local_steps: 2 },
    ]) {
      const body = { ...base, problem: { ...base.problem, dim: 256 }, algorithm, run: { rounds: 20000, target: 1e-9 } }
      const plain = sim(body)
      const u4 = sim({ ...body, compression: { kind: 'uniform', bits: 4, mode: 'difference' } })
      expect(plain.converged).toBe(true)
      expect(u4.converged).toBe(true)
      expect(u4.bytes_per_round!).toBeLessThan(plain.bytes_per_round! / 8)
    }
  })
})

describe("Kalan et al.'s experiment at small scale (Kalan et al. 2019)", () => {
  // planted ReLU, d = 100, 1000 samples on 4 peers, allreduce-sgd, batch 20 per peer
  const base = {
    swarm: { peers: 4 },
    topology: { kind: 'complete' },
    problem: { kind: 'planted', loss: 'relu', dim: 100, samples_per_peer: 250, seed: 1, feature_scale: 'standard' },
    run: { rounds: 300, target: 1e-8 },
    output: { params: false },
  }
  it('QSGD 16 levels in direct mode at eta 0.62 reaches 1e-8 within 300 rounds, like uncompressed SGD at eta 0.8', () => {
    const plain = sim({
      ...base,
      algorithm: { kind: 'allreduce-sgd', eta: 0.8, sampling: { kind: 'batch', size: 20 } },
    })
    const q = sim({
      ...base,
      algorithm: { kind: 'allreduce-sgd', eta: 0.62, sampling: { kind: 'batch', size: 20 } },
      compression: { kind: 'qsgd', levels: 16 },
    })
    expect(plain.converged).toBe(true)
    expect(q.converged).toBe(true)
    expect(q.rounds).toBeLessThanOrEqual(300)
    expect(q.bits_per_coordinate!).toBeLessThan(0.2 * 64) // 6 bits a level, plus norm and frame at d = 100
  })
})

describe('quantized payloads', () => {
  it('decode to exactly the quantizer output (bit for bit)', () => {
    const v = Float64Array.from({ length: 1001 }, (_, k) => Math.sin(k) * 10 ** ((k % 7) - 3))
    for (const levels of [1, 3, 16, 1000]) {
      const a = encodeVector({ codec: 'qsgd', levels }, v, Rng.derive(4, 1, 'q'))
      const expected = dequantize(qsgdQuantize(v, levels, Rng.derive(4, 1, 'q')))
      expect(new Uint8Array(decodeVector({ codec: 'qsgd', levels }, a, 1001).buffer)).toEqual(
        new Uint8Array(expected.buffer),
      )
    }
    for (const bits of [2, 3, 8, 16]) {
      const a = encodeVector({ codec: 'uniform', bits }, v, null)
      const expected = dequantize(uniformQuantize(v, bits))
      expect(new Uint8Array(decodeVector({ codec: 'uniform', bits }, a, 1001).buffer)).toEqual(
        new Uint8Array(expected.buffer),
      )
    }
  })

  it('send a vector of subnormals as zero, never NaN', () => {
    const v = Float64Array.from({ length: 9 }, (_, k) => (k - 4) * 5e-324)
    for (const codec of [
      { codec: 'qsgd', levels: 4 },
      { codec: 'uniform', bits: 5 },
    ] as const) {
      const out = decodeVector(codec, encodeVector(codec, v, Rng.derive(1, 0, 'q')), 9)
      expect(Array.from(out).every((x) => x === 0)).toBe(true)
    }
  })
})
