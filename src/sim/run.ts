/**
 * `meshgd sim`: resolve the experiment, compute the reference and the theory, simulate, write the run directory.
 */
import { performance } from 'node:perf_hooks'
import { wireBytesOfVector } from '../codec/index.js'
import { messageLength } from '../algorithms/peer-step.js'
import { maxPairwiseDistance } from '../linalg/kernels.js'
import { resolveExperiment, type ResolvedExperiment } from '../exchange/resolve.js'
import { stopFieldFor, targetLag } from '../exchange/target-stop.js'
import { topologyName } from '../topology/index.js'
import { summaryEvaluation, type EvaluationSummary, type RoundRecord } from '../exchange/records.js'
import { runReference } from '../exchange/reference.js'

/** The solution a run is measured against (exchange/reference.ts), or null. */
type RunReference = NonNullable<ReturnType<typeof runReference>>
import type { Experiment, ExperimentInput } from '../config/schema.js'
import { RunDirectory } from '../observe/run-dir.js'
import { predictRate, type RatePrediction } from '../theory/predict.js'
import { createChannel } from './channel.js'
import { measuredRate, simulate, type SimulationInput, type SimulationResult } from './engine.js'

export interface SimOptions {
  readonly out: string
  readonly baseDir: string
  readonly onProgress?: (round: number, relError: number | null) => void
  readonly shouldStop?: () => boolean
  /** Skip the theory (rate_predicted: null). */
  readonly theory?: boolean
}

export interface RunSummary {
  mode: 'sim'
  swarm: string
  peers: number
  /** the topology as it was built: `torus 2 x 4`, `ring` */
  topology: string
  rounds: number
  converged: boolean
  /**
   * The first round at which every peer was within run.target (null: not reached, or no target); the run stopped
   * the graph's diameter later (src/exchange/target-stop.ts), when every peer of a swarm can know it
   */
  target_round: number | null
  interrupted: boolean
  diverged: boolean
  wall_s: number
  bytes_sent: number
  bytes_received: number
  /** bytes_sent / rounds */
  bytes_per_round: number | null
  /** 8 bytes_sent / (messages d): what one coordinate cost on the wire, framing included */
  bits_per_coordinate: number | null
  rate_measured: number | null
  rate_predicted: number | null
  theory: RatePrediction | null
  reference: string | null
  final: {
    max_error: number | null
    relative_max_error: number | null
    disagreement: number
    mean_loss: number
    /** a problem module's `evaluate` figures (docs/problems.md) */
    evaluation?: EvaluationSummary
  }
  experiment: Experiment
}

export function runSimulation(
  input: ExperimentInput,
  options: SimOptions,
): { summary: RunSummary; result: SimulationResult } {
  const resolved = resolveExperiment(input, options.baseDir)
  const { experiment, graph } = resolved
  const reference = runReference(resolved)
  const theory = options.theory === false ? null : predictRate(resolved)
  const dir = new RunDirectory(options.out, graph.n)
  try {
    let lastRecords: readonly RoundRecord[] = []
    const result = simulate(simulationInput(resolved, reference), {
      now: () => performance.now(),
      onRecord: (records) => {
        dir.appendRecords(records)
        lastRecords = records
      },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
    })
    if (experiment.output.params) result.params.forEach((w, i) => dir.writeParams(i, w))
    const summary = simulationSummary(resolved, result, reference, theory, lastRecords)
    dir.writeSummary(summary)
    return { summary, result }
  } finally {
    dir.close()
  }
}

/** The engine's input: the codec channel a swarm's frames go through, their sizes, and where a swarm stops. */
function simulationInput(resolved: ResolvedExperiment, reference: RunReference | null): SimulationInput {
  const { experiment, graph, problem } = resolved
  const stop = stopFieldFor(experiment, graph, reference !== null)
  const dim = messageLength(experiment.algorithm, problem.paramDim)
  return {
    experiment,
    graph,
    problem,
    reference: reference?.w ?? null,
    channel: createChannel(experiment, graph.n, dim, stop),
    messageBytes: (round, from) =>
      wireBytesOfVector({
        swarm: experiment.swarm.id,
        round,
        from,
        kind: 'params',
        codec: 'f64',
        dim,
        ...stop,
      }),
    // stop where a swarm of this experiment stops: the rounds that news of the target takes to cross the graph
    targetLag: targetLag(experiment, graph),
  }
}

function simulationSummary(
  resolved: ResolvedExperiment,
  result: SimulationResult,
  reference: RunReference | null,
  theory: RatePrediction | null,
  lastRecords: readonly RoundRecord[],
): RunSummary {
  const { experiment, graph, problem } = resolved
  const refNorm = reference ? Math.sqrt(reference.w.reduce((s, x) => s + x * x, 0)) : 0
  const maxError = reference ? Math.max(...lastRecords.map((r) => r.error ?? 0)) : null
  const bytesSent = result.bytesSent.reduce((s, x) => s + x, 0)
  return {
    mode: 'sim',
    swarm: experiment.swarm.id,
    peers: graph.n,
    topology: topologyName(experiment.topology, graph.n),
    rounds: result.rounds,
    converged: result.converged,
    target_round: result.targetRound,
    interrupted: result.interrupted,
    diverged: result.diverged,
    wall_s: result.wallMs / 1000,
    bytes_sent: bytesSent,
    bytes_received: result.bytesReceived.reduce((s, x) => s + x, 0),
    ...wireAccounting(
      bytesSent,
      result.rounds,
      result.messagesSent,
      messageLength(experiment.algorithm, problem.paramDim),
    ),
    rate_measured: reference ? measuredRate(result.maxErrorHistory, refNorm) : null,
    rate_predicted: theory?.rate ?? null,
    theory,
    reference: reference?.kind ?? null,
    final: {
      max_error: maxError,
      relative_max_error: maxError === null ? null : maxError / (refNorm > 0 ? refNorm : 1),
      disagreement: maxPairwiseDistance(result.params),
      mean_loss: lastRecords.reduce((s, r) => s + r.loss, 0) / Math.max(1, lastRecords.length),
      ...summaryEvaluation(problem, lastRecords, result.params),
    },
    experiment,
  }
}

/** The summary's per-round and per-coordinate view of the bytes on the wire. */
export function wireAccounting(
  bytes: number,
  rounds: number,
  messages: number,
  dim: number,
): { bytes_per_round: number | null; bits_per_coordinate: number | null } {
  return {
    bytes_per_round: rounds > 0 ? bytes / rounds : null,
    bits_per_coordinate: messages > 0 && dim > 0 ? (8 * bytes) / (messages * dim) : null,
  }
}
