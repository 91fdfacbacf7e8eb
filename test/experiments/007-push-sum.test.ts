/**
 * The claims of experiments/007-push-sum (8 peers, a directed ring with chords 0 -> 4, 2 -> 7, 5 -> 1):
 * - push-sum with eta 0 reaches the mean of the starts to 1e-14;
 * - dsgd with eta 0 (row-stochastic mixing, W_ij = 1/(1 + in-degree)) reaches consensus at pi^T W^0, pi the left
 *   Perron vector of W computed here by power iteration from the edge list (not with src/topology), at least 10%
 *   away from the mean;
 * - on the plain directed ring (every in-degree 1, W doubly stochastic) both reach the mean;
 * - with a gradient step, push-diging reaches the least-squares minimiser (normal equations, ml-matrix) to 1e-12,
 *   while push-sum SGD stalls at a floor that halves with eta.
 */
import { describe, expect, it } from 'vitest'
import { leastSquaresMinimiser } from '../helpers/dense.js'
import { gossipRuns, optimiseRuns, PAPER, trajectory } from '../../experiments/007-push-sum/make.js'
import { loadResolved } from '../../experiments/common.js'

const EDGES = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
  [4, 5],
  [5, 6],
  [6, 7],
  [7, 0],
  [0, 4],
  [2, 7],
  [5, 1],
]
const distance = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Math.hypot(...Array.from({ length: a.length }, (_, k) => a[k]! - b[k]!))

describe('007: push-sum over one-way links', () => {
  const [pushChords, dsgdChords, pushRing, dsgdRing] = gossipRuns()

  it('push-sum reaches the mean of the starts on the ring with chords', () => {
    expect(pushChords!.error[pushChords!.error.length - 1]!).toBeLessThan(1e-14)
  })

  it('row-stochastic gossip reaches consensus at the Perron-weighted mean, not the mean', () => {
    const n = 8
    const into = Array.from({ length: n }, () => [] as number[])
    for (const [a, b] of EDGES) into[b!]!.push(a!)
    // pi^T W = pi^T by power iteration on W^T, W_ij = 1/(1 + |in_i|) for j in in_i and j = i
    let pi = new Array<number>(n).fill(1 / n)
    for (let it = 0; it < 5000; it++) {
      const next = new Array<number>(n).fill(0)
      for (let i = 0; i < n; i++) for (const j of [i, ...into[i]!]) next[j]! += pi[i]! / (1 + into[i]!.length)
      pi = next
    }
    const w0 = trajectory('starts', ['algorithm.kind=dsgd', 'run.rounds=0']).params // each peer's w^0
    const d = w0[0]!.length
    const weighted = Array.from({ length: d }, (_, k) => w0.reduce((s, w, i) => s + pi[i]! * w[k]!, 0))
    const mean = dsgdChords!.reference
    for (const w of dsgdChords!.params) {
      expect(distance(w, weighted) / Math.hypot(...mean)).toBeLessThan(1e-12)
      expect(distance(w, mean) / Math.hypot(...mean)).toBeGreaterThan(0.1)
    }
  })

  it('on the plain directed ring (doubly stochastic) both reach the mean', () => {
    for (const x of [pushRing!, dsgdRing!]) expect(x.error[x.error.length - 1]!).toBeLessThan(1e-14)
  })

  it('with a gradient step push-diging is exact and push-sum SGD keeps a floor that halves with eta', () => {
    const [sgp1, sgp05, diging] = optimiseRuns()
    const resolved = loadResolved(PAPER, 'gossip.yaml', ['algorithm.kind=push-diging', 'algorithm.eta=0.1'])
    const wls = leastSquaresMinimiser(resolved.problem)
    for (const w of diging!.params) expect(distance(w, wls) / Math.hypot(...wls)).toBeLessThan(1e-12)
    const floor = (x: typeof sgp1): number => x!.error[x!.error.length - 1]!
    expect(floor(sgp1)).toBeGreaterThan(1e-3)
    expect(floor(sgp05) / floor(sgp1)).toBeGreaterThan(0.45)
    expect(floor(sgp05) / floor(sgp1)).toBeLessThan(0.55)
  })
})
