/**
 * Extreme eigenvalues of a symmetric operator by Lanczos with full reorthogonalisation (pure, seeded start).
 * Good for the matrix-free theory of large swarms; the Ritz values of the tridiagonal matrix come from a dense
 * symmetric eigen-solve (ml-matrix) of size <= maxIterations.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { Rng } from '../util/rng.js'

export interface LanczosOptions {
  readonly maxIterations?: number
  /** Stop when both extreme Ritz residuals are below tol * max(|lambda|, 1e-300)... relative. */
  readonly tol?: number
  readonly seed?: number
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
      const converged = (resLo <= tol * scale && resHi <= tol * scale) || b < 1e-14 * scale
      result = { min: lo, max: hi, iterations: m, converged }
      if (converged) return result
    }
    if (b < 1e-300) break
    beta.push(b)
    q = Float64Array.from(w, (x) => x / b)
  }
  if (!(result.iterations === alpha.length)) {
    const { values } = tridiagonalEigen(alpha, beta.slice(0, alpha.length - 1))
    result = { min: values[0]!, max: values[values.length - 1]!, iterations: alpha.length, converged: alpha.length === size }
  }
  return result
}

function tridiagonalEigen(alpha: readonly number[], beta: readonly number[]): { values: number[]; lastComponents: number[] } {
  const m = alpha.length
  const T = Matrix.zeros(m, m)
  for (let i = 0; i < m; i++) {
    T.set(i, i, alpha[i]!)
    if (i + 1 < m) {
      T.set(i, i + 1, beta[i]!)
      T.set(i + 1, i, beta[i]!)
    }
  }
  const evd = new EigenvalueDecomposition(T, { assumeSymmetric: true })
  const order = evd.realEigenvalues.map((v, k) => [v, k] as const).sort((a, b) => a[0] - b[0])
  const V = evd.eigenvectorMatrix
  return { values: order.map(([v]) => v), lastComponents: order.map(([, k]) => V.get(m - 1, k)) }
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
