/**
 * Graphs that change from round to round and graphs whose links go one way (src/topology/dynamics.ts): each round's
 * edges against the kind's rule written out here, the links peers hold, how many rounds news takes to cross, and
 * the one-line refusals.
 */
import { describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { AlgorithmError } from '../../src/algorithms/peer-step.js'
import {
  buildGraph,
  disseminationRounds,
  roundEdges,
  TopologyError,
  type TopologySpec,
} from '../../src/topology/index.js'
import { thrownBy } from '../helpers/errors.js'
import { DIRECTED_CHORDS } from '../helpers/graphs.js'

const spec = (kind: TopologySpec['kind'], extra: Partial<TopologySpec> = {}): TopologySpec => ({
  kind,
  seed: 1,
  weights: { kind: 'unit' },
  ...extra,
})

describe('one-peer-exponential (Ying et al. 2021)', () => {
  it('sends from i to i + 2^(t mod log2 n) and hears from i - 2^(t mod log2 n), period log2 n', () => {
    const n = 16
    const g = buildGraph(spec('one-peer-exponential'), n)
    expect(g.dynamics!.period).toBe(4)
    expect(g.dynamics!.directed).toBe(true)
    for (let t = 0; t < 9; t++) {
      const hop = 2 ** (t % 4)
      const round = roundEdges(g, t)
      for (let i = 0; i < n; i++) {
        expect(round.out[i]).toEqual([(i + hop) % n])
        expect(round.in[i]).toEqual([(i - hop + n) % n])
      }
    }
    // the links held: i +- 1, 2, 4, 8, which is 7 distinct neighbours (8 and -8 are the same)
    expect(g.neighbours[0]).toEqual([1, 2, 4, 8, 12, 14, 15])
  })
  it('needs two peers; for n not a power of two the period is ceil(log2 n)', () => {
    expect(buildGraph(spec('one-peer-exponential'), 12).dynamics!.period).toBe(4)
    expect(errorOf(() => buildGraph(spec('one-peer-exponential'), 1)).message).toMatch(/at least 2 peers/)
  })
})

describe('random-matching', () => {
  it('is a perfect matching every round, different rounds differ, and the same seed gives the same rounds', () => {
    const n = 10
    const a = buildGraph(spec('random-matching', { seed: 4 }), n)
    const b = buildGraph(spec('random-matching', { seed: 4 }), n)
    const c = buildGraph(spec('random-matching', { seed: 5 }), n)
    const seen = new Set<string>()
    for (let t = 0; t < 20; t++) {
      const round = roundEdges(a, t)
      round.out.forEach((targets, i) => {
        expect(targets).toHaveLength(1)
        expect(round.out[targets[0]!]).toEqual([i])
        expect(round.in[i]).toEqual(targets)
      })
      expect(roundEdges(b, t).out).toEqual(round.out)
      seen.add(JSON.stringify(round.out))
    }
    expect(seen.size).toBeGreaterThan(15)
    expect(roundEdges(c, 0).out).not.toEqual(roundEdges(a, 0).out)
    expect(a.dynamics!.period).toBeNull()
    expect(a.neighbours[0]).toHaveLength(n - 1) // any two may be matched: every link is held
  })
  it('refuses an odd number of peers', () => {
    expect(errorOf(() => buildGraph(spec('random-matching'), 7)).message).toMatch(/even number of peers \(peers=7\)/)
  })
})

describe('schedule', () => {
  const two = spec('schedule', {
    period: 3,
    graphs: [
      spec('edges', {
        edges: [
          [0, 1],
          [2, 3],
        ],
      }),
      spec('edges', {
        edges: [
          [1, 2],
          [3, 0],
        ],
      }),
    ],
  })
  it('holds each graph for `period` rounds, in turn, cycled', () => {
    const g = buildGraph(two, 4)
    expect(g.dynamics!.period).toBe(6)
    const partner = (t: number): number => roundEdges(g, t).out[0]![0]!
    expect([0, 1, 2, 3, 4, 5, 6, 8, 9].map(partner)).toEqual([1, 1, 1, 3, 3, 3, 1, 1, 3])
    expect(g.neighbours[0]).toEqual([1, 3])
  })
  it('needs only the union connected, and names the entry that is wrong', () => {
    expect(() => buildGraph(spec('schedule', { graphs: [spec('edges', { edges: [[0, 1]] })] }), 4)).toThrow(
      /disconnected/,
    )
    const bad = spec('schedule', { graphs: [spec('ring'), spec('random-regular', { degree: 3 })] })
    expect(errorOf(() => buildGraph(bad, 5)).message).toMatch(/^topology\.graphs\.1\.degree: random-regular needs/)
    const nested = spec('schedule', { graphs: [spec('one-peer-exponential')] })
    expect(errorOf(() => buildGraph(nested, 4)).message).toMatch(/^topology\.graphs\.0\.kind: .*fixed graphs/)
  })
})

describe('directed kinds', () => {
  it('directed-ring sends to i + 1 only; directed-exponential to every i + 2^k', () => {
    const ring = roundEdges(buildGraph(spec('directed-ring'), 5), 7)
    expect(ring.out).toEqual([[1], [2], [3], [4], [0]])
    expect(ring.in).toEqual([[4], [0], [1], [2], [3]])
    const exp = roundEdges(buildGraph(spec('directed-exponential'), 6), 0)
    expect(exp.out[0]).toEqual([1, 2, 4])
    expect(exp.in[0]).toEqual([2, 4, 5])
  })
  it('edges with directed: true keeps [i, j] as i -> j, both ways when both are listed', () => {
    const g = buildGraph(
      spec('edges', {
        directed: true,
        edges: [
          [0, 1],
          [1, 2],
          [2, 0],
          [1, 0],
        ],
      }),
      3,
    )
    const round = roundEdges(g, 0)
    expect(round.out).toEqual([[1], [0, 2], [0]])
    expect(g.edges.map(([i, j]) => [i, j])).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ])
  })
  it('refuses a graph that is not strongly connected, a weighted one-way edge, and directed on another kind', () => {
    expect(
      errorOf(() =>
        buildGraph(
          spec('edges', {
            directed: true,
            edges: [
              [0, 1],
              [1, 2],
            ],
          }),
          3,
        ),
      ).message,
    ).toMatch(/one-way links leave peer \d out of reach of peer \d/)
    expect(errorOf(() => buildGraph(spec('edges', { directed: true, edges: [[0, 1, 2]] }), 2)).message).toMatch(
      /^topology\.edges\.0: a one-way edge carries no weight/,
    )
    expect(errorOf(() => buildGraph(spec('ring', { directed: true }), 4)).message).toMatch(/^topology\.directed:/)
  })
})

