/**
 * The samples of every peer written in an orthonormal basis Q (d x r) of their span U, r = dim U (pure). Everything
 * the reduced theory of `elastic` needs (elastic.ts header) comes from these N x r coordinates.
 *
 * N < d: the Gram matrix G = X X^T = V S V^T (N x N, N^2 d / 2 multiply-adds); Q = X^T V_+ S_+^{-1/2}, so
 * X Q = V_+ S_+^{1/2} without forming Q. N >= d: X^T X = W S W^T (d x d), Q = W_+, X Q computed directly. In both
 * the eigenvalues at or below RANK_TOLERANCE * max(N, d) * S_max are rounding and dropped, which makes r the
 * numerical rank. (A dot product of length d carries a rounding error of at most about d eps relative; the full-space
 * oracle drops eigenvalues of X^T X below 1e-12 d S_max, the same rule for N <= d.)
 */
import { scatterMatrix } from '../linalg/gram.js'
import { symmetricEigen, symmetricEigenvalues } from '../linalg/symmetric-eigen.js'
import type { Shard } from '../problems/types.js'
import { sampleGram, sampleRowsOf } from './sample-gram.js'

export const RANK_TOLERANCE = 1e-12

export interface SampleBasis {
  readonly peers: number
  /** d */
  readonly dim: number
  /** N, all peers' samples together */
  readonly samples: number
  /** r = dim U */
  readonly rank: number
  /** offsets[i]..offsets[i+1]-1 are peer i's samples (peer order, then row order) */
  readonly offsets: Int32Array
  readonly peerOf: Int32Array
  /**
   * Y (N x r, row-major): row s is Q^T x_s / sqrt(m_i) for the peer i of sample s. Then Q^T H_i Q is the sum of
   * y_s y_s^T over peer i's samples, and Y Y^T is the Gram matrix with rows and columns scaled by 1/sqrt(m_i).
   */
  readonly coords: Float64Array
}

/** Where each peer's samples lie among all N (peer order, then row order). */
function sampleOffsets(shards: readonly Shard[]): { offsets: Int32Array; peerOf: Int32Array } {
  const offsets = new Int32Array(shards.length + 1)
  shards.forEach((shard, i) => (offsets[i + 1] = offsets[i] + shard.rows))
  const peerOf = new Int32Array(offsets[shards.length])
  for (let i = 0; i < shards.length; i++) peerOf.fill(i, offsets[i], offsets[i + 1])
  return { offsets, peerOf }
}

/** Indices of the eigenvalues kept as the range (above the rank threshold). */
function keptIndices(values: Float64Array, samples: number, dim: number): number[] {
  const top = values.length > 0 ? values[values.length - 1] : 0
  const floor = top * Math.max(samples, dim) * RANK_TOLERANCE
  const kept: number[] = []
  if (!(top > 0)) return kept
  values.forEach((v, k) => {
    if (v > floor) kept.push(k)
  })
  return kept
}

/** X Q from the Gram matrix (N < d; formed once per problem, sample-gram.ts). */
function coordsFromGram(shards: readonly Shard[], N: number, dim: number): { coords: Float64Array; rank: number } {
  const { values, vectors } = symmetricEigen(sampleGram(shards), N)
  const kept = keptIndices(values, N, dim)
  const r = kept.length
  const coords = new Float64Array(N * r)
  kept.forEach((k, c) => {
    const root = Math.sqrt(values[k])
    for (let s = 0; s < N; s++) coords[s * r + c] = vectors[s * N + k] * root
  })
  return { coords, rank: r }
}

