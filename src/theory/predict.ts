/**
 * What the theory predicts for an experiment: `rate_predicted` in summaries and the `meshgd theory` report.
 * Pure: takes the resolved graph and problem.
 */
import type { Experiment } from '../config/schema.js'
import type { DataProblem, Problem } from '../problems/types.js'
import { theoryData } from './quadratic-module.js'
import { degreeStats, topologyName } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { qsgdOmega } from '../codec/quantize.js'
import { elasticTheory, elasticTheoryCost, type ElasticTheory } from './elastic.js'
import { gossipRatePrediction, gossipWeightsOf, mixingReport, whyNoGossipPrediction } from './gossip-predict.js'
import { laplacianEigen } from './elastic-engine.js'
import { localDecay, optimalLocalSteps } from './local.js'
import type { MixingTheory } from './mixing.js'
import { predictedMeanLoss, quorumStationaryNoise } from './quorum.js'
import { mbbTheory, mitraBernoulli, sampleSpectrum, type SgdTheory } from './sgd.js'

export interface RatePrediction {
  algorithm: string
  /** Predicted linear rate R (per round) of max_i |w_i - w_ref|. */
  rate: number
  /** how: the elastic theory's 'dense' or 'lanczos' (elastic.ts), or 'mixing' for plain gossip (gossip-predict.ts) */
  method: string
  /** Mitra 2018 Sec. III in its corrected form: R >= 1 - eta * lambda_min^+(H), H = (1/n) sum_i H_i; null for gossip. */
  mitra_lower_bound: number | null
  /**
   * The rate of the modes the run's start excites: with run.init zeros (every w_i^0 = 0) only R^n kron U, U the span
   * of the samples (elastic-engine.ts); with a per-peer random start every mode, so `rate`. Null where not computed.
   */
  rate_excited: number | null
}

interface Resolved {
  readonly experiment: Experiment
  readonly graph: Graph
  readonly problem: Problem
}

/**
 * Why no rate is predicted for this experiment, or null when one is. The graph, when given, adds the reasons of
 * plain gossip that need it (gossip-predict.ts).
 */
export function whyNoPrediction(experiment: Experiment, problem: Problem, graph?: Graph): string | null {
  const a = experiment.algorithm
  if (gossipWeightsOf(a.kind) !== null) return whyNoGossipPrediction(experiment, graph)
  if (a.kind !== 'elastic') return `no rate theory for algorithm ${a.kind}`
  const data = theoryData(problem)
  if (!data) return NOT_QUADRATIC
  if (data.loss !== 'squared') return `the rate theory of Mitra 2018 holds for squared loss (this is ${data.loss})`
  if (a.sampling.kind !== 'full') return 'the linear-rate prediction needs full gradients (sampling: full)'
  if (a.local_steps !== 1) return 'the rate theory is for one gradient step per round (local_steps: 1)'
  if (a.eta_per_peer) return 'the rate theory is for one step size shared by all peers'
  const cost = costOf(data)
  if (cost.multiplyAdds > THEORY_COST_LIMIT) {
    return `the rate theory would take about ${cost.multiplyAdds.toExponential(1)} multiply-adds (ten minutes or more), mostly ${cost.dominant}; its limit is ${THEORY_COST_LIMIT.toExponential(0)}`
  }
  return null
}

/**
 * Cost limits of the elastic rate theory, in multiply-adds as elasticTheoryCost counts them. Its cost grows with
 * the samples N and with min(N, d), not with n d: a 64-peer ring at d = 10^6 with one sample each is ~2e9 (under
 * a second). `meshgd theory` leaves the theory out above THEORY_COST_LIMIT (about ten minutes here); a summary's
 * rate prediction is skipped above PREDICTION_COST_LIMIT (a few seconds, more than most runs cost).
 */
export const THEORY_COST_LIMIT = 1e12
export const PREDICTION_COST_LIMIT = 1e10

/** Why a problem module has no theory. */
const NOT_QUADRATIC =
  'not applicable: the theory is for quadratic losses, and this problem module does not declare itself quadratic (hessian(i))'

function costOf(
  problem: DataProblem,
  opts: { ranges?: boolean; optimiseMu?: boolean } = {},
): { multiplyAdds: number; dominant: string } {
  const samples = problem.shards.reduce((sum, shard) => sum + shard.rows, 0)
  return elasticTheoryCost(problem.shards.length, samples, problem.paramDim, opts)
}

export function predictRate(resolved: Resolved): RatePrediction | null {
  const { experiment, graph, problem } = resolved
  const a = experiment.algorithm
  if (gossipWeightsOf(a.kind) !== null) return gossipRatePrediction(experiment, graph)
  const data = theoryData(problem)
  if (whyNoPrediction(experiment, problem) !== null || a.kind !== 'elastic' || !data) return null
  if (costOf(data, { ranges: false }).multiplyAdds > PREDICTION_COST_LIMIT) return null
  const t = elasticTheory(graph, data.shards, a.eta, a.mu, { method: 'auto', optimiseMu: false, ranges: false })
  const excited = experiment.run.init.kind === 'zeros' ? t.rateExcited : t.rate
  return {
    algorithm: 'elastic',
    rate: t.rate,
    method: t.method,
    mitra_lower_bound: t.mitra.lowerBound,
    rate_excited: excited,
  }
}

