/**
 * Which algorithm runs on which graph (docs/algorithms.md "Graphs that change, graphs that point one way"), each
 * refusal one line naming the fields: the papers' algorithms (elastic, quorum, easgd, local, allreduce-sgd) need a
 * fixed undirected graph; gradient-tracking needs doubly stochastic mixing; what keeps state per link or per
 * neighbour (CHOCO difference mode, robust aggregation, async staleness) needs links that carry a message every
 * round; and run.target needs a bound on the rounds news takes to cross the swarm.
 */
import { isDifferenceMode } from '../config/compression.js'
import type { Experiment } from '../config/schema.js'
import { disseminationRounds, isDoublyStochastic, periodRounds } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { AlgorithmError } from './step-base.js'

/** The decentralized methods, which run on graphs that change and graphs that point one way. */
export const ROUND_GRAPH_ALGORITHMS = ['dsgd', 'gradient-tracking', 'push-sum', 'push-diging'] as const

const onRoundGraphs = (kind: string): boolean => (ROUND_GRAPH_ALGORITHMS as readonly string[]).includes(kind)

/** Throws an AlgorithmError naming the fields when the algorithm and the graph do not go together. */
export function checkGraphFit(experiment: Experiment, graph: Graph): void {
  const kind = experiment.algorithm.kind
  const topology = `topology.kind: ${experiment.topology.kind}`
  const dynamics = graph.dynamics
  const what = dynamics?.directed ? 'has one-way links' : 'changes from round to round'
  if (dynamics && !onRoundGraphs(kind)) {
    throw refuse(
      `${experiment.topology.kind} ${what}, and algorithm.kind: ${kind} needs a fixed undirected graph; use dsgd, gradient-tracking, push-sum or push-diging`,
      'topology.kind',
    )
  }
  if (kind === 'gradient-tracking' && dynamics && !periodRounds(graph).every((_, t) => isDoublyStochastic(graph, t))) {
    throw refuse(
      `algorithm.kind: gradient-tracking needs doubly stochastic mixing, and ${topology} has peers of unequal in-degree; use push-diging`,
      'algorithm.kind',
    )
  }
  const difference = isDifferenceMode(experiment.compression)
  if (difference && (dynamics || (onRoundGraphs(kind) && kind !== 'dsgd'))) {
    const why = dynamics ? `${topology} ${what}` : `${kind} sends more than its iterate`
    throw refuse(
      `difference keeps a public copy per link, updated every round; ${why}: use mode: direct`,
      'compression.mode',
    )
  }
  const robust = experiment.algorithm.robust
  if (
    (robust.clip !== null || robust.aggregate !== 'weighted') &&
    onRoundGraphs(kind) &&
    (dynamics || kind !== 'dsgd')
  ) {
    throw refuse(
      `robust options change the weights that ${kind === 'dsgd' ? `${topology} (which ${what})` : kind} needs exact; use them with dsgd on a fixed undirected graph`,
      robust.clip !== null ? 'algorithm.robust.clip' : 'algorithm.robust.aggregate',
    )
  }
  if (experiment.run.mode === 'async' && onRoundGraphs(kind) && (dynamics || kind !== 'dsgd')) {
    throw refuse(
      `async: ${dynamics ? `${topology} ${what}` : `${kind} keeps its mass or tracker exact round by round`}; use run.mode: sync`,
      'run.mode',
    )
  }
  if (experiment.run.target !== null && disseminationRounds(graph) === Infinity) {
    throw refuse(
      `${topology} has no bound on the rounds news takes to reach every peer, so peers cannot agree on when to stop; use run.rounds`,
      'run.target',
    )
  }
}

function refuse(message: string, field: string): AlgorithmError {
  return new AlgorithmError('BAD_OPTION', message, field)
}
