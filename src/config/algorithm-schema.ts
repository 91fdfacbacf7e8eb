/**
 * The `algorithm:` section of the experiment file (part of schema.ts): one strict object per `algorithm.kind`, the
 * fields they share, and the sampling of the stochastic gradient (docs/algorithms.md; docs/configuration.md lists the
 * fields). An algorithm added here is added to the discriminated union at the end.
 */
import { z } from 'zod'
import { int, positive } from './numbers.js'

const samplingSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { kind: v } : v),
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('full') }),
    /** m indices uniform with replacement (Ma, Bassily & Belkin 2017, Kalan et al. 2019). */
    z.strictObject({ kind: z.literal('batch'), size: int(1).default(1), replace: z.literal(true).default(true) }),
    /** each sample independently with probability size / m_i; divide by the expected batch (Mitra 2018 Eq. 8). */
    z.strictObject({ kind: z.literal('bernoulli'), size: positive().default(1) }),
  ]),
)

/** Fields every algorithm shares. */
const common = {
  /** Gradient step eta, or `auto`: eta*(m) of Ma, Bassily & Belkin 2017 for sampled gradients, the rate-optimal step for elastic. */
  eta: z.union([positive(), z.literal('auto')]).default(0.5),
  /** Standard deviation of Gaussian noise added to every gradient coordinate (Boffi & Slotine 2020 Eq. 1's zeta / sqrt(b)). */
  gradient_noise: z.number().min(0).default(0),
  sampling: samplingSchema.prefault('full'),
  /** Agent-specific learning rates (Boffi & Slotine 2020 Sec. 3.3): peer i uses eta_per_peer[i] in place of eta. */
  eta_per_peer: z.array(positive()).nullable().default(null),
  /**
   * Opt-in defences against faulty neighbours (SECURITY.md); they cost exactness, see docs/faults.md
   * "Robust options".
   */
  robust: z
    .strictObject({
      /** Clip each neighbour's contribution v_j - w_i (a gradient, for allreduce-sgd) to this Euclidean norm. */
      clip: positive().nullable().default(null),
      /** Mixing-matrix algorithms: coordinate-wise trimmed mean or median over the peer and its neighbours. */
      aggregate: z.enum(['weighted', 'trimmed-mean', 'median']).default('weighted'),
      /** trimmed-mean: drop this many of the largest and of the smallest values per coordinate. */
      trim: int(1).default(1),
    })
    .prefault({}),
}

/** Local gradient steps per round before the communication step (Zhang & Li 2022): 1 is the plain update. */
const localStepsField = int(1).max(1_000_000).default(1)

const elasticSchema = z.strictObject({
  kind: z.literal('elastic'),
  ...common,
  /** Per-round coupling gain mu of Eq. 14 (it already contains the step), or `auto`: the theory's rate-optimal mu. */
  mu: z.union([z.number().min(0), z.literal('auto')]).default(0.2),
  local_steps: localStepsField,
})

const quorumSchema = z.strictObject({
  kind: z.literal('quorum'),
  ...common,
  /** Coupling strength k of Boffi & Slotine 2020 Eq. 7. */
  k: z.number().min(0).default(0.5),
  /** Piecewise-constant schedule [[from_round, k], ...] (Boffi & Slotine 2020 recommends low k early, higher later). */
  k_schedule: z
    .array(z.tuple([int(0), z.number().min(0)]))
    .nullable()
    .default(null),
  local_steps: localStepsField,
})

const easgdSchema = z.strictObject({
  kind: z.literal('easgd'),
  ...common,
  /** Elastic pull of each x_i towards its centre copy (Boffi & Slotine 2020 Eq. 5: alpha = eta k). */
  alpha: z.number().min(0).max(1).default(0.1),
  /** Pull of the centre towards the peers (null: min(0.9, n alpha); Boffi & Slotine 2020: beta = eta n k). */
  beta: z.number().min(0).max(1).nullable().default(null),
  /** Communicate every `period` rounds; other rounds are plain local steps (tau in Boffi & Slotine 2020). */
  period: int(1).default(1),
})

const localSchema = z.strictObject({
  kind: z.literal('local'),
  ...common,
  /** T local steps before each averaging (Zhang & Li 2022 Algorithm 1); `infinity`: until |grad l_i|^2 <= tol. */
  local_steps: z.union([int(1).max(1_000_000), z.literal('infinity')]).default(10),
  /** With local_steps: infinity, stop local steps once |grad l_i(u)|^2 <= tol ... */
  tol: positive().default(1e-20),
  /** ... or after max_steps steps. */
  max_steps: int(1).default(10_000),
})

const allreduceSchema = z.strictObject({
  kind: z.literal('allreduce-sgd'),
  ...common,
})

/** The step of the decentralized methods, where 0 is allowed: with eta 0, dsgd and push-sum are plain gossip averaging. */
const gossipEta = z.union([z.number().min(0), z.literal('auto')]).default(0.5)

const dsgdSchema = z.strictObject({
  kind: z.literal('dsgd'),
  ...common,
  eta: gossipEta,
  /** Send w_i - eta g_i(w_i) and average those (adapt then combine), rather than average, then step (Lian et al. 2017). */
  adapt_then_combine: z.boolean().default(false),
})

/** DIGing (Nedic, Olshevsky & Shi 2017): w and the gradient tracker y travel together, one message a round. */
const trackingSchema = z.strictObject({ kind: z.literal('gradient-tracking'), ...common })

/** Stochastic gradient push (Assran et al. 2019) over column-stochastic weights: numerators and weights pushed. */
const pushSumSchema = z.strictObject({ kind: z.literal('push-sum'), ...common, eta: gossipEta })

/** Push-DIGing (Nedic, Olshevsky & Shi 2017): push-sum with gradient tracking, exact on directed graphs. */
const pushDigingSchema = z.strictObject({ kind: z.literal('push-diging'), ...common })

export const algorithmSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'elastic' } : v),
  z.discriminatedUnion('kind', [
    elasticSchema,
    quorumSchema,
    easgdSchema,
    localSchema,
    allreduceSchema,
    dsgdSchema,
    trackingSchema,
    pushSumSchema,
    pushDigingSchema,
  ]),
)
