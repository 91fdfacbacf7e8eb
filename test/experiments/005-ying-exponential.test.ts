/**
 * The claims of experiments/005-ying-exponential (16 peers, gossip averaging: dsgd with eta 0):
 * - on the one-peer exponential graph the error is at rounding (1e-15) at round log2 16 = 4 and not before, and the
 *   product of the four round matrices, built here by hand as (I + S^(2^k)) / 2 with S the cyclic shift, is 11^T / n;
 * - on the static exponential graph and the ring the error at round 4 is still above 1e-3, and each decays at the
 *   rate predicted: the second largest eigenvalue modulus of the Metropolis-Hastings matrix, computed here with a
 *   dense symmetric eigen-solve (exponential) and in closed form 1/3 + 2/3 cos(2 pi / n) (ring), within 2% of the
 *   measured per-round rate.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import { describe, expect, it } from 'vitest'
import { gossipRuns } from '../../experiments/005-ying-exponential/make.js'

const N = 16

/** Metropolis-Hastings W of an undirected graph given by its neighbour lists. */
function metropolis(neighbours: number[][]): Matrix {
  const W = Matrix.zeros(N, N)
  for (let i = 0; i < N; i++) {
    let s = 0
    for (const j of neighbours[i]!) {
      const w = 1 / (1 + Math.max(neighbours[i]!.length, neighbours[j]!.length))
      W.set(i, j, w)
      s += w
    }
    W.set(i, i, 1 - s)
  }
  return W
}

function secondModulus(W: Matrix): number {
  const ev = new EigenvalueDecomposition(W, { assumeSymmetric: true }).realEigenvalues.map(Math.abs)
  return ev.sort((a, b) => b - a)[1]!
}

describe('005: the one-peer exponential graph averages exactly in log2 n rounds (Ying et al. 2021)', () => {
  const [onePeer, exponential, ring] = gossipRuns()

  it('one-peer exponential: at rounding by round 4, not at round 3; the period product is 11^T / n', () => {
    expect(onePeer!.error[3]!).toBeGreaterThan(1e-3)
    expect(onePeer!.error[4]!).toBeLessThan(1e-15)
    expect(onePeer!.exactAfter).toBe(4)
    let M = Matrix.eye(N)
    for (let k = 0; k < 4; k++) {
      const A = Matrix.zeros(N, N)
      for (let i = 0; i < N; i++) {
        A.set(i, i, 0.5)
        A.set(i, (i - 2 ** k + N) % N, 0.5) // i hears from i - 2^k
      }
      M = A.mmul(M)
    }
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) expect(Math.abs(M.get(i, j) - 1 / N)).toBeLessThan(1e-15)
  })

  it('static exponential graph and ring: above 1e-3 at round 4, then geometric at the predicted rate', () => {
    const expNeighbours = Array.from({ length: N }, (_, i) =>
      [...new Set([1, 2, 4, 8].flatMap((s) => [(i + s) % N, (i - s + N) % N]))].sort((a, b) => a - b),
    )
    const ringNeighbours = Array.from({ length: N }, (_, i) => [(i + N - 1) % N, (i + 1) % N].sort((a, b) => a - b))
    const expected = [secondModulus(metropolis(expNeighbours)), 1 / 3 + (2 / 3) * Math.cos((2 * Math.PI) / N)]
    expect(secondModulus(metropolis(ringNeighbours))).toBeCloseTo(expected[1]!, 12)
    ;[exponential!, ring!].forEach((x, k) => {
      expect(x.error[4]!).toBeGreaterThan(1e-3)
      expect(x.exactAfter).toBeNull()
      expect(Math.abs(x.predicted - expected[k]!)).toBeLessThan(1e-12)
      expect(Math.abs(x.measured! - x.predicted) / x.predicted).toBeLessThan(0.02)
    })
  })
})
