/**
 * Stopping at run.target on the same round everywhere (src/exchange/target-stop.ts): peers exchanging only their
 * windows with graph neighbours must stop exactly where the global rule does (round s + L, s the first round at which
 * every peer is within the target, L the diameter in communicating rounds), checked against that rule computed
 * directly from all peers' flags, on random graphs and flag histories; a missing neighbour never lets a peer stop
 * early; and `meshgd sim` stops at s + L with the first target round recorded.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { runReference } from '../../src/exchange/reference.js'
import { sendsIn, targetLag, TargetWatch } from '../../src/exchange/target-stop.js'
import { simulate } from '../../src/sim/engine.js'
import { buildGraph, graphDiameter } from '../../src/topology/index.js'
import type { Graph } from '../../src/topology/types.js'
import { Rng } from '../../src/util/rng.js'

/** Diameter by Floyd-Warshall (an independent computation of the BFS in graphDiameter). */
function floydDiameter(g: Graph): number {
  const n = g.n
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)))
  for (let i = 0; i < n; i++) for (const j of g.neighbours[i]!) d[i]![j] = 1
  for (let k = 0; k < n; k++)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i]![j] = Math.min(d[i]![j]!, d[i]![k]! + d[k]![j]!)
  return Math.max(...d.map((row) => Math.max(...row)))
}

/**
 * Every peer's window, advanced round by round with only its neighbours' windows of the round before, as the
 * network delivers them; returns the round every peer stops on (they must agree), or null.
 */
function distributedStop(
  g: Graph,
  lag: number,
  flags: (t: number, i: number) => boolean,
  sends: (t: number) => boolean,
  rounds: number,
): number | null {
  const watches = g.neighbours.map((ns) => new TargetWatch(lag, ns.length))
  for (let t = 0; t <= rounds; t++) {
    watches.forEach((w, i) => w.advance(t, flags(t, i), sends(t - 1)))
    const reached = watches.map((w) => w.reached())
    if (reached.some((r) => r)) {
      expect(reached.every((r) => r)).toBe(true)
      return t
    }
    // round t's frames: each peer's window reaches its neighbours
    if (sends(t))
      watches.forEach((w, i) =>
        g.neighbours[i]!.forEach((j) => watches[j]!.heard(g.neighbours[j]!.indexOf(i), t, w.current())),
      )
  }
  return null
}

/** The rule as the simulator applies it: s the first round every flag holds, stop at s + lag. */
function globalStop(n: number, lag: number, flags: (t: number, i: number) => boolean, rounds: number): number | null {
  for (let s = 0; s + lag <= rounds; s++)
    if (Array.from({ length: n }, (_, i) => flags(s, i)).every((f) => f)) return s + lag
  return null
}

const spec = (kind: string, seed: number): Parameters<typeof buildGraph>[0] =>
  ({ kind, seed, weights: { kind: 'unit' }, degree: 3, p: 0.5, k: 2, beta: 0.3, m: 2 }) as unknown as Parameters<
    typeof buildGraph
  >[0]

describe('the graph diameter', () => {
  it('equals Floyd-Warshall on every built-in kind, and the closed forms of ring, path and complete', () => {
    for (const kind of [
      'ring',
      'path',
      'star',
      'complete',
      'hypercube',
      'exponential',
      'random-regular',
      'small-world',
    ]) {
      const g = buildGraph(spec(kind, 3), 16)
      expect(graphDiameter(g), kind).toBe(floydDiameter(g))
    }
    expect(graphDiameter(buildGraph(spec('ring', 1), 9))).toBe(4)
    expect(graphDiameter(buildGraph(spec('path', 1), 9))).toBe(8)
    expect(graphDiameter(buildGraph(spec('complete', 1), 9))).toBe(1)
  })
})

