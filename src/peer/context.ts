/**
 * What every room of a peer's runtime shares, built once before the network starts: the resolved experiment, this
 * peer's place in the graph, its step (the same `PeerStep` the simulator calls), the codec and CHOCO difference-mode
 * copies, the reference solution, the counters `info.json` reports, rejections, and the news signal the round loop
 * waits on. The rooms: links.ts (node, roster, params transport), startup.ts (joining), recovery.ts (checkpoints),
 * round-loop.ts, recorder.ts (records and status), finish.ts (final frame, lingering, info.json).
 */
import { createPeerStep, type PeerStep } from '../algorithms/peer-step.js'
import { BodyPool, VectorPool, type VectorCodec } from '../codec/index.js'
import { isDifferenceMode } from '../config/compression.js'
import type { Experiment } from '../config/schema.js'
import { differenceScale, vectorCodecOf } from '../exchange/codec-choice.js'
import { runReference } from '../exchange/reference.js'
import { targetLag, TargetWatch, watchesTarget, windowBytes } from '../exchange/target-stop.js'
import { norm } from '../linalg/kernels.js'
import { RejectLog } from '../observe/log.js'
import type { Problem } from '../problems/types.js'
import { disseminationRounds, roundEdges } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { Rng } from '../util/rng.js'
import { PeerCounters } from './counters.js'
import { NeighbourBook } from './neighbours.js'
import type { PeerPlatform } from './platform.js'
import { RoundTimes } from './round-times.js'
import type { PeerOptions } from './types.js'

/** Wakes the round loop when something arrives (a frame, a neighbour back), or after a timeout. */
export class News {
  private wake: (() => void) | null = null

  notify(): void {
    const w = this.wake
    this.wake = null
    w?.()
  }

  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }
}

export interface PeerCore {
  readonly opts: PeerOptions
  /** where the peer runs: its files or browser storage, its transports, its hash (platform.ts) */
  readonly platform: PeerPlatform
  readonly experiment: Experiment
  readonly graph: Graph
  readonly problem: Problem
  /** this peer's index, its neighbours' indices, and each neighbour's position among them */
  readonly i: number
  readonly neighbours: readonly number[]
  readonly position: ReadonlyMap<number, number>
  readonly d: number
  /** entries of one message on the wire (d, or more where the algorithm sends more than its iterate) */
  readonly wireDim: number
  readonly swarm: string
  readonly codec: VectorCodec
  readonly quantRng: Rng
  /** CHOCO difference mode: public copies of this peer and of each neighbour, updated with the same bits everywhere */
  readonly difference: boolean
  readonly diffScale: number
  readonly selfCopy: Float64Array
  readonly neighbourCopies: Float64Array[]
  readonly delta: Float64Array
  /**
   * Difference mode keeps public copies that every neighbour updates with the same bits, and allreduce-sgd needs
   * every gradient: neither can leave a neighbour out or use a stand-in, so a missing neighbour stays fatal there.
   */
  readonly strict: boolean
  /**
   * May a neighbour's vector of another round stand in for the one it did not send (no for `strict`, nor for
   * push-sum, whose messages carry mass that a stand-in would count twice)?
   */
  readonly standIns: boolean
  readonly step: PeerStep
  readonly reference: { w: Float64Array; kind: string } | null
  readonly referenceScale: number
  /** with run.target and a reference: the window that stops every peer on the same round (exchange/target-stop.ts) */
  readonly targetWatch: TargetWatch | null
  /** the size of the `stop` window params frames carry (0: none) */
  readonly stopBytes: number
  readonly book: NeighbourBook
  /** spare buffers for received frames, and vectors for decoded payloads: the book gives them back */
  readonly bodies: BodyPool
  readonly decoded: VectorPool
  /** what this peer's own quantized message decodes to, rewritten every round */
  readonly ownDecoded: Float64Array
  readonly news: News
  readonly rejects: Record<string, number>
  readonly started: number
  /** compute and wait time of the rounds so far (round-times.ts) */
  readonly times: RoundTimes
  /** the round, and what the rounds did: changed only by the round loop and recovery (counters.ts) */
  readonly counters: PeerCounters
  log(line: string): void
  /** count a rejected message or stream by reason, and log it (rate-limited) */
  reject(reason: string, remote?: string): void
}

