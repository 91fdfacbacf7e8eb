/**
 * `elastic`: Mitra's graph elastic penalty, Mitra 2018 Eq. 14 (docs/algorithms.md "1. `elastic`: graph elastic penalty"):
 *
 *     w_i^{t+1} = w_i^t - eta * g_i(w_i^t) + mu * sum_{j in N(i)} a_ij (w_j^t - w_i^t)
 *
 * Pure kernel shared by the simulator and the networked peer. The summation order is fixed here, once, so every
 * implementation rounds identically: for each coordinate k, `acc` runs over neighbours in ascending index, then
 * `out[k] = (w[k] - eta * g[k]) + mu * acc`.
 */

export interface ElasticParams {
  readonly eta: number
  readonly mu: number
}

/**
 * One peer's update. `neighbours[j]` are the round-t vectors of N(i) in ascending peer index, `weights[j]` the
 * matching a_ij. `out` may not alias `w` or a neighbour vector (the caller double-buffers).
 */
export function elasticUpdate(
  out: Float64Array,
  w: Float64Array,
  g: Float64Array,
  neighbours: readonly Float64Array[],
  weights: ArrayLike<number>,
  params: ElasticParams,
  /** The peer's own vector in the coupling term: w itself, or its public copy in CHOCO difference mode. */
  self: Float64Array = w,
): Float64Array {
  const d = w.length
  if (self.length !== d) throw new RangeError(`elasticUpdate: self of length ${self.length}, expected ${d}`)
  if (out.length !== d || g.length !== d) {
    throw new RangeError(`elasticUpdate: sizes differ (w ${d}, g ${g.length}, out ${out.length})`)
  }
  if (weights.length !== neighbours.length) {
    throw new RangeError(`elasticUpdate: ${neighbours.length} neighbours but ${weights.length} weights`)
  }
  for (const v of neighbours) {
    if (v.length !== d) throw new RangeError(`elasticUpdate: neighbour vector of length ${v.length}, expected ${d}`)
    if (v === out) throw new RangeError('elasticUpdate: out aliases a neighbour vector')
  }
  if (out === w) throw new RangeError('elasticUpdate: out aliases w')
  const { eta, mu } = params
  const count = neighbours.length
  // Specialised loops for the common small degrees keep the hot path free of an inner loop over neighbours;
  // they add the terms in the same order as the general loop, so the bits are the same.
  if (count === 2) {
    const v0 = neighbours[0]!
    const v1 = neighbours[1]!
    const a0 = weights[0]!
    const a1 = weights[1]!
    for (let k = 0; k < d; k++) {
      const sk = self[k]!
      let acc = 0
      acc += a0 * (v0[k]! - sk)
      acc += a1 * (v1[k]! - sk)
      out[k] = w[k]! - eta * g[k]! + mu * acc
    }
    return out
  }
  for (let k = 0; k < d; k++) {
    const sk = self[k]!
    let acc = 0
    for (let j = 0; j < count; j++) acc += weights[j]! * (neighbours[j]![k]! - sk)
    out[k] = w[k]! - eta * g[k]! + mu * acc
  }
  return out
}
