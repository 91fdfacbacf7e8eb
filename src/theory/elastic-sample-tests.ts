/**
 * The positive-definiteness tests the sample-space path of `elastic` bisects on (pure; the derivation is in
 * elastic-sample-space.ts's header): `aboveTop(t)` is t > lambda_max(A_U), `belowBottom(t)` is t < lambda_min(A_U),
 * each one Cholesky of an N x N matrix built from a function of the Laplacian, in a workspace allocated once.
 */
import { choleskyInPlace, solveLowerInPlace } from '../linalg/cholesky.js'
import type { SampleBasis } from './elastic-basis.js'
import type { LaplacianEigen } from './elastic-engine.js'

export interface Workspace {
  readonly basis: SampleBasis
  readonly lap: LaplacianEigen
  /** Y Y^T, N x N */
  readonly gram: Float64Array
  readonly F: Float64Array
  readonly scaledVectors: Float64Array
  readonly K: Float64Array
  readonly W: Float64Array
  readonly T: Float64Array
}

export function workspace(basis: SampleBasis, lap: LaplacianEigen): Workspace {
  const N = basis.samples
  const r = basis.rank
  const Y = basis.coords
  const gram = new Float64Array(N * N)
  for (let s = 0; s < N; s++) {
    for (let t = s; t < N; t++) {
      let z = 0
      for (let c = 0; c < r; c++) z += Y[s * r + c] * Y[t * r + c]
      gram[s * N + t] = z
      gram[t * N + s] = z
    }
  }
  const n = lap.n
  return {
    basis,
    lap,
    gram,
    F: new Float64Array(n * n),
    scaledVectors: new Float64Array(n * n),
    K: new Float64Array(N * N),
    W: new Float64Array(N * r),
    T: new Float64Array(r * r),
  }
}

/** F = sum_k h(lambda_k) v_k v_k^T (n x n), leaving out the constant mode k = 1 when `skipConstant`. */
export function laplacianFunction(ws: Workspace, h: (lambda: number) => number, skipConstant: boolean): void {
  const { n, values, vectors: V } = ws.lap
  const Vh = ws.scaledVectors
  for (let k = 0; k < n; k++) {
    const hk = skipConstant && k === 0 ? 0 : h(values[k])
    for (let i = 0; i < n; i++) Vh[i * n + k] = V[i * n + k] * hk
  }
  // F_ij = sum_k Vh_ik V_jk in k order for j >= i, mirrored; four entries at a time (2 x 2 tiles share their loads)
  const F = ws.F
  for (let i = 0; i < n; i += 2) {
    const i1 = Math.min(i + 1, n - 1)
    for (let j = i; j < n; j += 2) {
      const j1 = Math.min(j + 1, n - 1)
      let s00 = 0
      let s01 = 0
      let s10 = 0
      let s11 = 0
      for (let k = 0; k < n; k++) {
        const a0 = Vh[i * n + k]
        const a1 = Vh[i1 * n + k]
        const b0 = V[j * n + k]
        const b1 = V[j1 * n + k]
        s00 += a0 * b0
        s01 += a0 * b1
        s10 += a1 * b0
        s11 += a1 * b1
      }
      // each entry on or above the diagonal from its own sum (an odd last row or column pairs with itself)
      F[i * n + j] = F[j * n + i] = s00
      if (j1 > j) F[i * n + j1] = F[j1 * n + i] = s01
      if (i1 > i && j > i) F[i1 * n + j] = F[j * n + i1] = s10
      if (i1 > i && j1 > j) F[i1 * n + j1] = F[j1 * n + i1] = s11
    }
  }
}

/** K = (scale Phi(F) + gramScale Y Y^T) + diag I, from the last `laplacianFunction`. */
export function expand(ws: Workspace, scale: number, gramScale: number, diag: number): void {
  const N = ws.basis.samples
  const n = ws.lap.n
  const p = ws.basis.peerOf
  for (let s = 0; s < N; s++) {
    const row = p[s] * n
    for (let t = 0; t < N; t++) ws.K[s * N + t] = (scale * ws.F[row + p[t]] + gramScale) * ws.gram[s * N + t]
    ws.K[s * N + s] += diag
  }
}

/** t > lambda_max(A_U). */
export function aboveTop(ws: Workspace, eta: number, mu: number, t: number): boolean {
  if (!(t > mu * ws.lap.values[ws.lap.n - 1])) return false
  laplacianFunction(ws, (lambda) => 1 / (t - mu * lambda), false)
  expand(ws, -eta, 0, 1)
  return choleskyInPlace(ws.K, ws.basis.samples)
}

/** t < lambda_min(A_U), for 0 < t < mu lambda_2 (any t > 0 when n = 1). */
export function belowBottom(ws: Workspace, eta: number, mu: number, t: number): boolean {
  const N = ws.basis.samples
  const r = ws.basis.rank
  const tn = t * ws.lap.n
  laplacianFunction(ws, (lambda) => 1 / (mu * lambda - t), true)
  if (r === N) {
    expand(ws, -1, 1 / tn, -1 / eta)
    return choleskyInPlace(ws.K, N)
  }
  expand(ws, 1, 0, 1 / eta)
  if (!choleskyInPlace(ws.K, N)) return false // S >= I / eta: only on overflow
  ws.W.set(ws.basis.coords)
  solveLowerInPlace(ws.K, N, ws.W, r)
  for (let a = 0; a < r; a++) {
    for (let b = a; b < r; b++) {
      let z = 0
      for (let s = 0; s < N; s++) z += ws.W[s * r + a] * ws.W[s * r + b]
      ws.T[a * r + b] = z - (a === b ? tn : 0)
      ws.T[b * r + a] = ws.T[a * r + b]
    }
  }
  return choleskyInPlace(ws.T, r)
}