export interface TheoryReport {
  experiment: { swarm: string; peers: number; topology: string; algorithm: string; loss: string; dim: number }
  graph: {
    edges: number
    /** the edges are the links held over a period of a graph that changes or points one way, not a round's graph */
    changing: boolean
    degree: { min: number; max: number; mean: number }
    algebraic_connectivity: number
    laplacian_lambda_max: number
  }
  /** dsgd, gradient-tracking, push-sum, push-diging: the rate of the graph's round matrices (mixing.ts). */
  mixing: MixingTheory | null
  elastic: ElasticReport | null
  /** Ma, Bassily & Belkin 2017 Theorem 4 over the union of all samples (squared loss), for the configured batch size m. */
  sgd: SgdTheory | null
  /** Mitra 2018 Eqs. 11-12 for Bernoulli sampling with expected batch m. */
  bernoulli: { m: number; eta_star: number; g_star: number } | null
  /** Zhang & Li 2022 Sec. 4: local decay beta of the configured step and the cost-optimal T* for cost ratios r = C_g / C_c. */
  local: { beta: number; t_star: Array<{ r: number; t_star: number; asymptotic: number }> } | null
  /** Boffi & Slotine 2020 at a quadratic minimum: predicted loss of the mean eta Tr(H) / (4 b p) and the noise of the swarm. */
  quorum: { mean_loss: number; agent_deviation_variance: number | null; mean_variance: number | null } | null
  /** QSGD (Kalan et al. 2019 Sec. 2.2): variance factor 1 + min(d/s^2, sqrt(d)/s) and bits per message for some levels s. */
  qsgd: Array<{ levels: number; variance_factor: number; bits_per_message: number }> | null
  /** Why there is no rate prediction (elastic, or plain gossip), or why part of it (the best-mu scan) was left out. */
  note: string | null
}

/**
 * The elastic theory as `meshgd theory --json` prints it: snake_case like every file and JSON output of meshgd
 * (docs/experiments.md "What a run writes"). A stable range with no upper end (`eta_max`, `mu_max` Infinity) prints
 * as null.
 */
export interface ElasticReport {
  eta: number
  mu: number
  rate: number
  /** the rate of the modes a start common to every peer excites (ElasticTheory.rateExcited) */
  rate_excited: number | null
  method: ElasticTheory['method']
  mitra_lower_bound: number
  lambda_min_plus_h: number
  lambda_max_h: number
  lambda_max_hi: number
  laplacian_lambda_max: number
  algebraic_connectivity: number
  stable: boolean
  eta_max: number
  mu_max: number
  sufficient: { eta_times_lambda_max_hi: number; mu_times_lambda_max_l: number; sum: number }
  mu_optimal: { mu: number; rate: number } | null
}

function elasticReport(t: ElasticTheory): Omit<ElasticReport, 'eta' | 'mu'> {
  return {
    rate: t.rate,
    rate_excited: t.rateExcited,
    method: t.method,
    mitra_lower_bound: t.mitra.lowerBound,
    lambda_min_plus_h: t.lambdaMinPlusH,
    lambda_max_h: t.lambdaMaxH,
    lambda_max_hi: t.lambdaMaxHi,
    laplacian_lambda_max: t.laplacian.lambdaMax,
    algebraic_connectivity: t.laplacian.algebraicConnectivity,
    stable: t.stable,
    eta_max: t.etaMax,
    mu_max: t.muMax,
    sufficient: {
      eta_times_lambda_max_hi: t.sufficient.etaTimesLambdaMaxHi,
      mu_times_lambda_max_l: t.sufficient.muTimesLambdaMaxL,
      sum: t.sufficient.sum,
    },
    mu_optimal: t.muOptimal,
  }
}

/**
 * The part of the theory that needs only the graph (L's eigen-decomposition), done ahead: `meshgd theory` does it
 * while its worker threads draw the Gram matrix of the samples, and the report then finds it done.
 */
export function prepareGraphTheory(graph: Graph): void {
  laplacianEigen(graph)
}

