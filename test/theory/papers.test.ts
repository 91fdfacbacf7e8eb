/**
 * The papers' central claims at small scale, each against the paper's formula or an independent computation.
 */
import { dataProblem } from '../../src/problems/index.js'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { createPeerStep } from '../../src/algorithms/peer-step.js'
import { vectorPayloadBytes, wireBytesOfVector } from '../../src/codec/index.js'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment, type ResolvedExperiment } from '../../src/exchange/resolve.js'
import { createChannel } from '../../src/sim/channel.js'
import { simulate } from '../../src/sim/engine.js'
import { runReference } from '../../src/exchange/reference.js'
import { stackedFeatures } from '../../src/problems/index.js'
import { optimalLocalSteps } from '../../src/theory/local.js'
import { quorumStationaryNoise } from '../../src/theory/quorum.js'
import { mbbContraction, mbbTheory, mitraBernoulli, sampleSpectrum } from '../../src/theory/sgd.js'

const root = resolve(import.meta.dirname, '..', '..')
const work = mkdtempSync(join(tmpdir(), 'meshgd-papers-'))

function run(input: Record<string, unknown>) {
  const resolved = resolveExperiment(experimentFrom(input), work)
  const ref = runReference(resolved)
  const result = simulate({ ...resolved, reference: ref?.w ?? null, messageBytes: () => 0 })
  return { ...resolved, ref, result }
}

/**
 * One peer holding 30 samples in 60 dimensions is plain mini-batch SGD: the per-round contraction of
 * E|w_t - w*|^2 over 300 rounds at eta: auto, averaged over 20 seeds.
 */
function meanSquaredContraction(sampling: Record<string, unknown>): {
  contraction: number
  spectrum: ReturnType<typeof sampleSpectrum>
} {
  const rounds = 300
  const seeds = 20
  const sum = new Float64Array(rounds + 1)
  let spectrum: ReturnType<typeof sampleSpectrum> | null = null
  for (let seed = 1; seed <= seeds; seed++) {
    const r = run({
      swarm: { peers: 1 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 60, samples_per_peer: 30, seed: 2 },
      algorithm: { kind: 'elastic', eta: 'auto', mu: 0, sampling },
      run: { rounds, seed },
    })
    spectrum ??= sampleSpectrum(dataProblem(r.problem).shards)
    for (let t = 0; t <= rounds; t++) sum[t]! += r.result.maxErrorHistory[t]! ** 2 / seeds
  }
  return { contraction: (sum[rounds]! / sum[0]!) ** (1 / rounds), spectrum: spectrum! }
}

