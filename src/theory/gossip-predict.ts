/**
 * The theory of the decentralized methods (dsgd, gradient-tracking, push-sum, push-diging; docs/algorithms.md
 * "Graphs that change, graphs that point one way") in `meshgd theory` and a run's `rate_predicted`: the mixing rate
 * of the graph's round matrices (mixing.ts), and the rate it predicts for plain gossip (dsgd or push-sum with
 * eta 0), whose error against the mean of the starts (the run's reference) contracts by `rate_per_round` a round
 * asymptotically. Pure: takes the resolved experiment and graph.
 */
import type { Experiment } from '../config/schema.js'
import type { Graph } from '../topology/types.js'
import {
  mixingTheory,
  MIXING_PEER_LIMIT,
  MIXING_PREDICTION_PEER_LIMIT,
  type GossipWeights,
  type MixingTheory,
} from './mixing.js'
import type { RatePrediction } from './predict.js'

type Algorithm = Experiment['algorithm']

/** The matrices an algorithm gossips with: row-stochastic mixing, column-stochastic push shares, or none. */
export function gossipWeightsOf(kind: Algorithm['kind']): GossipWeights | null {
  if (kind === 'dsgd' || kind === 'gradient-tracking') return 'mixing'
  if (kind === 'push-sum' || kind === 'push-diging') return 'push'
  return null
}

/** Whether the run is plain gossip: dsgd or push-sum with every step 0. */
function isPlainGossip(a: Algorithm): boolean {
  return (a.kind === 'dsgd' || a.kind === 'push-sum') && a.eta === 0 && a.eta_per_peer === null
}

/**
 * Why the mixing rate predicts no rate for this experiment (the graph, when given, adds the reasons that need it),
 * or null when it does; also null for an algorithm that does not gossip by these weights.
 */
export function whyNoGossipPrediction(experiment: Experiment, graph?: Graph): string | null {
  const a = experiment.algorithm
  const weights = gossipWeightsOf(a.kind)
  if (weights === null) return null
  if (!isPlainGossip(a)) {
    const plain =
      a.kind === 'dsgd' || a.kind === 'push-sum' ? ` (plain gossip, ${a.kind} with eta 0, is predicted)` : ''
    return `the mixing rate bounds the consensus part of ${a.kind} only; there is no rate theory of its optimisation here${plain}`
  }
  if (experiment.compression.kind !== 'none') return "plain gossip's rate is for exact messages (compression: none)"
  if (a.robust.clip !== null || a.robust.aggregate !== 'weighted')
    return "plain gossip's rate is for the weighted average (robust options off)"
  if (experiment.run.init.kind === 'zeros')
    return 'every peer starts at the same point (run.init: zeros): gossip has nothing to average; use run.init: gaussian'
  if (!graph) return null
  return whyNoRateOnGraph(a.kind, weights, graph)
}

/** The graph's part of whyNoGossipPrediction: a graph that never repeats, too many peers, a weighted limit. */
function whyNoRateOnGraph(kind: Algorithm['kind'], weights: GossipWeights, graph: Graph): string | null {
  if (graph.dynamics && graph.dynamics.period === null)
    return 'the round graphs never repeat: only the mean-square rate is known (`mixing`), and a single run beats it'
  if (graph.n > MIXING_PREDICTION_PEER_LIMIT)
    return `a run's prediction takes the mixing rate up to ${MIXING_PREDICTION_PEER_LIMIT} peers (\`meshgd theory\` up to ${MIXING_PEER_LIMIT})`
  if (weights === 'mixing' && mixingSection(graph, weights, MIXING_PREDICTION_PEER_LIMIT).doubly_stochastic === false)
    return `${kind}'s mixing is not doubly stochastic on this graph: gossip goes to a weighted mean of the starts, not the mean the run measures against (push-sum goes to the mean)`
  return null
}

/** The mixing theory of a graph, computed once per graph, weights and size limit. */
const computed = new WeakMap<Graph, Map<string, MixingTheory>>()

function mixingSection(graph: Graph, weights: GossipWeights, peerLimit: number): MixingTheory {
  let byKey = computed.get(graph)
  if (!byKey) {
    byKey = new Map()
    computed.set(graph, byKey)
  }
  const key = `${weights} ${Math.min(peerLimit, Math.max(graph.n, 1))}`
  let theory = byKey.get(key)
  if (!theory) {
    theory = mixingTheory(graph, weights, { peerLimit })
    byKey.set(key, theory)
  }
  return theory
}

/** The `mixing` section of `meshgd theory` for the algorithms that gossip by round matrices; null for the others. */
export function mixingReport(experiment: Experiment, graph: Graph): MixingTheory | null {
  const weights = gossipWeightsOf(experiment.algorithm.kind)
  return weights === null ? null : mixingSection(graph, weights, MIXING_PEER_LIMIT)
}

/**
 * Plain gossip's predicted rate: the per-round rate of one period's product (0 when it averages exactly), which
 * max_i |w_i - mean of the starts| contracts by asymptotically (Xiao & Boyd 2004). Null where whyNoGossipPrediction
 * gives a reason.
 */
export function gossipRatePrediction(experiment: Experiment, graph: Graph): RatePrediction | null {
  const weights = gossipWeightsOf(experiment.algorithm.kind)
  if (weights === null || whyNoGossipPrediction(experiment, graph) !== null) return null
  const rate = mixingSection(graph, weights, MIXING_PREDICTION_PEER_LIMIT).rate_per_round
  if (rate === null) return null
  return { algorithm: experiment.algorithm.kind, rate, method: 'mixing', mitra_lower_bound: null, rate_excited: rate }
}
