/**
 * Zhang & Li (Zhang & Li 2022 Sec. 4): how many local steps T between communications minimise the cost to a target, for a
 * local error that decays like h(t) = beta^t and a cost ratio r = C_g / C_c (one gradient step over one
 * communication round). docs/algorithms.md ("Corrections to the papers") corrects the paper's asymptotics: T* ~ log(1 + log(1/beta)/r) / log(1/beta),
 * computed exactly as T* = u / b with b = log(1/beta) and u > 0 solving e^u = 1 + b/r + u.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'
import type { Shard } from '../problems/types.js'

/** Solve e^u = 1 + c + u for u > 0 (c > 0) by Newton's method from a safe start. */
function solveU(c: number): number {
  // f(u) = e^u - 1 - c - u is convex, f(0) = -c < 0, so Newton from the right converges monotonically.
  let u = Math.max(1, Math.log(1 + c) + 1)
  for (let k = 0; k < 100; k++) {
    const f = Math.exp(u) - 1 - c - u
    const step = f / (Math.exp(u) - 1)
    u -= step
    if (Math.abs(step) <= 1e-15 * Math.max(1, u)) break
  }
  return u
}

/** Cost-optimal local steps T* for local decay beta in (0, 1) and cost ratio r = C_g / C_c > 0. */
export function optimalLocalSteps(beta: number, r: number): { tStar: number; asymptotic: number } {
  if (!(beta > 0 && beta < 1)) throw new RangeError(`optimalLocalSteps: beta must be in (0, 1), got ${beta}`)
  if (!(r > 0)) throw new RangeError(`optimalLocalSteps: cost ratio must be positive, got ${r}`)
  const b = Math.log(1 / beta)
  return { tStar: solveU(b / r) / b, asymptotic: Math.log(1 + b / r) / b }
}

/**
 * The local decay rate of gradient descent with step eta on peer i's own squared loss: the largest |1 - eta lambda|
 * over the nonzero eigenvalues of H_i; the swarm's beta is the slowest peer's.
 */
export function localDecay(shards: readonly Shard[], eta: number): number {
  let worst = 0
  for (const s of shards) {
    const G = Matrix.zeros(s.rows, s.rows)
    for (let a = 0; a < s.rows; a++) {
      for (let b = 0; b < s.rows; b++) {
        let v = 0
        for (let k = 0; k < s.dim; k++) v += s.features[a * s.dim + k]! * s.features[b * s.dim + k]!
        G.set(a, b, v / s.rows)
      }
    }
    const ev = new EigenvalueDecomposition(G, { assumeSymmetric: true }).realEigenvalues
    const top = Math.max(...ev)
    for (const l of ev) if (l > top * 1e-12) worst = Math.max(worst, Math.abs(1 - eta * l))
  }
  return worst
}