describe('Ma, Bassily & Belkin (Ma, Bassily & Belkin 2017): optimal step and critical batch', () => {
  const problem = { kind: 'planted', loss: 'squared', dim: 60, samples_per_peer: 30, seed: 2 }

  it('meshgd theory --json reports eta*, g*, m* matching a dense eigen-solve (1e-9)', () => {
    const file = join(work, 'sgd.yaml')
    writeFileSync(
      file,
      JSON.stringify({
        swarm: { peers: 3 },
        topology: { kind: 'complete' },
        problem: { ...problem, samples_per_peer: 10 },
        algorithm: { kind: 'elastic', eta: 0.5, mu: 0.1, sampling: { kind: 'batch', size: 4 } },
      }),
    )
    const out = spawnSync(process.execPath, [join(root, 'bin', 'meshgd.js'), 'theory', file, '--json'], {
      encoding: 'utf8',
    })
    expect(out.status).toBe(0)
    const sgd = JSON.parse(out.stdout).sgd
    // independent: H = (1/N) X^T X by ml-matrix, its eigenvalues, beta = max |x|^2
    const { problem: p } = resolveExperiment(
      experimentFrom({
        swarm: { peers: 3 },
        topology: { kind: 'complete' },
        problem: { ...problem, samples_per_peer: 10 },
      }),
      work,
    )
    const { X, rows } = stackedFeatures(dataProblem(p))
    const M = new Matrix(rows, 60)
    for (let r = 0; r < rows; r++) for (let c = 0; c < 60; c++) M.set(r, c, X[r * 60 + c]!)
    const H = M.transpose().mmul(M).div(rows)
    const ev = new EigenvalueDecomposition(H, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b)
    const l1 = ev[ev.length - 1]!
    const ln = ev.find((v) => v > 1e-10)!
    const beta = Math.max(...Array.from({ length: rows }, (_, r) => M.getRow(r).reduce((s, x) => s + x * x, 0)))
    const m = 4
    const etaStar = m <= beta / (l1 - ln) + 1 ? m / (beta + (m - 1) * ln) : (2 * m) / (beta + (m - 1) * (l1 + ln))
    const gStar =
      m <= beta / (l1 - ln) + 1
        ? 1 - (m * ln) / (beta + (m - 1) * ln)
        : 1 - (4 * m * (m - 1) * l1 * ln) / (beta + (m - 1) * (l1 + ln)) ** 2
    expect(Math.abs(sgd.eta_star - etaStar)).toBeLessThan(1e-9 * etaStar)
    expect(Math.abs(sgd.g_star - gStar)).toBeLessThan(1e-9)
    expect(Math.abs(sgd.m_star - beta / l1)).toBeLessThan(1e-9 * (beta / l1))
    expect(Math.abs(sgd.lambda_1 - l1)).toBeLessThan(1e-9)
    expect(Math.abs(sgd.lambda_n - ln)).toBeLessThan(1e-9)
    expect(sgd.beta).toBeCloseTo(beta, 12)
    // g* is the minimum over eta of the paper's g(m, eta) = max over lambda in {lambda_1, lambda_n}
    const g = (eta: number): number => Math.max(mbbContraction(l1, m, eta, beta), mbbContraction(ln, m, eta, beta))
    for (const f of [0.9, 0.95, 1.05, 1.1]) expect(g(etaStar * f)).toBeGreaterThanOrEqual(gStar - 1e-12)
  })

  it('iterations follow linear scaling below m* and saturate above it; the rate at eta*(m) is within g*(m) (5 seeds)', () => {
    // One peer holding every sample is plain mini-batch SGD with replacement.
    const base = { swarm: { peers: 1 }, topology: { kind: 'ring' }, problem }
    const spectrum = sampleSpectrum(dataProblem(resolveExperiment(experimentFrom(base), work).problem).shards)
    const mStar = spectrum.beta / spectrum.lambda_1
    expect(mStar).toBeGreaterThan(8) // the scaling regime is visible
    const iterations = (sampling: Record<string, unknown>): number => {
      let total = 0
      for (let seed = 1; seed <= 5; seed++) {
        const r = run({
          ...base,
          algorithm: { kind: 'elastic', eta: 'auto', mu: 0, sampling },
          run: { rounds: 200_000, target: 1e-6, seed },
        })
        expect(r.result.converged).toBe(true)
        total += r.result.rounds
      }
      return total / 5
    }
    const t1 = iterations({ kind: 'batch', size: 1 })
    const t2 = iterations({ kind: 'batch', size: 2 })
    const tStar = iterations({ kind: 'batch', size: Math.round(mStar) })
    const tBig = iterations({ kind: 'batch', size: Math.round(8 * mStar) })
    const tGD = iterations({ kind: 'full' })
    expect(t1 / t2).toBeGreaterThan(1.6) // doubling the batch nearly halves the iterations
    expect(t1 / t2).toBeLessThan(2.4)
    expect(tStar / tGD).toBeLessThan(4) // at m* within 4x of gradient descent
    expect(tBig / tGD).toBeLessThan(2) // saturation: far larger batches gain little more
    // m t(m) is smallest at m = 1: against m = 2 the theoretical gain, 2 / (1 + lambda_n / beta), is within the
    // seed-to-seed noise of five runs, so the check allows 5%; against m* it is clear.
    expect(1 * t1).toBeLessThan(1.05 * 2 * t2)
    expect(1 * t1).toBeLessThan(Math.round(mStar) * tStar)
  })

  it('the measured contraction of E|w - w*|^2 at eta*(m) is no worse than g*(m)', () => {
    for (const m of [1, 4]) {
      const { contraction, spectrum } = meanSquaredContraction({ kind: 'batch', size: m })
      expect(contraction).toBeLessThanOrEqual(mbbTheory(spectrum, m).g_star * 1.0005)
    }
  })
})

