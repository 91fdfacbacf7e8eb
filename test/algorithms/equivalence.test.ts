/**
 * Every algorithm of docs/algorithms.md against an independent dense recursion written here from the text (no project
 * kernels): on the complete graph against the papers' centralised forms, and on a ring with Metropolis weights.
 */
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { simulate } from '../../src/sim/engine.js'
import type { Graph } from '../../src/topology/types.js'
import { expectClose, squaredGradient as grad, type Vec } from '../helpers/dense.js'

function setup(topology: string, peers: number, algorithm: Record<string, unknown>, rounds: number) {
  const resolved = resolveExperiment(
    experimentFrom({
      swarm: { peers },
      topology: { kind: topology },
      problem: { kind: 'planted', loss: 'squared', dim: 10, samples_per_peer: 2, seed: 4 },
      algorithm,
      run: { rounds },
    }),
    '.',
  )
  const result = simulate({ ...resolved, reference: null, messageBytes: () => 0 })
  return { ...resolved, params: result.params.map((w) => Array.from(w)) }
}

/** Metropolis-Hastings W from docs/algorithms.md "Notation". */
function metropolis(graph: Graph): number[][] {
  const n = graph.n
  const deg = graph.neighbours.map((ns) => ns.length)
  const W = Array.from({ length: n }, () => new Array<number>(n).fill(0))
  for (let i = 0; i < n; i++) {
    let s = 0
    for (const j of graph.neighbours[i]!) {
      W[i]![j] = 1 / (1 + Math.max(deg[i]!, deg[j]!))
      s += W[i]![j]!
    }
    W[i]![i] = 1 - s
  }
  return W
}

const mix = (W: number[][], i: number, V: Vec[]): Vec =>
  V[0]!.map((_, k) => V.reduce((s, v, j) => s + W[i]![j]! * v[k]!, 0))
const mean = (V: Vec[]): Vec => V[0]!.map((_, k) => V.reduce((s, v) => s + v[k]!, 0) / V.length)

const zeros = (n: number, d: number): Vec[] => Array.from({ length: n }, () => new Array<number>(d).fill(0))

describe('quorum (Boffi & Slotine 2020 Eq. 7)', () => {
  for (const topology of ['complete', 'ring']) {
    it(`equals the dense recursion on the ${topology} graph${topology === 'complete' ? ' (the global mean: Eq. 7 exactly)' : ''}`, () => {
      const eta = 0.6
      const k = 0.8
      const { graph, problem, params } = setup(topology, 6, { kind: 'quorum', eta, k }, 40)
      const W = metropolis(graph)
      let X = zeros(graph.n, problem.paramDim)
      for (let t = 0; t < 40; t++) {
        X = X.map((w, i) => {
          const z = topology === 'complete' ? mean(X) : mix(W, i, X)
          const g = grad(problem, i, w)
          return w.map((v, c) => v - eta * g[c]! + eta * k * (z[c]! - v))
        })
      }
      expectClose(params, X)
    })
  }

  it('follows a k schedule', () => {
    const eta = 0.6
    const { graph, problem, params } = setup(
      'complete',
      4,
      { kind: 'quorum', eta, k: 0.1, k_schedule: [[10, 1.5]] },
      25,
    )
    let X = zeros(graph.n, problem.paramDim)
    for (let t = 0; t < 25; t++) {
      const k = t >= 10 ? 1.5 : 0.1
      const z = mean(X)
      X = X.map((w, i) => {
        const g = grad(problem, i, w)
        return w.map((v, c) => v - eta * g[c]! + eta * k * (z[c]! - v))
      })
    }
    expectClose(params, X)
  })
})

