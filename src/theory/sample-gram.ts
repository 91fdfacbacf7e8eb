/**
 * The Gram matrix X X^T of every sample of a problem, formed once per problem: the SGD spectrum (sgd.ts) and the
 * elastic basis (elastic-basis.ts) both need it, and at N = 64, d = 10^6 each forming cost about 0.7 s of a
 * `meshgd theory` run. Cached against the shards array, so a problem's Gram lives as long as the problem; rows in
 * shard order, the order both callers use, so the matrix is the one each would have formed. Treat it as read-only.
 * Where it is known, neither caller reads the shards' features (for N < d).
 */
import { gramMatrix } from '../linalg/gram.js'
import type { Shard } from '../problems/types.js'

const cache = new WeakMap<readonly Shard[], Float64Array>()

/** Every sample row, shard by shard (views into the shards' features). */
export function sampleRowsOf(shards: readonly Shard[]): Float64Array[] {
  const rows: Float64Array[] = []
  for (const s of shards) for (let r = 0; r < s.rows; r++) rows.push(s.features.subarray(r * s.dim, (r + 1) * s.dim))
  return rows
}

/** G = X X^T of sampleRowsOf(shards), formed at the first call for these shards unless given (seedSampleGram). */
export function sampleGram(shards: readonly Shard[]): Float64Array {
  const known = cache.get(shards)
  if (known) return known
  const G = gramMatrix(sampleRowsOf(shards), shards[0]!.dim)
  cache.set(shards, G)
  return G
}

/**
 * Give the Gram matrix of these shards, computed elsewhere bit for bit as sampleGram would (theory/planted-gram.ts
 * in worker threads), so that the theory never reads the shards' features.
 */
export function seedSampleGram(shards: readonly Shard[], G: Float64Array): void {
  const N = shards.reduce((sum, s) => sum + s.rows, 0)
  if (G.length !== N * N) throw new RangeError(`seedSampleGram: ${G.length} entries for ${N} samples`)
  cache.set(shards, G)
}