describe('TargetWatch', () => {
  it('stops every peer on the global rule round s + L, from neighbours alone (random graphs and histories)', () => {
    let stopped = 0
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 14 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('ring', 'path', 'star', 'random-regular', 'exponential'),
        (n, seed, period, kind) => {
          // random-regular of degree 3 needs an even number of peers, at least 4
          const g = buildGraph(spec(kind, seed), kind === 'random-regular' ? Math.max(4, n + (n % 2)) : n)
          const lag = graphDiameter(g) * period
          const rng = Rng.derive(seed, 0, 'target-test')
          // each peer crosses below the target at its own round and mostly stays (a few flips back)
          const crossing = Array.from({ length: g.n }, () => Math.floor(rng.uniform() * 30))
          const flips = new Set(
            Array.from({ length: 6 }, () => `${Math.floor(rng.uniform() * 40)}:${Math.floor(rng.uniform() * g.n)}`),
          )
          const flags = (t: number, i: number): boolean => t >= crossing[i]! && !flips.has(`${t}:${i}`)
          const sends = (t: number): boolean => t >= 0 && t % period === 0
          const rounds = 120
          const stop = distributedStop(g, lag, flags, sends, rounds)
          expect(stop).toBe(globalStop(g.n, lag, flags, rounds))
          if (stop !== null) stopped++
        },
      ),
      { numRuns: 200, seed: 25 },
    )
    expect(stopped).toBeGreaterThan(150) // most histories do reach the target: the rule is exercised, not only null
  })

  it('never stops on news it lacks: a neighbour whose window is missing counts as not within', () => {
    const g = buildGraph(spec('ring', 1), 6)
    const lag = graphDiameter(g)
    const watches = g.neighbours.map((ns) => new TargetWatch(lag, ns.length))
    for (let t = 0; t < 30; t++) {
      watches.forEach((w) => w.advance(t, true, t > 0))
      // peer 3's frames never arrive anywhere
      watches.forEach((w, i) => {
        if (i !== 3) g.neighbours[i]!.forEach((j) => watches[j]!.heard(g.neighbours[j]!.indexOf(i), t, w.current()))
      })
    }
    // nobody stops: those next to peer 3 lack its news, and so everyone lacks theirs past one hop
    expect(watches.map((w) => w.reached())).toEqual([false, false, false, false, false, false])
  })

  it('lines a later window up with the round it stands for, and ignores windows of the wrong size', () => {
    const w = new TargetWatch(3, 1)
    w.advance(0, true, false)
    // the neighbour's window of round 1 stands in for its missing round-0 window: our bit k of round 1 (about round
    // 1 - k, within k hops) takes its bit k of round 1 (about round 1 - k too, within k hops of it: more than needed)
    w.heard(0, 1, Uint8Array.of(0b1111))
    w.heard(0, 0, Uint8Array.of(0b1111, 0)) // wrong size: ignored
    const bits = w.advance(1, true, true)
    expect(bits[0]).toBe(0b0011) // own, and bit 1 from bit 0 + shift 1 of the round-1 window; bit 2 lacks our own bit 1
    expect(w.advance(1, false, true)).toBe(bits) // the same round again changes nothing
  })

  it('restores a checkpointed window, and starts from zero after a gap', () => {
    const w = new TargetWatch(2, 0)
    for (let t = 0; t < 3; t++) w.advance(t, true, true)
    expect(w.reached()).toBe(true)
    expect(w.metAt()).toBe(0)
    const again = new TargetWatch(2, 0)
    again.restore(w.state())
    expect(again.reached()).toBe(true)
    again.advance(10, true, true) // a jump: the rounds between are unknown
    expect(again.reached()).toBe(false)
  })

  it('EASGD talks every period rounds, so news takes diameter x period rounds', () => {
    const input = experimentFrom({
      swarm: { id: 'e', peers: 8 },
      topology: { kind: 'ring' },
      algorithm: { kind: 'easgd', eta: 0.5, alpha: 0.1, period: 3 },
    })
    const { experiment, graph } = resolveExperiment(input, '.')
    expect(targetLag(experiment, graph)).toBe(12)
    expect([0, 1, 2, 3, 6].map((t) => sendsIn(experiment, t))).toEqual([true, false, false, true, true])
  })
})

describe('meshgd sim with run.target', () => {
  it('stops L rounds after the first round every peer is within, and records that round', () => {
    const input = experimentFrom({
      swarm: { id: 't', peers: 8 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 32, samples_per_peer: 1, seed: 1 },
      algorithm: { kind: 'elastic', eta: 1.0, mu: 0.3 },
      run: { rounds: 5000, target: 1e-8 },
    })
    const resolved = resolveExperiment(input, '.')
    const reference = runReference(resolved)!.w
    const base = { ...resolved, reference, messageBytes: () => 0 }
    const free = simulate({
      ...base,
      experiment: { ...resolved.experiment, run: { ...resolved.experiment.run, target: null } },
    })
    const scale = Math.sqrt(reference.reduce((s, x) => s + x * x, 0))
    const s = free.maxErrorHistory.findIndex((e) => e <= 1e-8 * scale)
    expect(s).toBeGreaterThan(10)
    const stopped = simulate({ ...base, targetLag: 4 })
    expect(stopped.targetRound).toBe(s)
    expect(stopped.rounds).toBe(s + 4)
    expect(stopped.converged).toBe(true)
    expect(simulate(base).rounds).toBe(s) // no lag: the old stop, for callers that count rounds to the target
  })
})

describe('TargetWatch on a graph that changes every round', () => {
  it("ANDs only the windows of the round's senders: a neighbour that did not send is not counted against it", () => {
    const watch = new TargetWatch(1, 2)
    watch.advance(0, true, [])
    // round 0: only neighbour position 0 sent to this peer; position 1 sent nothing (not 'not within')
    watch.heard(0, 0, Uint8Array.of(1))
    watch.advance(1, true, [0])
    expect(watch.reached()).toBe(true)
    const strict = new TargetWatch(1, 2)
    strict.advance(0, true, [])
    strict.heard(0, 0, Uint8Array.of(1))
    strict.advance(1, true, true) // both counted: position 1's window is missing, so not within
    expect(strict.reached()).toBe(false)
  })
})
