/**
 * Independent spectral facts for the experiment claim tests, computed from the data with ml-matrix (not with
 * src/theory): the nonzero eigenvalues of H = (1/n) sum_i H_i, H_i = (1/m_i) sum_{s in S_i} x_s x_s^T.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import type { Shard } from '../../src/problems/types.js'

/** Nonzero eigenvalues (ascending) of H = (1/n) sum_i (1/m_i) X_i^T X_i, from the d x d matrix. */
export function peerAveragedHessianEigenvalues(shards: readonly Shard[]): number[] {
  const d = shards[0]!.dim
  const H = Matrix.zeros(d, d)
  for (const s of shards) {
    for (let r = 0; r < s.rows; r++) {
      for (let a = 0; a < d; a++) {
        const xa = s.features[r * d + a]!
        for (let b = 0; b < d; b++) H.set(a, b, H.get(a, b) + (xa * s.features[r * d + b]!) / (s.rows * shards.length))
      }
    }
  }
  const ev = new EigenvalueDecomposition(H, { assumeSymmetric: true }).realEigenvalues.sort((x, y) => x - y)
  const top = ev[ev.length - 1]!
  return ev.filter((v) => v > top * 1e-10)
}
