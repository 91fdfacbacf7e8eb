/**
 * From a validated experiment to the objects the runtimes use: the graph, the problem, and their specs (shared by
 * the simulator and the peer, so it lives in src/exchange; src/config only reads and validates). Cross-field checks
 * that need more than one section live here, each naming its field. Files are read by the caller's sources (Node:
 * resolve.ts; a browser peer: what its page fetched), so nothing here imports a `node:*` module.
 */
import { buildProblem, objectiveOf, type ProblemSources } from '../problems/index.js'
import type { Problem, ProblemSpec } from '../problems/types.js'
import { buildGraph, latticeShape } from '../topology/index.js'
import type { Graph, TopologySpec } from '../topology/types.js'
import { ConfigError } from '../config/errors.js'
import { pinsOf } from '../config/pins.js'
import { checkAlgorithm } from '../algorithms/peer-step.js'
import { optimalEta, optimalMu } from '../theory/elastic.js'
import { mbbTheory, mitraBernoulli, sampleSpectrum } from '../theory/sgd.js'
import type { Experiment, ExperimentInput } from '../config/schema.js'
import { log } from '../util/fdlibm.js'

export { nearSquare } from '../topology/index.js'

export function topologySpecOf(experiment: ExperimentInput): TopologySpec {
  return specOf(experiment.topology, experiment.swarm.peers, 'topology')
}

type TopologySection = ExperimentInput['topology'] | NonNullable<ExperimentInput['topology']['graphs']>[number]

/** One graph's spec, with the fields its kind reads (a schedule's graphs each in turn). */
function specOf(t: TopologySection, n: number, field: string): TopologySpec {
  const spec: TopologySpec = { kind: t.kind, seed: t.seed, weights: t.weights, directed: t.directed }
  switch (t.kind) {
    case 'grid':
    case 'torus': {
      const shape = latticeShape(t, n)!
      spec.rows = shape.rows
      spec.cols = shape.cols
      break
    }
    case 'random-regular':
      spec.degree = t.degree
      break
    case 'erdos-renyi':
      spec.p = t.p ?? Math.min(1, (2 * log(Math.max(n, 2))) / Math.max(n, 2))
      break
    case 'small-world':
      spec.k = t.k
      spec.beta = t.beta
      break
    case 'barabasi-albert':
      spec.m = t.m
      break
    case 'edges':
      if (!t.edges) throw new ConfigError('CONFIG_INVALID', 'required when topology.kind is "edges"', `${field}.edges`)
      spec.edges = t.edges
      break
    case 'schedule':
      if (!('graphs' in t) || !t.graphs)
        throw new ConfigError('CONFIG_INVALID', 'required when topology.kind is "schedule"', 'topology.graphs')
      spec.graphs = t.graphs.map((g, at) => specOf(g, n, `topology.graphs.${at}`))
      spec.period = t.period
      break
    default:
      break
  }
  return spec
}

export interface ResolvedExperiment {
  readonly experiment: Experiment
  readonly graph: Graph
  readonly problem: Problem
}

/**
 * `algorithm.eta: auto`: eta*(m) of Ma, Bassily & Belkin 2017 Theorem 4 for batch sampling, Mitra's eta* (Mitra 2018 Eq. 11) for
 * Bernoulli sampling, and for full gradients the step that minimises the predicted rate of `elastic` (or eta*(N),
 * the optimal full-batch step 2N / (beta + (N - 1)(lambda_1 + lambda_n)), for the other algorithms).
 */
export function autoEta(experiment: ExperimentInput, graph: Graph, problem: Problem): number {
  if (problem.loss !== 'squared') {
    throw new ConfigError(
      'CONFIG_INVALID',
      `auto needs squared loss (the step theory of Ma, Bassily & Belkin 2017 is for it); give a number for ${lossName(problem)}`,
      'algorithm.eta',
    )
  }
  const spectrum = sampleSpectrum(problem.shards)
  const a = experiment.algorithm
  switch (a.sampling.kind) {
    case 'batch':
      return mbbTheory(spectrum, a.sampling.size).eta_star
    case 'bernoulli':
      return mitraBernoulli(spectrum, a.sampling.size).eta_star
    case 'full':
      if (a.kind === 'elastic') return optimalEta(graph, problem.shards, a.mu === 'auto' ? 0.2 : a.mu)
      return mbbTheory(spectrum, spectrum.samples).eta_star
  }
}