describe('rounds for news to reach every peer', () => {
  it('is the diameter on fixed graphs, n - 1 on a directed ring, log2 n on one-peer-exponential, unbounded for matchings', () => {
    expect(disseminationRounds(buildGraph(spec('ring'), 8))).toBe(4)
    expect(disseminationRounds(buildGraph(spec('directed-ring'), 8))).toBe(7)
    expect(disseminationRounds(buildGraph(spec('one-peer-exponential'), 16))).toBe(4)
    expect(disseminationRounds(buildGraph(spec('directed-exponential'), 16))).toBe(4)
    expect(disseminationRounds(buildGraph(spec('random-matching'), 8))).toBe(Infinity)
  })
  it('takes the worst round to start from: alternating matchings on a path of 4 need 3 or 4 rounds', () => {
    // rounds alternate {01, 23} and {12}; starting on {12} news from 0 reaches 3 only after 12, 01/23, 12: worst 4
    const g = buildGraph(
      spec('schedule', {
        graphs: [
          spec('edges', {
            edges: [
              [0, 1],
              [2, 3],
            ],
          }),
          spec('edges', { edges: [[1, 2]] }),
        ],
      }),
      4,
    )
    expect(disseminationRounds(g)).toBe(4)
  })
})

const errorOf = (fn: () => unknown): TopologyError => thrownBy(fn, TopologyError)

describe('which algorithm runs on which graph', () => {
  const resolve = (topology: Record<string, unknown>, algorithm: Record<string, unknown>, extra = {}) =>
    resolveExperiment(experimentFrom({ swarm: { peers: 6 }, topology, problem: { dim: 3 }, algorithm, ...extra }), '.')
  const refusal = (...args: Parameters<typeof resolve>): string =>
    thrownBy(() => resolve(...args), AlgorithmError).message
  it('the papers algorithms refuse a changing or one-way graph, naming both fields', () => {
    for (const kind of ['elastic', 'quorum', 'easgd', 'local']) {
      expect(refusal({ kind: 'directed-ring' }, { kind })).toBe(
        `topology.kind: directed-ring has one-way links, and algorithm.kind: ${kind} needs a fixed undirected graph; use dsgd, gradient-tracking, push-sum or push-diging`,
      )
    }
    expect(refusal({ kind: 'random-matching' }, { kind: 'elastic' })).toMatch(
      /random-matching changes from round to round/,
    )
  })
  it('gradient-tracking refuses unequal in-degrees (mixing not doubly stochastic) and points to push-diging', () => {
    // the chords without 2 -> 5 and 4 -> 1: in-degrees 1 and 2
    const chords = { kind: 'edges', directed: true, edges: DIRECTED_CHORDS.slice(0, 7) }
    expect(refusal(chords, { kind: 'gradient-tracking' })).toMatch(
      /^algorithm\.kind: .*doubly stochastic.*push-diging$/,
    )
    expect(() => resolve({ kind: 'one-peer-exponential' }, { kind: 'gradient-tracking' })).not.toThrow()
    expect(() => resolve(chords, { kind: 'push-diging' })).not.toThrow()
  })
  it('difference mode, robust options, async and a target each say what they need', () => {
    expect(
      refusal(
        { kind: 'one-peer-exponential' },
        { kind: 'dsgd' },
        { compression: { kind: 'qsgd', mode: 'difference' } },
      ),
    ).toMatch(/^compression\.mode: difference keeps a public copy per link/)
    expect(
      refusal({ kind: 'ring' }, { kind: 'push-sum' }, { compression: { kind: 'qsgd', mode: 'difference' } }),
    ).toMatch(/push-sum sends more than its iterate/)
    expect(refusal({ kind: 'ring' }, { kind: 'gradient-tracking', robust: { clip: 1 } })).toMatch(
      /^algorithm\.robust\.clip:/,
    )
    expect(refusal({ kind: 'directed-ring' }, { kind: 'dsgd' }, { run: { mode: 'async' } })).toMatch(
      /^run\.mode: async:/,
    )
    expect(refusal({ kind: 'random-matching' }, { kind: 'dsgd' }, { run: { target: 1e-6 } })).toMatch(
      /^run\.target: .*no bound on the rounds/,
    )
    expect(() => resolve({ kind: 'ring' }, { kind: 'dsgd', robust: { aggregate: 'median' } })).not.toThrow()
  })
  it('eta 0 is plain gossip for dsgd and push-sum only', () => {
    expect(() => resolve({ kind: 'ring' }, { kind: 'dsgd', eta: 0 })).not.toThrow()
    expect(() => resolve({ kind: 'ring' }, { kind: 'elastic', eta: 0 })).toThrow(/algorithm\.eta/)
  })
})