export function createCore(opts: PeerOptions): PeerCore {
  const started = performance.now()
  const i = opts.index
  const n = opts.experiment.swarm.peers
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`--index ${i}: must be 0..${n - 1}`)
  const { experiment, graph, problem } = opts.platform.resolve(opts.experiment, i)
  const neighbours = graph.neighbours[i]!
  // Planted shards are drawn when first read: draw this peer's own now, at start-up, not inside its first round's
  // compute time (a ReLU problem's reference is w* itself and reads no shard before the rounds begin).
  if (problem.loss !== 'module') void problem.shards[i]!.features
  const d = problem.paramDim
  const step = createPeerStep(experiment, problem, graph, i)
  const wireDim = step.messageLength
  const exchange = exchangeState(experiment, i, wireDim, neighbours.length)
  const strict = exchange.difference || STRICT_ALGORITHMS.includes(experiment.algorithm.kind)
  const standIns = !strict && experiment.algorithm.kind !== 'push-sum'
  const reference = runReference({ experiment, graph, problem })
  const targetWatch = watchesTarget(experiment, reference !== null)
    ? new TargetWatch(targetLag(experiment, graph), neighbours.length)
    : null
  const log = opts.log ?? ((): void => undefined)
  return {
    opts,
    platform: opts.platform,
    experiment,
    graph,
    problem,
    i,
    neighbours,
    position: new Map(neighbours.map((j, k) => [j, k])),
    d,
    wireDim,
    swarm: experiment.swarm.id,
    ...exchange,
    strict,
    standIns,
    step,
    reference,
    referenceScale: reference ? norm(reference.w) || 1 : 1,
    targetWatch,
    stopBytes: targetWatch ? windowBytes(targetWatch.lag) : 0,
    ...receiving(experiment, graph, i, wireDim, standIns),
    started,
    times: new RoundTimes(),
    counters: new PeerCounters(),
    log,
    ...rejections(log, i),
  }
}

/** What the codec needs: the codec, the quantizer's random stream, and CHOCO's public copies in difference mode. */
function exchangeState(experiment: Experiment, i: number, d: number, degree: number) {
  const codec = vectorCodecOf(experiment)
  const difference = isDifferenceMode(experiment.compression)
  const copies = difference ? d : 0
  return {
    codec,
    quantRng: Rng.derive(experiment.run.seed, i, 'quantize'),
    difference,
    diffScale: differenceScale(codec, d),
    selfCopy: new Float64Array(copies),
    neighbourCopies: Array.from({ length: degree }, () => new Float64Array(copies)),
    delta: new Float64Array(copies),
    ownDecoded: new Float64Array(codec.codec === 'f64' ? 0 : d),
  }
}

/**
 * Where no neighbour may be left out or stood in for: allreduce-sgd needs every gradient, and the trackers of
 * gradient-tracking and push-diging stay exact only if every message arrives.
 */
const STRICT_ALGORITHMS: readonly string[] = ['allreduce-sgd', 'gradient-tracking', 'push-diging']

/** The neighbour book (on a graph that changes, it waits only on the round's senders), and its buffer pools. */
function receiving(experiment: Experiment, graph: Graph, i: number, wireDim: number, standIns: boolean) {
  const bodies = new BodyPool()
  const decoded = new VectorPool(wireDim)
  const neighbours = graph.neighbours[i]!
  const book = new NeighbourBook(neighbours.length, {
    mode: experiment.run.mode,
    maxStaleness: experiment.run.max_staleness,
    standIns,
    period: experiment.algorithm.kind === 'easgd' ? experiment.algorithm.period : 1,
    ...(graph.dynamics ? roundSenders(graph, i) : {}),
    release: (vector) => {
      bodies.give(vector)
      decoded.give(vector)
    },
  })
  return { book, bodies, decoded, news: new News() }
}

/** Whom the book hears in each round on a graph that changes or points one way, and how far ahead they can be. */
function roundSenders(graph: Graph, i: number): { hears: (round: number, k: number) => boolean; lead: number } {
  const neighbours = graph.neighbours[i]!
  const lag = disseminationRounds(graph)
  return {
    hears: (round, k) => round >= 0 && roundEdges(graph, round).in[i]!.includes(neighbours[k]!),
    // a graph that never repeats has no bound: keep as many rounds as a swarm of this size plausibly spreads over
    lead: Number.isFinite(lag) ? lag : 4 * graph.n + 64,
  }
}

/** Counting rejected messages by reason, and logging them rate-limited. */
function rejections(log: (line: string) => void, i: number): Pick<PeerCore, 'rejects' | 'reject'> {
  const rejects: Record<string, number> = {}
  const rejectLog = new RejectLog(log)
  return {
    rejects,
    reject: (reason, remote = 'a neighbour') => {
      rejectLog.note(remote, reason, performance.now(), `peer ${i}: `)
      rejects[reason] = (rejects[reason] ?? 0) + 1
    },
  }
}
