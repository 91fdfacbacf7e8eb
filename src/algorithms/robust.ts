/**
 * Opt-in defences against faulty neighbours (`algorithm.robust`, SECURITY.md). Pure kernels.
 *
 * - `clipTowards`: replace a neighbour's vector v by  self + (v - self) * min(1, tau / |v - self|), so one
 *   neighbour moves this peer by at most (its coupling weight) * tau per round whatever it sends. With honest
 *   neighbours near consensus |v - self| is small and the clip is inactive: the iterates are then bit-identical to
 *   the plain update.
 * - `robustAggregate`: coordinate-wise trimmed mean (drop the `trim` largest and `trim` smallest values) or median
 *   over the peer's own vector and its neighbours' vectors, in place of the weighted mixing sum. Cost per round:
 *   O(d (k+1) log(k+1)) instead of O(d k), and the mixing is no longer a doubly stochastic average, so the exact
 *   minimum-norm answer of the plain algorithms is not guaranteed (docs/faults.md "Robust options").
 */

/** out = self + (v - self) * min(1, tau / |v - self|); returns out (v itself, untouched, when within tau). */
export function clipTowards(out: Float64Array, v: Float64Array, self: Float64Array, tau: number): Float64Array {
  const d = v.length
  if (self.length !== d || out.length !== d)
    throw new RangeError(`clipTowards: sizes differ (${d}, ${self.length}, ${out.length})`)
  let sq = 0
  for (let k = 0; k < d; k++) {
    const e = v[k]! - self[k]!
    sq += e * e
  }
  const dist = Math.sqrt(sq)
  if (dist <= tau) return v
  const s = tau / dist
  for (let k = 0; k < d; k++) out[k] = self[k]! + (v[k]! - self[k]!) * s
  return out
}

/** out = v * min(1, tau / |v|) (a gradient's norm clip); returns v itself when within tau. */
export function clipNorm(out: Float64Array, v: Float64Array, tau: number): Float64Array {
  let sq = 0
  for (let k = 0; k < v.length; k++) sq += v[k]! * v[k]!
  const n = Math.sqrt(sq)
  if (n <= tau) return v
  const s = tau / n
  for (let k = 0; k < v.length; k++) out[k] = v[k]! * s
  return out
}

export type RobustAggregate = 'trimmed-mean' | 'median'

/**
 * Coordinate-wise trimmed mean or median of `vectors` into `out` (`scratch` holds at least vectors.length numbers).
 * Trimmed mean of m values: sort, drop `trim` at each end, average the rest in ascending order. Median: the middle
 * value, or the mean of the two middle values when m is even.
 */
export function robustAggregate(
  out: Float64Array,
  vectors: readonly Float64Array[],
  kind: RobustAggregate,
  trim: number,
  scratch: Float64Array,
): Float64Array {
  const m = vectors.length
  if (m === 0) throw new RangeError('robustAggregate: no vectors')
  if (kind === 'trimmed-mean' && 2 * trim >= m)
    throw new RangeError(`robustAggregate: trimming ${trim} from each end of ${m} values leaves none`)
  const d = out.length
  for (const v of vectors)
    if (v.length !== d) throw new RangeError(`robustAggregate: vector of length ${v.length}, expected ${d}`)
  const values = scratch.subarray(0, m)
  for (let k = 0; k < d; k++) {
    for (let j = 0; j < m; j++) values[j] = vectors[j]![k]!
    values.sort()
    if (kind === 'median') {
      out[k] = m % 2 === 1 ? values[(m - 1) / 2]! : (values[m / 2 - 1]! + values[m / 2]!) / 2
    } else {
      let acc = 0
      for (let j = trim; j < m - trim; j++) acc += values[j]!
      out[k] = acc / (m - 2 * trim)
    }
  }
  return out
}