describe('Zhang & Li (Zhang & Li 2022): local steps', () => {
  const problem = { kind: 'planted', loss: 'squared', dim: 40, samples_per_peer: 4, seed: 6 }
  const steps = [1, 10, 100, 'infinity'] as const

  it('with interpolating data the distance to the solution never increases (Lemma 1), and rounds to a tolerance do not increase with T', () => {
    const rounds: number[] = []
    for (const T of steps) {
      const r = run({
        swarm: { peers: 6 },
        topology: { kind: 'ring' },
        problem,
        algorithm: { kind: 'local', eta: 0.5, local_steps: T, tol: 1e-24, max_steps: 20_000 },
        run: { rounds: 100_000, target: 1e-8 },
      })
      expect(r.result.converged).toBe(true)
      const h = r.result.maxErrorHistory
      // Fejer monotone towards the interpolant: each peer's distance, hence the max, never grows
      for (let t = 1; t < h.length; t++) expect(h[t]!).toBeLessThanOrEqual(h[t - 1]! * (1 + 1e-12))
      rounds.push(r.result.rounds)
    }
    for (let k = 1; k < rounds.length; k++) expect(rounds[k]!).toBeLessThanOrEqual(rounds[k - 1]!)
  })

  it('with fewer parameters than samples the gradient residual plateaus above zero', () => {
    const resolved = resolveExperiment(
      experimentFrom({
        swarm: { peers: 4 },
        topology: { kind: 'ring' },
        problem: { kind: 'planted', loss: 'squared', dim: 5, samples_per_peer: 6, seed: 2, noise: 0.3 },
        algorithm: { kind: 'local', eta: 0.5, local_steps: 10 },
        run: { rounds: 3000, record_every: 10 },
      }),
      work,
    )
    const residuals: number[] = []
    simulate(
      { ...resolved, reference: null, messageBytes: () => 0 },
      { onRecord: (recs) => residuals.push(Math.max(...recs.map((r) => r.grad_norm))) },
    )
    const late = residuals.slice(-20)
    expect(Math.min(...late)).toBeGreaterThan(1e-3)
    expect(Math.max(...late) / Math.min(...late)).toBeLessThan(1.5) // a plateau, not a decay
  })

  it('T* solves e^u = 1 + b/r + u and matches the corrected asymptotics', () => {
    for (const [beta, r] of [
      [0.9, 1],
      [0.99, 0.01],
      [0.5, 10],
    ] as const) {
      const { tStar, asymptotic } = optimalLocalSteps(beta, r)
      const b = Math.log(1 / beta)
      const u = tStar * b
      expect(Math.abs(Math.exp(u) - (1 + b / r + u))).toBeLessThan(1e-10 * Math.exp(u))
      expect(asymptotic).toBeCloseTo(Math.log(1 + b / r) / b, 12)
      expect(tStar).toBeGreaterThan(asymptotic) // u > log(1 + b/r) since e^u = 1 + b/r + u
    }
  })
})

describe('Boffi & Slotine (Boffi & Slotine 2020): noise of a coupled swarm at a quadratic minimum', () => {
  // f(w) = (1/2)(w - 1)^2 for every agent (one sample x = 1, y = 1), Gaussian gradient noise sigma.
  writeFileSync(join(work, 'quad.csv'), 'x,y\n' + Array.from({ length: 16 }, () => '1,1').join('\n') + '\n')
  const sigma = 0.5
  const eta = 0.1

  function stationary(p: number, k: number): { meanVar: number; agentVar: number } {
    const rounds = 40_000
    const burn = 2000
    const resolved = resolveExperiment(
      experimentFrom({
        swarm: { peers: p },
        topology: { kind: 'complete' },
        problem: { kind: 'csv', path: 'quad.csv', target: 'y', shard: 'round-robin' },
        algorithm: { kind: 'quorum', eta, k, gradient_noise: sigma },
        run: { rounds, record_every: 1 },
      }),
      work,
    )
    let meanVar = 0
    let agentVar = 0
    let count = 0
    // The engine's records hold norms, not values: run the same peer steps with the values in view.
    const peers = simulateValues(resolved, rounds)
    for (let t = burn; t < rounds; t++) {
      const values = peers[t]!
      const m = values.reduce((s, v) => s + v, 0) / p
      meanVar += (m - 1) ** 2
      agentVar += values.reduce((s, v) => s + (v - m) ** 2, 0) / p
      count++
    }
    return { meanVar: meanVar / count, agentVar: agentVar / count }
  }

  it('the variance of the swarm mean falls as 1/p and each agent fluctuates as the discrete model predicts', () => {
    const one = stationary(1, 0)
    const four = stationary(4, 1)
    const predicted1 = quorumStationaryNoise({ eta, h: 1, k: 0, sigma, b: 1, p: 1 })
    const predicted4 = quorumStationaryNoise({ eta, h: 1, k: 1, sigma, b: 1, p: 4 })
    expect(Math.abs(one.meanVar / predicted1.meanVariance.discrete - 1)).toBeLessThan(0.15)
    expect(Math.abs(four.meanVar / predicted4.meanVariance.discrete - 1)).toBeLessThan(0.15)
    expect(Math.abs(one.meanVar / four.meanVar / 4 - 1)).toBeLessThan(0.25)
    for (const k of [0, 1, 4]) {
      const s = stationary(4, k)
      const predicted = quorumStationaryNoise({ eta, h: 1, k, sigma, b: 1, p: 4 }).agentDeviationVariance.discrete
      // (1 - 1/p) of the per-agent deviation: the average over agents of (x_i - mean)^2
      expect(Math.abs(s.agentVar / predicted - 1)).toBeLessThan(0.15)
    }
  })
})

