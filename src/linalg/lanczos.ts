/**
 * Extreme eigenvalues of a symmetric operator by Lanczos with full reorthogonalisation (pure, seeded start).
 * Good for the matrix-free theory of large swarms; the Ritz values of the tridiagonal matrix come from an implicit QL
 * iteration on it (tridiagonalEigen, O(m^2) per solve).
 */
import { Rng } from '../util/rng.js'

export interface LanczosOptions {
  readonly maxIterations?: number
  /** Stop when both extreme Ritz residuals are below tol * max(|lambda|, 1e-300)... relative. */
  readonly tol?: number
  readonly seed?: number
  /** 'max': only the largest Ritz value has to converge (a stability test). Default 'both'. */
  readonly converge?: 'both' | 'max'
  /** Stop as soon as the largest Ritz value exceeds this: Ritz values lie inside the spectrum, so lambda_max does too. */
  readonly stopAbove?: number
}

export interface LanczosResult {
  readonly min: number
  readonly max: number
  readonly iterations: number
  readonly converged: boolean
}

export function lanczosExtremes(
  size: number,
  apply: (x: Float64Array, out: Float64Array) => void,
  options: LanczosOptions = {},
): LanczosResult {
  // Full reorthogonalisation keeps every basis vector: cap their memory at about 512 MB.
  const maxIterations = Math.min(size, options.maxIterations ?? 400, Math.max(20, Math.floor(64e6 / size)))
  const tol = options.tol ?? 1e-12
  const rng = Rng.derive(options.seed ?? 1, -1, 'lanczos')
  const basis: Float64Array[] = []
  const alpha: number[] = []
  const beta: number[] = []
  let q = Float64Array.from({ length: size }, () => rng.gaussian())
  normalise(q)
  const w = new Float64Array(size)
  let result: LanczosResult = { min: NaN, max: NaN, iterations: 0, converged: false }
  for (let k = 0; k < maxIterations; k++) {
    basis.push(q)
    apply(q, w)
    const a = dot(w, q)
    alpha.push(a)
    // full reorthogonalisation (twice is enough)
    for (let pass = 0; pass < 2; pass++) {
      for (const v of basis) {
        const c = dot(w, v)
        for (let i = 0; i < size; i++) w[i] = w[i]! - c * v[i]!
      }
    }
    const b = Math.sqrt(dot(w, w))
    const m = alpha.length
    if (m >= 2 && (m % 5 === 0 || b < 1e-14 || m === maxIterations)) {
      const { values, lastComponents } = tridiagonalEigen(alpha, beta)
      const lo = values[0]!
      const hi = values[values.length - 1]!
      const scale = Math.max(Math.abs(lo), Math.abs(hi), 1e-300)
      const resLo = Math.abs(b * lastComponents[0]!)
      const resHi = Math.abs(b * lastComponents[values.length - 1]!)
      const loDone = options.converge === 'max' || resLo <= tol * scale
      const converged = (loDone && resHi <= tol * scale) || b < 1e-14 * scale
      result = { min: lo, max: hi, iterations: m, converged }
      if (converged || hi > (options.stopAbove ?? Infinity)) return result
    }
    if (b < 1e-300) break
    beta.push(b)
    q = Float64Array.from(w, (x) => x / b)
  }
  if (!(result.iterations === alpha.length)) {
    const { values } = tridiagonalEigen(alpha, beta.slice(0, alpha.length - 1))
    result = {
      min: values[0]!,
      max: values[values.length - 1]!,
      iterations: alpha.length,
      converged: alpha.length === size,
    }
  }
  return result
}

/**
 * Eigenvalues (ascending) of the symmetric tridiagonal matrix with diagonal alpha and off-diagonal beta, and the last
 * component of each unit eigenvector (for the Ritz residuals |beta_m z_m|): the implicit QL iteration of EISPACK
 * tql2 (as in JAMA and ml-matrix), with the rotations applied to the last row of the eigenvector matrix only, so
 * O(m^2) instead of the O(m^3) of a full eigen-decomposition (which dominated long Lanczos runs).
 */
export function tridiagonalEigen(
  alpha: readonly number[],
  beta: readonly number[],
): { values: number[]; lastComponents: number[] } {
  const n = alpha.length
  const d = Float64Array.from(alpha)
  const e = new Float64Array(n) // e[i] = T[i + 1][i]; e[n - 1] = 0
  for (let i = 0; i + 1 < n; i++) e[i] = beta[i]
  const z = new Float64Array(n) // last row of the eigenvector matrix
  z[n - 1] = 1
  let f = 0
  let tst1 = 0
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]))
    let m = l
    while (m < n && Math.abs(e[m]) > Number.EPSILON * tst1) m++
    if (m > l) {
      for (let iter = 0; iter < 100 && Math.abs(e[l]) > Number.EPSILON * tst1; iter++) f += qlSweep(d, e, z, l, m)
    }
    d[l] += f
    e[l] = 0
  }
  const order = Array.from(d, (_, k) => k).sort((a, b) => d[a] - d[b])
  return { values: order.map((k) => d[k]), lastComponents: order.map((k) => z[k]) }
}

/** One implicit QL step on the block l..m (tql2's inner loop); returns the shift applied to d[l + 2..]. */
function qlSweep(d: Float64Array, e: Float64Array, z: Float64Array, l: number, m: number): number {
  const n = d.length
  const g0 = d[l]
  let p = (d[l + 1] - g0) / (2 * e[l])
  let r = Math.hypot(p, 1)
  if (p < 0) r = -r
  d[l] = e[l] / (p + r)
  d[l + 1] = e[l] * (p + r)
  const dl1 = d[l + 1]
  const h0 = g0 - d[l]
  for (let i = l + 2; i < n; i++) d[i] -= h0
  p = d[m]
  let c = 1
  let c2 = c
  let c3 = c
  const el1 = e[l + 1]
  let s = 0
  let s2 = 0
  for (let i = m - 1; i >= l; i--) {
    c3 = c2
    c2 = c
    s2 = s
    const g = c * e[i]
    const h = c * p
    r = Math.hypot(p, e[i])
    e[i + 1] = s * r
    s = e[i] / r
    c = p / r
    p = c * d[i] - s * g
    d[i + 1] = h + s * (c * g + s * d[i])
    const zi1 = z[i + 1]
    z[i + 1] = s * z[i] + c * zi1
    z[i] = c * z[i] - s * zi1
  }
  p = (-s * s2 * c3 * el1 * e[l]) / dl1
  e[l] = s * p
  d[l] = c * p
  return h0
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

function normalise(v: Float64Array): void {
  const n = Math.sqrt(dot(v, v))
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n
}
