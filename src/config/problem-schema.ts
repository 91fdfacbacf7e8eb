/**
 * The `problem:` section of the experiment file (part of schema.ts): planted data, a CSV file, or a problem module
 * of the user's (docs/problems.md); docs/configuration.md lists the fields. No `kind` means planted.
 */
import { z } from 'zod'
import { int } from './numbers.js'

const lossKinds = ['squared', 'relu', 'logistic', 'softmax', 'quartic'] as const

const plantedSchema = z.strictObject({
  kind: z.literal('planted'),
  loss: z.enum(lossKinds).default('squared'),
  dim: int(1).default(200),
  samples_per_peer: int(1).default(1),
  seed: int(0).default(1),
  /** Standard deviation of label noise (0: the planted w* fits every sample exactly). */
  noise: z.number().min(0).default(0),
  /** softmax only: number of classes K. */
  classes: int(2).default(3),
  /** unit-norm: Gaussian rows scaled by 1/sqrt(dim), so |x| is about 1; standard: N(0, 1) entries (Kalan et al. 2019). */
  feature_scale: z.enum(['unit-norm', 'standard']).default('unit-norm'),
})

const csvSchema = z.strictObject({
  kind: z.literal('csv'),
  path: z.string().min(1),
  loss: z.enum(lossKinds).default('squared'),
  /** Target column: a header name, or a 0-based index (negative counts from the end; -1 is the last column). */
  target: z.union([z.string().min(1), z.number().int()]).default(-1),
  header: z.boolean().default(true),
  shard: z.enum(['contiguous', 'round-robin']).default('contiguous'),
  delimiter: z.string().length(1).default(','),
  /** softmax only: number of classes (0: one more than the largest label). */
  classes: int(0).default(0),
})

/** Your own problem: an ES module whose default export builds it (docs/problems.md "The module contract"). */
const moduleSchema = z.strictObject({
  kind: z.literal('module'),
  /** The module file, relative to the experiment file. */
  path: z.string().min(1),
  /** Handed to the module's default export as its first argument. */
  options: z.record(z.string(), z.unknown()).default({}),
})

export const problemSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'planted' } : v),
  z.discriminatedUnion('kind', [plantedSchema, csvSchema, moduleSchema]),
)
