/**
 * The stochastic gradient g_i of docs/algorithms.md "Sampling: the stochastic gradient g_i": full, batch with replacement, Bernoulli.
 * Randomness comes from the peer's own stream (`Rng.derive(run seed, peer index, 'sampling')`), drawn in a fixed
 * order, so a networked peer draws exactly what the simulator draws for it.
 */
import type { Experiment, SamplingSpec } from '../config/schema.js'
import { objectiveOf } from '../problems/objective.js'
import type { Objective, Problem } from '../problems/types.js'
import { Rng } from '../util/rng.js'

export interface GradientContext {
  /** The peer's own f_i: a built-in loss over its shard, or a problem module's functions. */
  readonly objective: Objective
  readonly sampling: SamplingSpec
  readonly rng: Rng
  /** Standard deviation of Gaussian noise added to each coordinate (Boffi & Slotine 2020 Eq. 1), drawn from `noiseRng`. */
  readonly noise?: number
  readonly noiseRng?: Rng
  /**
   * The indices drawn this round, written in place: `batch` fixed at `sampling.size`; Bernoulli's variable length
   * views of one buffer, made once per length (no allocation per round once seen).
   */
  readonly batch: Int32Array
  readonly drawn: Int32Array[]
}

/** Peer i's gradient context: its objective, the sampling, and its own random streams. */
export function gradientContext(experiment: Experiment, problem: Problem, index: number): GradientContext {
  const objective = objectiveOf(problem, index)
  const sampling = experiment.algorithm.sampling
  return {
    objective,
    sampling,
    rng: Rng.derive(experiment.run.seed, index, 'sampling'),
    noise: experiment.algorithm.gradient_noise,
    noiseRng: Rng.derive(experiment.run.seed, index, 'gradient-noise'),
    ...batchBuffers(sampling, objective.samples),
  }
}

/** The reusable index buffers of a gradient context for a peer with `samples` samples. */
export function batchBuffers(sampling: SamplingSpec, samples: number): Pick<GradientContext, 'batch' | 'drawn'> {
  const length = sampling.kind === 'batch' ? sampling.size : sampling.kind === 'bernoulli' ? samples : 0
  return { batch: new Int32Array(length), drawn: [] }
}

/** out = g_i(w) plus the configured Gaussian gradient noise. Returns out. */
export function stochasticGradient(ctx: GradientContext, w: Float64Array, out: Float64Array): Float64Array {
  sampledGradient(ctx, w, out)
  const sigma = ctx.noise ?? 0
  if (sigma > 0 && ctx.noiseRng) {
    const rng = ctx.noiseRng
    for (let k = 0; k < out.length; k++) out[k] = out[k]! + sigma * rng.gaussian()
  }
  return out
}

function sampledGradient(ctx: GradientContext, w: Float64Array, out: Float64Array): Float64Array {
  const { objective, sampling, rng } = ctx
  switch (sampling.kind) {
    case 'full':
      return objective.gradient(w, out)
    case 'batch': {
      // m indices uniform with replacement (Ma, Bassily & Belkin 2017 Sec. 2, Kalan et al. 2019 Alg. 1); g = (1/m) sum grad l_s, in draw order.
      const m = sampling.size
      const batch = viewOf(ctx, m)
      for (let b = 0; b < m; b++) batch[b] = rng.int(objective.samples)
      return objective.batchGradient(w, batch, 1 / m, out)
    }
    case 'bernoulli': {
      // Each sample with probability p = m / m_i, divided by the expected batch m (Mitra 2018 Eq. 8: unbiased).
      const m = sampling.size
      const rows = objective.samples
      const p = m / rows
      let count = 0
      for (let s = 0; s < rows; s++) if (rng.uniform() < p) ctx.batch[count++] = s
      return objective.batchGradient(w, viewOf(ctx, count), p >= 1 ? 1 / rows : 1 / m, out)
    }
  }
}

/** The first `length` entries of the context's index buffer, as a view kept for the next round of that length. */
function viewOf(ctx: GradientContext, length: number): Int32Array {
  return (ctx.drawn[length] ??= ctx.batch.subarray(0, length))
}