export function theoryReport(resolved: Resolved, opts: { optimiseMu?: boolean } = {}): TheoryReport {
  const { experiment, graph, problem } = resolved
  const lap = laplacianEigen(graph)
  const a = experiment.algorithm
  const note = whyNoPrediction(experiment, problem, graph)
  const data = theoryData(problem)
  const scan = data ? muScan(data, opts.optimiseMu ?? true) : { run: false, note: null }
  const elastic =
    note === null && a.kind === 'elastic' && data
      ? {
          eta: a.eta,
          mu: a.mu,
          ...elasticReport(elasticTheory(graph, data.shards, a.eta, a.mu, { method: 'auto', optimiseMu: scan.run })),
        }
      : null
  // the sampling theories read single samples, which a module's Hessian does not give
  const spectrum = problem.loss === 'squared' ? sampleSpectrum(problem.shards) : null
  return {
    ...samplingTheory(a, spectrum),
    local: data ? localTheory(a, data) : null,
    quorum: quorumTheory(a, spectrum, graph.n),
    qsgd: qsgdTheory(a, problem.paramDim),
    experiment: {
      swarm: experiment.swarm.id,
      peers: graph.n,
      topology: topologyName(experiment.topology, graph.n),
      algorithm: a.kind,
      loss: problem.loss,
      dim: problem.paramDim,
    },
    graph: {
      edges: graph.edges.length,
      changing: graph.dynamics !== undefined,
      degree: degreeStats(graph),
      algebraic_connectivity: graph.n > 1 ? lap.values[1]! : 0,
      laplacian_lambda_max: lap.values[graph.n - 1]!,
    },
    mixing: mixingReport(experiment, graph),
    elastic,
    note: note ?? (elastic ? scan.note : data ? null : NOT_QUADRATIC),
  }
}

type AlgorithmSpec = Resolved['experiment']['algorithm']
type Spectrum = ReturnType<typeof sampleSpectrum>

/** Sampled gradients: Ma, Bassily & Belkin 2017 for batches, Mitra 2018 for Bernoulli sampling (squared loss). */
function samplingTheory(a: AlgorithmSpec, spectrum: Spectrum | null): Pick<TheoryReport, 'sgd' | 'bernoulli'> {
  const m = a.sampling.kind === 'full' ? (spectrum?.samples ?? 1) : a.sampling.size
  const sgd =
    spectrum && a.sampling.kind !== 'full'
      ? mbbTheory(spectrum, a.sampling.kind === 'batch' ? a.sampling.size : Math.max(1, Math.round(m)))
      : null
  const bernoulli = spectrum && a.sampling.kind === 'bernoulli' ? mitraBernoulli(spectrum, a.sampling.size) : null
  return { sgd, bernoulli }
}

/** Local steps (Zhang & Li 2022): the decay and the best number of local steps per communication ratio. */
function localTheory(a: AlgorithmSpec, problem: DataProblem): TheoryReport['local'] {
  if (problem.loss !== 'squared' || !(a.kind === 'local' || ('local_steps' in a && a.local_steps !== 1))) return null
  const beta = localDecay(problem.shards, a.eta)
  if (!(beta > 0 && beta < 1)) return null
  return { beta, t_star: [0.01, 0.1, 1, 10].map((r) => ({ r, ...pick(optimalLocalSteps(beta, r)) })) }
}

/** Quorum and EASGD (Boffi & Slotine 2020): the predicted mean loss, and the stationary noise with gradient noise. */
function quorumTheory(a: AlgorithmSpec, spectrum: Spectrum | null, peers: number): TheoryReport['quorum'] {
  if (!spectrum || (a.kind !== 'quorum' && a.kind !== 'easgd')) return null
  const b = a.sampling.kind === 'full' ? 1 : a.sampling.size
  const k = a.kind === 'quorum' ? a.k : 0
  const noise =
    a.gradient_noise > 0
      ? quorumStationaryNoise({ eta: a.eta, h: spectrum.lambda_1, k, sigma: a.gradient_noise, b: 1, p: peers })
      : null
  return {
    mean_loss: predictedMeanLoss(a.eta, spectrum.trace, b, peers),
    agent_deviation_variance: noise?.agentDeviationVariance.discrete ?? null,
    mean_variance: noise?.meanVariance.discrete ?? null,
  }
}

/** QSGD (Kalan et al. 2019): the variance factor and message bits at a few numbers of levels. */
function qsgdTheory(a: AlgorithmSpec, d: number): TheoryReport['qsgd'] {
  if (a.kind !== 'allreduce-sgd') return null
  return [2, 4, 16, 256].map((levels) => ({
    levels,
    variance_factor: 1 + qsgdOmega(d, levels),
    bits_per_message: 32 + d * Math.ceil(Math.log2(2 * levels + 1)),
  }))
}

/** Whether the best-mu scan (about 40 more rate evaluations) stays under THEORY_COST_LIMIT, and a note when not. */
function muScan(problem: DataProblem, wanted: boolean): { run: boolean; note: string | null } {
  if (!wanted) return { run: false, note: null }
  const cost = costOf(problem, { optimiseMu: true })
  if (cost.multiplyAdds <= THEORY_COST_LIMIT) return { run: true, note: null }
  return {
    run: false,
    note: `muOptimal was not computed: the scan over mu would take about ${cost.multiplyAdds.toExponential(1)} multiply-adds, mostly ${cost.dominant}; the limit is ${THEORY_COST_LIMIT.toExponential(0)}`,
  }
}

function pick(t: { tStar: number; asymptotic: number }): { t_star: number; asymptotic: number } {
  return { t_star: t.tStar, asymptotic: t.asymptotic }
}
