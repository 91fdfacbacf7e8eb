/**
 * dsgd, gradient-tracking, push-sum and push-diging against dense recursions written here from docs/algorithms.md
 * (matrices built by hand from each round's edges, iterated, compared to 1e-12), on a fixed ring, the one-peer
 * exponential graph (changes every round), a random matching (changes, never repeats), a schedule, and a directed
 * graph with chords (one-way links, unequal degrees).
 */
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { simulate } from '../../src/sim/engine.js'
import type { Problem } from '../../src/problems/types.js'
import type { Graph } from '../../src/topology/types.js'
import { expectClose, squaredGradient as grad, type Vec } from '../helpers/dense.js'
import { DIRECTED_CHORDS } from '../helpers/graphs.js'

type Mat = number[][]

const GRAPHS: Record<string, { peers: number; topology: Record<string, unknown> }> = {
  ring: { peers: 6, topology: { kind: 'ring' } },
  'one-peer-exponential': { peers: 8, topology: { kind: 'one-peer-exponential' } },
  'random-matching': { peers: 6, topology: { kind: 'random-matching', seed: 3 } },
  schedule: {
    peers: 6,
    topology: {
      kind: 'schedule',
      period: 2,
      graphs: [
        {
          kind: 'edges',
          edges: [
            [0, 1],
            [2, 3],
            [4, 5],
          ],
        },
        {
          kind: 'edges',
          edges: [
            [1, 2],
            [3, 4],
            [5, 0],
          ],
        },
      ],
    },
  },
  'directed chords': { peers: 6, topology: { kind: 'edges', directed: true, edges: DIRECTED_CHORDS } },
}

function setup(name: string, algorithm: Record<string, unknown>, rounds: number) {
  const { peers, topology } = GRAPHS[name]!
  const resolved = resolveExperiment(
    experimentFrom({
      swarm: { peers },
      topology,
      problem: { kind: 'planted', loss: 'squared', dim: 5, samples_per_peer: 3, noise: 0.5, seed: 7 },
      algorithm,
      run: { rounds, init: 'gaussian' },
    }),
    '.',
  )
  const result = simulate({ ...resolved, reference: null, messageBytes: () => 0 })
  const start = simulate({
    ...resolved,
    experiment: { ...resolved.experiment, run: { ...resolved.experiment.run, rounds: 0 } },
    reference: null,
    messageBytes: () => 0,
  })
  return { ...resolved, params: result.params.map((w) => Array.from(w)), start: start.params.map((w) => Array.from(w)) }
}

/** Who sends to whom in round t, as arcs [from, to]: written out by hand for the graphs whose rule is simple. */
function arcs(name: string, graph: Graph, t: number): Array<[number, number]> {
  const n = graph.n
  switch (name) {
    case 'ring':
      return Array.from({ length: n }, (_, i) => [
        [i, (i + 1) % n] as [number, number],
        [(i + 1) % n, i] as [number, number],
      ]).flat()
    case 'one-peer-exponential':
      return Array.from({ length: n }, (_, i) => [i, (i + 2 ** (t % 3)) % n] as [number, number])
    case 'schedule': {
      const pairs =
        Math.floor(t / 2) % 2 === 0
          ? [
              [0, 1],
              [2, 3],
              [4, 5],
            ]
          : [
              [1, 2],
              [3, 4],
              [5, 0],
            ]
      return pairs.flatMap(
        ([a, b]) =>
          [
            [a!, b!],
            [b!, a!],
          ] as Array<[number, number]>,
      )
    }
    case 'random-matching': {
      // the matching is drawn by the topology; check it is one, then use it
      const out = graph.dynamics!.at(t).out
      const partner = out.map((list) => {
        expect(list).toHaveLength(1)
        return list[0]!
      })
      partner.forEach((j, i) => expect(partner[j]).toBe(i))
      return partner.map((j, i) => [i, j] as [number, number])
    }
    default:
      return [...DIRECTED_CHORDS]
  }
}

const directed = (name: string): boolean => name === 'one-peer-exponential' || name === 'directed chords'

/** Row-stochastic W: Metropolis on two-way rounds, 1/(1 + in-degree) on one-way ones. */
function mixingMatrix(name: string, graph: Graph, t: number): Mat {
  const n = graph.n
  const into = Array.from({ length: n }, () => [] as number[])
  for (const [a, b] of arcs(name, graph, t)) into[b]!.push(a)
  const W = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let i = 0; i < n; i++) {
    let s = 0
    for (const j of into[i]!) {
      W[i]![j] = directed(name) ? 1 / (1 + into[i]!.length) : 1 / (1 + Math.max(into[i]!.length, into[j]!.length))
      s += W[i]![j]!
    }
    W[i]![i] = directed(name) ? 1 / (1 + into[i]!.length) : 1 - s
  }
  return W
}

