/**
 * What the theory predicts for an experiment: `rate_predicted` in summaries and the `meshgd theory` report.
 * Pure: takes the resolved graph and problem.
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import { degreeStats, spectralFacts } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { elasticTheory, type ElasticTheory } from './elastic.js'

export interface RatePrediction {
  algorithm: string
  /** Predicted linear rate R (per round) of max_i |w_i - w_ref|. */
  rate: number
  method: string
  /** 000_... Sec. III in its corrected form: R >= 1 - eta * lambda_min^+(H), H = (1/n) sum_i H_i. */
  mitra_lower_bound: number
}

interface Resolved {
  readonly experiment: Experiment
  readonly graph: Graph
  readonly problem: Problem
}

/** Why no rate is predicted for this experiment, or null when one is. */
export function whyNoPrediction(experiment: Experiment, problem: Problem): string | null {
  const a = experiment.algorithm
  if (a.kind !== 'elastic') return `no rate theory for algorithm ${a.kind}`
  if (problem.loss !== 'squared') return `the rate theory of 000_... holds for squared loss (this is ${problem.loss})`
  if (a.sampling.kind !== 'full') return 'the linear-rate prediction needs full gradients (sampling: full)'
  if (a.local_steps !== 1) return 'the rate theory is for one gradient step per round (local_steps: 1)'
  if (a.eta_per_peer) return 'the rate theory is for one step size shared by all peers'
  return null
}

export function predictRate(resolved: Resolved): RatePrediction | null {
  const { experiment, graph, problem } = resolved
  const a = experiment.algorithm
  if (whyNoPrediction(experiment, problem) !== null || a.kind !== 'elastic') return null
  const t = elasticTheory(graph, problem.shards, a.eta, a.mu, { method: 'auto', optimiseMu: false, ranges: false })
  return { algorithm: 'elastic', rate: t.rate, method: t.method, mitra_lower_bound: t.mitra.lowerBound }
}

export interface TheoryReport {
  experiment: { swarm: string; peers: number; topology: string; algorithm: string; loss: string; dim: number }
  graph: {
    edges: number
    degree: { min: number; max: number; mean: number }
    algebraic_connectivity: number
    laplacian_lambda_max: number
  }
  elastic: (ElasticTheory & { eta: number; mu: number }) | null
  note: string | null
}

export function theoryReport(resolved: Resolved, opts: { optimiseMu?: boolean } = {}): TheoryReport {
  const { experiment, graph, problem } = resolved
  const spectral = spectralFacts(graph)
  const a = experiment.algorithm
  const note = whyNoPrediction(experiment, problem)
  const elastic =
    note === null && a.kind === 'elastic'
      ? {
          eta: a.eta,
          mu: a.mu,
          ...elasticTheory(graph, problem.shards, a.eta, a.mu, { method: 'auto', optimiseMu: opts.optimiseMu ?? true }),
        }
      : null
  return {
    experiment: {
      swarm: experiment.swarm.id,
      peers: graph.n,
      topology: experiment.topology.kind,
      algorithm: a.kind,
      loss: problem.loss,
      dim: problem.paramDim,
    },
    graph: {
      edges: graph.edges.length,
      degree: degreeStats(graph),
      algebraic_connectivity: spectral.algebraicConnectivity,
      laplacian_lambda_max: spectral.lambdaMax,
    },
    elastic,
    note,
  }
}