/** X Q from X^T X (N >= d). */
function coordsFromScatter(rows: Float64Array[], dim: number): { coords: Float64Array; rank: number } {
  const N = rows.length
  const { values, vectors } = symmetricEigen(scatterMatrix(rows, dim), dim)
  const kept = keptIndices(values, N, dim)
  const r = kept.length
  const Qt = new Float64Array(r * dim) // Q^T, row c = the eigenvector kept[c], contiguous for the dot products
  kept.forEach((k, c) => {
    for (let a = 0; a < dim; a++) Qt[c * dim + a] = vectors[a * dim + k]
  })
  const coords = new Float64Array(N * r)
  for (let s = 0; s < N; s++) {
    const x = rows[s]
    for (let c = 0; c < r; c++) {
      let z = 0
      for (let a = 0; a < dim; a++) z += x[a] * Qt[c * dim + a]
      coords[s * r + c] = z
    }
  }
  return { coords, rank: r }
}

export function sampleBasis(shards: readonly Shard[]): SampleBasis {
  const dim = shards[0].dim
  const { offsets, peerOf } = sampleOffsets(shards)
  const N = peerOf.length
  const { coords, rank } = N < dim ? coordsFromGram(shards, N, dim) : coordsFromScatter(sampleRowsOf(shards), dim)
  for (let s = 0; s < N; s++) {
    const i = peerOf[s]
    const w = 1 / Math.sqrt(offsets[i + 1] - offsets[i])
    for (let c = 0; c < rank; c++) coords[s * rank + c] *= w
  }
  return { peers: shards.length, dim, samples: N, rank, offsets, peerOf, coords }
}

/** Y^T Y restricted to samples lo..hi-1 (r x r): Q^T H_i Q for one peer, or n Q^T Hbar Q for all. */
function coordsCrossProduct(basis: SampleBasis, lo: number, hi: number): Float64Array {
  const r = basis.rank
  const Y = basis.coords
  const out = new Float64Array(r * r)
  for (let s = lo; s < hi; s++) {
    for (let a = 0; a < r; a++) {
      const ya = Y[s * r + a]
      for (let b = a; b < r; b++) out[a * r + b] += ya * Y[s * r + b]
    }
  }
  for (let a = 0; a < r; a++) for (let b = 0; b < a; b++) out[a * r + b] = out[b * r + a]
  return out
}

/** lambda_max(H_i), from the smaller of Y_i Y_i^T (m_i x m_i) and Y_i^T Y_i (r x r). */
function peerTop(basis: SampleBasis, i: number): number {
  const lo = basis.offsets[i]
  const hi = basis.offsets[i + 1]
  const m = hi - lo
  const r = basis.rank
  if (r === 0) return 0
  if (m <= r) {
    const small = new Float64Array(m * m)
    for (let s = 0; s < m; s++) {
      for (let t = 0; t < m; t++) {
        let z = 0
        for (let c = 0; c < r; c++) z += basis.coords[(lo + s) * r + c] * basis.coords[(lo + t) * r + c]
        small[s * m + t] = z
      }
    }
    return m === 1 ? small[0] : symmetricEigenvalues(small, m)[m - 1]
  }
  return symmetricEigenvalues(coordsCrossProduct(basis, lo, hi), r)[r - 1]
}

/**
 * The spectral facts of the Hessians: Hbar = (1/n) sum_i H_i has the nonzero spectrum of Q^T Hbar Q = Y^T Y / n;
 * lambda_min^+ uses the full-space rule (first eigenvalue above lambda_max * d * 1e-12).
 */
export function hessianFacts(basis: SampleBasis): { lambdaMinPlusH: number; lambdaMaxH: number; lambdaMaxHi: number } {
  const r = basis.rank
  const hbar = coordsCrossProduct(basis, 0, basis.samples).map((v) => v / basis.peers)
  const ev = symmetricEigenvalues(hbar, r)
  const lambdaMaxH = r > 0 ? ev[r - 1] : 0
  const lambdaMinPlusH = ev.find((v) => v > lambdaMaxH * basis.dim * 1e-12) ?? 0
  let lambdaMaxHi = 0
  for (let i = 0; i < basis.peers; i++) lambdaMaxHi = Math.max(lambdaMaxHi, peerTop(basis, i))
  return { lambdaMinPlusH, lambdaMaxH, lambdaMaxHi }
}
