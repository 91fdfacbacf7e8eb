/**
 * Kernels of the mixing-matrix algorithms (docs/algorithms.md sections 2-4), pure over Float64Array.
 *
 * Summation order, fixed once for every implementation: sum_{j in N(i) or j = i} W_ij v_j runs over
 * N(i) ∪ {i} in ascending index, the peer's own term at its own place in that order.
 */

/**
 * out = sum over ascending j in N(i) ∪ {i} of W_ij v_j. `neighbourIndices` ascending, aligned with `vectors` and
 * `weights`; `own` is v_i with weight `ownWeight`. `out` may not alias an input.
 */
export function mixInto(
  out: Float64Array,
  ownIndex: number,
  own: Float64Array,
  ownWeight: number,
  neighbourIndices: readonly number[],
  vectors: readonly Float64Array[],
  weights: ArrayLike<number>,
): Float64Array {
  const d = own.length
  if (out.length !== d) throw new RangeError(`mixInto: out ${out.length}, own ${d}`)
  if (vectors.length !== neighbourIndices.length || weights.length !== vectors.length) {
    throw new RangeError(
      `mixInto: ${neighbourIndices.length} indices, ${vectors.length} vectors, ${weights.length} weights`,
    )
  }
  for (const v of vectors) {
    if (v.length !== d) throw new RangeError(`mixInto: vector of length ${v.length}, expected ${d}`)
    if (v === out) throw new RangeError('mixInto: out aliases an input')
  }
  if (out === own) throw new RangeError('mixInto: out aliases own')
  // The terms in ascending index order.
  const terms: Float64Array[] = []
  const coefficients: number[] = []
  let placed = false
  for (let k = 0; k < vectors.length; k++) {
    if (!placed && ownIndex < neighbourIndices[k]!) {
      terms.push(own)
      coefficients.push(ownWeight)
      placed = true
    }
    terms.push(vectors[k]!)
    coefficients.push(weights[k]!)
  }
  if (!placed) {
    terms.push(own)
    coefficients.push(ownWeight)
  }
  out.fill(0)
  for (let j = 0; j < terms.length; j++) {
    const v = terms[j]!
    const c = coefficients[j]!
    for (let k = 0; k < d; k++) out[k] = out[k]! + c * v[k]!
  }
  return out
}

/**
 * out = w - eta g + eta kappa (z - s): quorum-sensing coupling (Boffi & Slotine 2020 Eq. 7, discretised with step eta); s is w,
 * or the peer's public copy in CHOCO difference mode.
 */
export function quorumUpdate(
  out: Float64Array,
  w: Float64Array,
  g: Float64Array,
  z: Float64Array,
  eta: number,
  kappa: number,
  self: Float64Array = w,
): Float64Array {
  const d = w.length
  if (out.length !== d || g.length !== d || z.length !== d || self.length !== d) {
    throw new RangeError(
      `quorumUpdate: sizes w ${d}, g ${g.length}, z ${z.length}, self ${self.length}, out ${out.length}`,
    )
  }
  const ek = eta * kappa
  for (let k = 0; k < d; k++) out[k] = w[k]! - eta * g[k]! + ek * (z[k]! - self[k]!)
  return out
}

/**
 * CHOCO-gossip's consensus step (Koloskova, Stich & Jaggi 2019): out = base + sum_j W_ij (c_j - c_i) over the
 * neighbours in ascending index, with the public copies c; equal to sum_j W_ij v_j when the copies are exact.
 */
export function copyMixInto(
  out: Float64Array,
  base: Float64Array,
  ownCopy: Float64Array,
  vectors: readonly Float64Array[],
  weights: ArrayLike<number>,
): Float64Array {
  const d = base.length
  if (out.length !== d || ownCopy.length !== d)
    throw new RangeError(`copyMixInto: sizes base ${d}, own ${ownCopy.length}, out ${out.length}`)
  for (const v of vectors)
    if (v.length !== d) throw new RangeError(`copyMixInto: vector of length ${v.length}, expected ${d}`)
  for (let k = 0; k < d; k++) {
    const ck = ownCopy[k]!
    let acc = 0
    for (let j = 0; j < vectors.length; j++) acc += weights[j]! * (vectors[j]![k]! - ck)
    out[k] = base[k]! + acc
  }
  return out
}

/** EASGD's message c + beta (x - c) (Boffi & Slotine 2020 Eqs. 5-6, adapt-then-combine). */
export function easgdMessage(out: Float64Array, x: Float64Array, c: Float64Array, beta: number): Float64Array {
  const d = x.length
  if (out.length !== d || c.length !== d)
    throw new RangeError(`easgdMessage: sizes x ${d}, c ${c.length}, out ${out.length}`)
  for (let k = 0; k < d; k++) out[k] = c[k]! + beta * (x[k]! - c[k]!)
  return out
}

/** x' = x - eta g - alpha (x - c) (Boffi & Slotine 2020 Eq. 5). With alpha = 0 this is a plain local step. */
export function easgdLocalUpdate(
  out: Float64Array,
  x: Float64Array,
  g: Float64Array,
  c: Float64Array,
  eta: number,
  alpha: number,
): Float64Array {
  const d = x.length
  if (out.length !== d || g.length !== d || c.length !== d) {
    throw new RangeError(`easgdLocalUpdate: sizes x ${d}, g ${g.length}, c ${c.length}, out ${out.length}`)
  }
  for (let k = 0; k < d; k++) out[k] = x[k]! - eta * g[k]! - alpha * (x[k]! - c[k]!)
  return out
}

/** u = u - eta g, in place (a local gradient step). */
export function gradientStep(u: Float64Array, g: Float64Array, eta: number): Float64Array {
  if (u.length !== g.length) throw new RangeError(`gradientStep: sizes u ${u.length}, g ${g.length}`)
  for (let k = 0; k < u.length; k++) u[k] = u[k]! - eta * g[k]!
  return u
}

/**
 * allreduce-sgd (Kalan et al. 2019 Eq. 2.2): out = w - eta * (1/n) sum_j q_j over ALL peers j in ascending index (the
 * peer's own quantized gradient included), so every replica computes the same bits.
 */
export function averagedStep(
  out: Float64Array,
  w: Float64Array,
  gradients: readonly Float64Array[],
  eta: number,
): Float64Array {
  const d = w.length
  const n = gradients.length
  if (out.length !== d) throw new RangeError(`averagedStep: out ${out.length}, w ${d}`)
  for (const g of gradients)
    if (g.length !== d) throw new RangeError(`averagedStep: gradient of length ${g.length}, expected ${d}`)
  for (let k = 0; k < d; k++) {
    let s = 0
    for (let j = 0; j < n; j++) s += gradients[j]![k]!
    out[k] = w[k]! - eta * (s / n)
  }
  return out
}
