/**
 * The stochastic gradient g_i of docs/algorithms.md "Sampling: the stochastic gradient g_i": full, batch with replacement, Bernoulli.
 * Randomness comes from the peer's own stream (`Rng.derive(run seed, peer index, 'sampling')`), drawn in a fixed
 * order, so a networked peer draws exactly what the simulator draws for it.
 */
import type { SamplingSpec } from '../config/schema.js'
import { addSampleGradient, localGradient } from '../problems/losses.js'
import type { LossKind, Shard } from '../problems/types.js'
import type { Rng } from '../util/rng.js'

export interface GradientContext {
  readonly loss: LossKind
  readonly shard: Shard
  readonly classes: number
  readonly sampling: SamplingSpec
  readonly rng: Rng
  /** Scratch for kernels that need one (softmax: length >= classes). */
  readonly scratch: Float64Array
  /** Standard deviation of Gaussian noise added to each coordinate (Boffi & Slotine 2020 Eq. 1), drawn from `noiseRng`. */
  readonly noise?: number
  readonly noiseRng?: Rng
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
  const { loss, shard, classes, sampling, rng, scratch } = ctx
  switch (sampling.kind) {
    case 'full':
      return localGradient(loss, shard, w, classes, out)
    case 'batch': {
      // m indices uniform with replacement (Ma, Bassily & Belkin 2017 Sec. 2, Kalan et al. 2019 Alg. 1); g = (1/m) sum grad l_s, in draw order.
      out.fill(0)
      const m = sampling.size
      const scale = 1 / m
      for (let b = 0; b < m; b++) addSampleGradient(loss, shard, rng.int(shard.rows), w, classes, scale, out, scratch)
      return out
    }
    case 'bernoulli': {
      // Each sample with probability p = m / m_i, divided by the expected batch m (Mitra 2018 Eq. 8: unbiased).
      out.fill(0)
      const m = sampling.size
      const p = m / shard.rows
      const scale = p >= 1 ? 1 / shard.rows : 1 / m
      for (let s = 0; s < shard.rows; s++) {
        if (rng.uniform() < p) addSampleGradient(loss, shard, s, w, classes, scale, out, scratch)
      }
      return out
    }
  }
}