/**
 * `eta` and an elastic `mu`, with `auto` replaced: the theory's rate-optimal value of each at the other. Both auto:
 * eta* at the default mu, then mu* at that eta, then eta* at that mu (coordinate descent on a rate convex in each).
 */
function autoCoupling(input: ExperimentInput, graph: Graph, problem: Problem): { eta: number; mu?: number } {
  const a = input.algorithm
  const withMu = (mu: number): ExperimentInput => ({ ...input, algorithm: { ...a, mu } }) as ExperimentInput
  if (a.kind !== 'elastic' || a.mu !== 'auto') return { eta: a.eta === 'auto' ? autoEta(input, graph, problem) : a.eta }
  const eta0 = a.eta === 'auto' ? autoEta(withMu(0.2), graph, problem) : a.eta
  const mu = autoMu(graph, problem, eta0)
  return { eta: a.eta === 'auto' ? autoEta(withMu(mu), graph, problem) : eta0, mu }
}

function lossName(problem: Problem): string {
  return problem.loss === 'module' ? 'a problem module' : `${problem.loss} loss`
}

/** `algorithm.mu: auto`: the theory's best mu at step eta (squared loss; a graph on which mu matters). */
function autoMu(graph: Graph, problem: Problem, eta: number): number {
  if (problem.loss !== 'squared')
    throw new ConfigError(
      'CONFIG_INVALID',
      `auto needs squared loss (the elastic theory is for it); give a number for ${lossName(problem)}`,
      'algorithm.mu',
    )
  const mu = optimalMu(graph, problem.shards, eta)
  if (mu === null)
    throw new ConfigError(
      'CONFIG_INVALID',
      `auto: no coupling is stable at algorithm.eta ${eta}, or mu has no effect here (meshgd theory says which); give a number`,
      'algorithm.mu',
    )
  return mu
}

/**
 * libp2p's WebRTC transports skip the private-network protector, so in a keyed swarm a browser tab takes no WebRTC
 * connection, and two tabs cannot be neighbours (docs/swarms.md "Peers in the browser").
 */
function checkKeyedTabs(input: ExperimentInput, graph: Graph): void {
  const tabs = new Set(input.swarm.browser_peers)
  if (input.swarm.key_file === null || tabs.size < 2) return
  for (const i of tabs) {
    const j = graph.neighbours[i]!.find((k) => tabs.has(k))
    if (j !== undefined)
      throw new ConfigError(
        'CONFIG_INVALID',
        `peers ${i} and ${j} are neighbours and both browser tabs, but this swarm is keyed and WebRTC between tabs would skip the swarm key; make one of them a Node peer`,
        'swarm.browser_peers',
      )
  }
}

/**
 * Build the graph and the problem and fix every value; errors from the pure layers keep their one-line messages.
 * `problemSpec`: the experiment's problem with its paths as `sources` reads them. `peer`: the one peer this process
 * computes for (a networked peer), which alone a problem module then loads.
 */
export function resolveWith(
  input: ExperimentInput,
  problemSpec: ProblemSpec,
  sources: Pick<ProblemSources, 'readText' | 'importModule'>,
  peer: number | null = null,
): ResolvedExperiment {
  const n = input.swarm.peers
  const outside = input.swarm.browser_peers.find((i) => i >= n)
  if (outside !== undefined)
    throw new ConfigError('CONFIG_INVALID', `index ${outside} is not a peer (0..${n - 1})`, 'swarm.browser_peers')
  const graph = buildGraph(topologySpecOf(input), n)
  checkKeyedTabs(input, graph)
  const problem = buildProblem(problemSpec, n, { ...sources, seed: input.run.seed, peer })
  const sampling = input.algorithm.sampling
  if (sampling.kind === 'bernoulli') {
    for (const i of peer === null ? graph.neighbours.keys() : [peer]) {
      const rows = objectiveOf(problem, i).samples
      if (sampling.size > rows) {
        throw new ConfigError(
          'CONFIG_INVALID',
          `${sampling.size} is more than the ${rows} samples of peer ${i} (Bernoulli sampling takes each sample with probability size / samples)`,
          'algorithm.sampling.size',
        )
      }
    }
  }
  const experiment = {
    ...input,
    algorithm: { ...input.algorithm, ...autoCoupling(input, graph, problem) },
  } as Experiment
  checkAlgorithm(experiment, graph)
  pinsOf(experiment)
  return { experiment, graph, problem }
}
