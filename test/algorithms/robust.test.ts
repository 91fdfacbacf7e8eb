/**
 * `algorithm.robust`: the clip and the coordinate-wise trimmed mean / median against hand-worked values, the
 * bound they put on a faulty neighbour's pull, bit-identity with the plain update when inactive, and the config
 * errors.
 */
import { describe, expect, it } from 'vitest'
import { createPeerStep } from '../../src/algorithms/peer-step.js'
import { clipNorm, clipTowards, robustAggregate } from '../../src/algorithms/robust.js'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { simulate } from '../../src/sim/engine.js'

const f = (...x: number[]): Float64Array => Float64Array.from(x)

describe('robust kernels', () => {
  it('clip a neighbour towards self to norm tau (hand-worked 3-4-5)', () => {
    const self = f(1, 1)
    const out = new Float64Array(2)
    // v - self = (3, 4), |.| = 5; tau = 2.5 halves it
    expect(Array.from(clipTowards(out, f(4, 5), self, 2.5))).toEqual([2.5, 3])
    const near = f(1.3, 1.4)
    expect(clipTowards(out, near, self, 2.5)).toBe(near) // within tau: untouched, no copy
    const c = clipNorm(out, f(3, 4), 1)
    expect(c[0]).toBeCloseTo(0.6, 15)
    expect(c[1]).toBeCloseTo(0.8, 15)
  })

  it('trimmed mean and median per coordinate (hand-worked)', () => {
    const vs = [f(1, 10), f(2, -5), f(100, 0), f(3, 1), f(-50, 2)]
    const out = new Float64Array(2)
    const scratch = new Float64Array(5)
    // coordinate 0 sorted: -50 1 2 3 100 -> trim 1: (1 + 2 + 3) / 3 = 2; coordinate 1: -5 0 1 2 10 -> 1
    expect(Array.from(robustAggregate(out, vs, 'trimmed-mean', 1, scratch))).toEqual([2, 1])
    expect(Array.from(robustAggregate(out, vs, 'median', 0, scratch))).toEqual([2, 1])
    // even count: mean of the two middle values; negative numbers sort numerically, not as strings
    expect(Array.from(robustAggregate(out, vs.slice(0, 4), 'median', 0, scratch))).toEqual([2.5, 0.5])
    expect(() => robustAggregate(out, vs.slice(0, 2), 'trimmed-mean', 1, scratch)).toThrow(/leaves none/)
  })
})

function resolved(algorithm: Record<string, unknown>, topology = 'complete', peers = 5, compression: unknown = 'none') {
  return resolveExperiment(
    experimentFrom({
      swarm: { peers },
      topology: { kind: topology },
      problem: { kind: 'planted', loss: 'squared', dim: 6, samples_per_peer: 1, seed: 3 },
      algorithm,
      compression,
      run: { rounds: 300 },
    }),
    '.',
  )
}

describe('robust options in the peer step', () => {
  it('a neighbour sending 1e6 moves a median / trimmed-mean quorum peer no further than the honest spread', () => {
    for (const aggregate of ['median', 'trimmed-mean'] as const) {
      const r = resolved({ kind: 'quorum', eta: 0.1, k: 0.5, robust: { aggregate } })
      const step = createPeerStep(r.experiment, r.problem, r.graph, 0)
      const own = step.prepare(0)!
      const honest = [f(1, 1, 1, 1, 1, 1), f(2, 2, 2, 2, 2, 2), f(-1, 0, 1, 0, -1, 0)]
      const hostile = new Float64Array(6).fill(1e6)
      step.combine(0, [...honest, hostile])
      // w' = w - eta (g + k (w - z)) with z coordinate-wise inside the range of {own} u honest, |z| <= max(2, |w|)
      const wMax = Math.max(...Array.from(own, Math.abs))
      const bound = wMax + 0.1 * (Math.max(...Array.from(step.gradient, Math.abs)) + 0.5 * (wMax + Math.max(2, wMax)))
      for (const x of step.params) expect(Math.abs(x)).toBeLessThanOrEqual(bound + 1e-12)
      // and without the defence the pull is eta k 1e6 / 5 = 1e4
      const plain = resolved({ kind: 'quorum', eta: 0.1, k: 0.5 })
      const p = createPeerStep(plain.experiment, plain.problem, plain.graph, 0)
      p.prepare(0)
      p.combine(0, [...honest, hostile])
      expect(Math.max(...Array.from(p.params))).toBeGreaterThan(5e3)
    }
  })

  it("clip bounds an elastic neighbour's pull by mu * a_ij * tau, whatever it sends", () => {
    const r = resolved({ kind: 'elastic', eta: 0.2, mu: 0.1, robust: { clip: 0.5 } }, 'ring', 4)
    const step = createPeerStep(r.experiment, r.problem, r.graph, 0)
    const w = step.prepare(0)!.slice()
    const g = step.gradient.slice()
    step.combine(0, [new Float64Array(6).fill(1e9), w.slice()])
    let sq = 0
    for (let k = 0; k < 6; k++) sq += (step.params[k]! - (w[k]! - 0.2 * g[k]!)) ** 2
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(0.1 * 0.5 * (1 + 1e-12))
  })

  it('an inactive clip (large tau) gives the plain iterates bit for bit', () => {
    for (const algorithm of [
      { kind: 'elastic', eta: 0.5, mu: 0.3 },
      { kind: 'quorum', eta: 0.3, k: 0.5 },
      { kind: 'local', eta: 0.3, local_steps: 3 },
    ]) {
      const plain = resolved(algorithm, 'ring', 6)
      const clipped = resolved({ ...algorithm, robust: { clip: 1e6 } }, 'ring', 6)
      const a = simulate({ ...plain, reference: null, messageBytes: () => 0 })
      const b = simulate({ ...clipped, reference: null, messageBytes: () => 0 })
      for (let i = 0; i < 6; i++)
        expect(Buffer.from(b.params[i]!.buffer).equals(Buffer.from(a.params[i]!.buffer))).toBe(true)
    }
  })

  it('refuses options that make no sense, naming the field', () => {
    expect(() => resolved({ kind: 'elastic', robust: { aggregate: 'median' } })).toThrow(
      /^algorithm\.robust\.aggregate: median replaces a mixing-matrix average/,
    )
    expect(() => resolved({ kind: 'quorum', robust: { aggregate: 'trimmed-mean', trim: 2 } }, 'ring', 6)).toThrow(
      /^algorithm\.robust\.trim: 2/,
    )
    expect(() =>
      resolved({ kind: 'quorum', robust: { aggregate: 'median' } }, 'ring', 6, { kind: 'qsgd', mode: 'difference' }),
    ).toThrow(/mode: direct/)
  })
})
