/**
 * The Gram matrix X X^T of every sample of a problem, formed once per problem: the SGD spectrum (sgd.ts) and the
 * elastic basis (elastic-basis.ts) both need it, and at N = 64, d = 10^6 each forming cost about 0.7 s of a
 * `meshgd theory` run. Cached against the shards array, so a problem's Gram lives as long as the problem; rows in
 * shard order, the order both callers use, so the matrix is the one each would have formed. Treat it as read-only.
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

/** G = X X^T of `rows` (sampleRowsOf(shards)), formed at the first call for these shards. */
export function sampleGram(shards: readonly Shard[], rows: readonly Float64Array[] = sampleRowsOf(shards)): Float64Array {
  const known = cache.get(shards)
  if (known) return known
  const G = gramMatrix(rows, shards[0]!.dim)
  cache.set(shards, G)
  return G
}