/** Column-stochastic P: each peer keeps and sends 1/(1 + out-degree) of its mass. */
function pushMatrix(name: string, graph: Graph, t: number): Mat {
  const n = graph.n
  const out = Array.from({ length: n }, () => [] as number[])
  for (const [a, b] of arcs(name, graph, t)) out[a]!.push(b)
  const P = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let j = 0; j < n; j++) {
    P[j]![j] = 1 / (1 + out[j]!.length)
    for (const i of out[j]!) P[i]![j] = 1 / (1 + out[j]!.length)
  }
  return P
}

const apply = (M: Mat, V: Vec[]): Vec[] =>
  V.map((_, i) => V[0]!.map((_, k) => V.reduce((s, v, j) => s + M[i]![j]! * v[k]!, 0)))
const axpy = (a: Vec, b: Vec, c: number): Vec => a.map((x, k) => x + c * b[k]!)
const grads = (p: Problem, V: Vec[]): Vec[] => V.map((w, i) => grad(p, i, w))

const ROUNDS = 40
const ETA = 0.05

describe('dsgd (Lian et al. 2017) against the dense recursion', () => {
  for (const name of Object.keys(GRAPHS)) {
    for (const atc of [false, true]) {
      it(`${atc ? 'adapt then combine' : 'combine then adapt'} on ${name}`, () => {
        const s = setup(name, { kind: 'dsgd', eta: ETA, adapt_then_combine: atc }, ROUNDS)
        let W = s.start
        for (let t = 0; t < ROUNDS; t++) {
          const M = mixingMatrix(name, s.graph, t)
          const g = grads(s.problem, W)
          W = atc
            ? apply(
                M,
                W.map((w, i) => axpy(w, g[i]!, -ETA)),
              )
            : apply(M, W).map((w, i) => axpy(w, g[i]!, -ETA))
        }
        expectClose(s.params, W)
      })
    }
  }
})

describe('gradient-tracking (DIGing, Nedic, Olshevsky & Shi 2017) against the dense recursion', () => {
  for (const name of ['ring', 'one-peer-exponential', 'random-matching', 'schedule']) {
    it(`on ${name}`, () => {
      const s = setup(name, { kind: 'gradient-tracking', eta: ETA }, ROUNDS)
      let W = s.start
      let Y = grads(s.problem, W)
      for (let t = 0; t < ROUNDS; t++) {
        const M = mixingMatrix(name, s.graph, t)
        const next = apply(M, W).map((w, i) => axpy(w, Y[i]!, -ETA))
        const g = grads(s.problem, W)
        const gNext = grads(s.problem, next)
        Y = apply(M, Y).map((y, i) => y.map((v, k) => v + gNext[i]![k]! - g[i]![k]!))
        W = next
      }
      expectClose(s.params, W)
    })
  }
})

describe('push-sum (SGP, Assran et al. 2019) and push-diging against the dense recursions', () => {
  for (const name of ['directed chords', 'one-peer-exponential', 'ring', 'random-matching']) {
    it(`push-sum on ${name}`, () => {
      const s = setup(name, { kind: 'push-sum', eta: ETA }, ROUNDS)
      let X = s.start
      let S = X.map(() => 1)
      for (let t = 0; t < ROUNDS; t++) {
        const P = pushMatrix(name, s.graph, t)
        const Z = X.map((x, i) => x.map((v) => v / S[i]!))
        const g = grads(s.problem, Z)
        X = apply(
          P,
          X.map((x, i) => axpy(x, g[i]!, -ETA)),
        )
        S = apply(
          P,
          S.map((v) => [v]),
        ).map(([v]) => v!)
      }
      expectClose(
        s.params,
        X.map((x, i) => x.map((v) => v / S[i]!)),
      )
    })
    it(`push-diging on ${name}`, () => {
      const s = setup(name, { kind: 'push-diging', eta: ETA }, ROUNDS)
      let U = s.start
      let V = U.map(() => 1)
      let Xs = U
      let Y = grads(s.problem, Xs)
      for (let t = 0; t < ROUNDS; t++) {
        const P = pushMatrix(name, s.graph, t)
        U = apply(
          P,
          U.map((u, i) => axpy(u, Y[i]!, -ETA)),
        )
        V = apply(
          P,
          V.map((v) => [v]),
        ).map(([v]) => v!)
        const next = U.map((u, i) => u.map((x) => x / V[i]!))
        const g = grads(s.problem, Xs)
        const gNext = grads(s.problem, next)
        Y = apply(P, Y).map((y, i) => y.map((v, k) => v + gNext[i]![k]! - g[i]![k]!))
        Xs = next
      }
      expectClose(s.params, Xs)
    })
  }
})