/** Scalar trajectories of every peer (d = 1), from the same peer steps the simulator uses. */
function simulateValues(resolved: ResolvedExperiment, rounds: number): number[][] {
  const { experiment, problem, graph } = resolved
  const peers = Array.from({ length: graph.n }, (_, i) => createPeerStep(experiment, problem, graph, i))
  const out: number[][] = []
  for (let t = 0; t < rounds; t++) {
    out.push(peers.map((p) => p.params[0]!))
    const messages = peers.map((p) => p.prepare(t))
    peers.forEach((p, i) =>
      p.combine(
        t,
        graph.neighbours[i]!.map((j) => messages[j]!),
      ),
    )
  }
  return out
}

describe('Kalan, Soltanolkotabi & Avestimehr (Kalan et al. 2019): planted ReLU', () => {
  // n = 200 samples around 10 d (d = 20), 4 peers, batch 10 per peer, Gaussian features
  const base = {
    swarm: { peers: 4 },
    topology: { kind: 'complete' },
    problem: { kind: 'planted', loss: 'relu', dim: 20, samples_per_peer: 50, seed: 1, feature_scale: 'standard' },
    run: { rounds: 300, target: 1e-10 },
  }

  it('SGD converges linearly to w*, and quantized gradient averaging (QSGD, 16 levels) matches it with fewer bytes', () => {
    const plain = run({
      ...base,
      algorithm: { kind: 'allreduce-sgd', eta: 0.8, sampling: { kind: 'batch', size: 10 } },
    })
    expect(plain.ref?.kind).toBe('planted')
    expect(plain.result.converged).toBe(true)
    // linear: the error falls by a steady factor per round (log-error slopes over two windows agree within 30%)
    const h = plain.result.maxErrorHistory
    const slope = (a: number, b: number): number => Math.log(h[b]! / h[a]!) / (b - a)
    expect(slope(20, 70)).toBeLessThan(-0.05)
    expect(Math.abs(slope(70, 120) / slope(20, 70) - 1)).toBeLessThan(0.3)
    const quantized = resolveExperiment(
      experimentFrom({
        ...base,
        algorithm: { kind: 'allreduce-sgd', eta: 0.62, sampling: { kind: 'batch', size: 10 } },
        compression: { kind: 'qsgd', levels: 16 },
      }),
      work,
    )
    const ref = runReference(quantized)!
    const channel = createChannel(quantized.experiment, 4, 20)
    const q = simulate({ ...quantized, reference: ref.w, messageBytes: () => 0, channel })
    expect(q.converged).toBe(true)
    expect(q.rounds).toBeLessThan(300)
    for (const p of q.params) expect(Array.from(p)).toEqual(Array.from(q.params[0]!)) // replicas stay identical
    // QSGD payloads: a float32 norm and 6 bits per coordinate instead of 64; whole frames include the envelope
    expect(vectorPayloadBytes({ codec: 'qsgd', levels: 16 }, 20)).toBe(4 + 15)
    const bytesPerMessage = q.bytesSent[0]! / (q.rounds * 3)
    const f64Frame = wireBytesOfVector({ swarm: 'meshgd', round: 100, from: 0, kind: 'params', codec: 'f64', dim: 20 })
    expect(bytesPerMessage).toBeLessThan(0.4 * f64Frame)
  })
})

describe('Mitra (Mitra 2018 Eqs. 10-12): Bernoulli sampling', () => {
  it('the measured contraction of E|w - w*|^2 at Mitra eta* is within g*', () => {
    for (const m of [2, 8]) {
      const { contraction, spectrum } = meanSquaredContraction({ kind: 'bernoulli', size: m })
      expect(contraction).toBeLessThanOrEqual(mitraBernoulli(spectrum, m).g_star * 1.0005)
    }
  })
})

describe('the other losses in a run', () => {
  for (const [loss, extra] of [
    ['logistic', {}],
    ['softmax', { classes: 3 }],
    ['quartic', {}],
  ] as const) {
    it(`${loss}: every algorithm lowers the mean local loss`, () => {
      for (const algorithm of [
        { kind: 'elastic', eta: 0.5, mu: 0.2 },
        { kind: 'quorum', eta: 0.5, k: 0.5 },
        { kind: 'easgd', eta: 0.5, alpha: 0.1 },
        { kind: 'local', eta: 0.5, local_steps: 5 },
      ]) {
        const resolved = resolveExperiment(
          experimentFrom({
            swarm: { peers: 4 },
            topology: { kind: 'ring' },
            problem: { kind: 'planted', loss, dim: 8, samples_per_peer: 10, seed: 3, ...extra },
            algorithm,
            run: { rounds: 200, record_every: 200 },
          }),
          work,
        )
        const losses: number[] = []
        simulate(
          { ...resolved, reference: null, messageBytes: () => 0 },
          { onRecord: (recs) => losses.push(recs.reduce((s, r) => s + r.loss, 0) / recs.length) },
        )
        expect(losses.every(Number.isFinite)).toBe(true)
        expect(losses[losses.length - 1]!).toBeLessThan(0.8 * losses[0]!)
      }
    })
  }
})