describe('easgd (Boffi & Slotine 2020 Eqs. 5-6, serverless)', () => {
  it('equals centralised synchronous EASGD on the complete graph, every centre copy equal', () => {
    const eta = 0.5
    const alpha = 0.1
    const beta = 0.5
    const n = 5
    const { problem, params } = setup('complete', n, { kind: 'easgd', eta, alpha, beta }, 30)
    let X = zeros(n, problem.paramDim)
    let c = new Array<number>(problem.paramDim).fill(0)
    for (let t = 0; t < 30; t++) {
      const m = mean(X)
      X = X.map((x, i) => {
        const g = grad(problem, i, x)
        return x.map((v, k) => v - eta * g[k]! - alpha * (v - c[k]!))
      })
      c = c.map((v, k) => v + beta * (m[k]! - v))
    }
    expectClose(params, X)
  })

  it('equals the adapt-then-combine recursion on a ring, with a communication period', () => {
    const eta = 0.5
    const alpha = 0.2
    const beta = 0.6
    const period = 3
    const { graph, problem, params } = setup('ring', 6, { kind: 'easgd', eta, alpha, beta, period }, 31)
    const W = metropolis(graph)
    let X = zeros(graph.n, problem.paramDim)
    let C = zeros(graph.n, problem.paramDim)
    for (let t = 0; t < 31; t++) {
      if (t % period !== 0) {
        X = X.map((x, i) => {
          const g = grad(problem, i, x)
          return x.map((v, k) => v - eta * g[k]!)
        })
        continue
      }
      const messages = X.map((x, j) => x.map((v, k) => C[j]![k]! + beta * (v - C[j]![k]!)))
      const nextX = X.map((x, i) => {
        const g = grad(problem, i, x)
        return x.map((v, k) => v - eta * g[k]! - alpha * (v - C[i]![k]!))
      })
      C = C.map((_, i) => mix(W, i, messages))
      X = nextX
    }
    expectClose(params, X)
  })
})

describe('local (Zhang & Li 2022 Algorithm 1)', () => {
  for (const topology of ['complete', 'ring']) {
    it(`equals T local steps then Metropolis averaging on the ${topology} graph`, () => {
      const eta = 0.7
      const T = 5
      const { graph, problem, params } = setup(topology, 6, { kind: 'local', eta, local_steps: T }, 12)
      const W = metropolis(graph)
      let X = zeros(graph.n, problem.paramDim)
      for (let t = 0; t < 12; t++) {
        const U = X.map((w, i) => {
          let u = w
          for (let s = 0; s < T; s++) {
            const g = grad(problem, i, u)
            u = u.map((v, k) => v - eta * g[k]!)
          }
          return u
        })
        X = X.map((_, i) => (topology === 'complete' ? mean(U) : mix(W, i, U)))
      }
      expectClose(params, X)
    })
  }

  it('with T = 1 on the complete graph is centralised gradient descent on the average loss', () => {
    const eta = 0.7
    const n = 5
    const { problem, params } = setup('complete', n, { kind: 'local', eta, local_steps: 1 }, 30)
    let w = new Array<number>(problem.paramDim).fill(0)
    for (let t = 0; t < 30; t++) {
      const gs = Array.from({ length: n }, (_, i) => grad(problem, i, w))
      const g = mean(gs)
      w = w.map((v, k) => v - eta * g[k]!)
    }
    expectClose(
      params,
      params.map(() => w),
    )
  })
})

describe('allreduce-sgd (Kalan et al. 2019 Eq. 2.2)', () => {
  it('keeps every replica identical and equals centralised GD with full gradients', () => {
    const eta = 0.7
    const n = 4
    const { problem, params } = setup('complete', n, { kind: 'allreduce-sgd', eta }, 20)
    let w = new Array<number>(problem.paramDim).fill(0)
    for (let t = 0; t < 20; t++) {
      const g = mean(Array.from({ length: n }, (_, i) => grad(problem, i, w)))
      w = w.map((v, k) => v - eta * g[k]!)
    }
    for (const p of params) expect(p).toEqual(params[0])
    expectClose(
      params,
      params.map(() => w),
    )
  })

  it('refuses a graph that is not complete, naming the field', () => {
    expect(() => setup('ring', 5, { kind: 'allreduce-sgd', eta: 0.5 }, 1)).toThrow(
      /^algorithm.kind: allreduce-sgd .*needs topology.kind: complete \(got ring\)/,
    )
  })
})

describe('elastic with local steps', () => {
  it('takes T - 1 plain steps then the Eq. 14 step from their result', () => {
    const eta = 0.5
    const mu = 0.2
    const T = 3
    const { graph, problem, params } = setup('ring', 5, { kind: 'elastic', eta, mu, local_steps: T }, 10)
    let X = zeros(graph.n, problem.paramDim)
    for (let t = 0; t < 10; t++) {
      const U = X.map((w, i) => {
        let u = w
        for (let s = 1; s < T; s++) {
          const g = grad(problem, i, u)
          u = u.map((v, k) => v - eta * g[k]!)
        }
        return u
      })
      X = U.map((u, i) => {
        const g = grad(problem, i, u)
        return u.map((v, k) => v - eta * g[k]! + mu * graph.neighbours[i]!.reduce((s, j) => s + (U[j]![k]! - v), 0))
      })
    }
    expectClose(params, X)
  })
})
