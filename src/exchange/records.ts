/**
 * The records every run writes (metrics.jsonl), the same from the simulator and from a peer, and how often.
 */
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'

/** One line of metrics.jsonl (docs/algorithms.md "Metrics"). */
export interface RoundRecord {
  round: number
  peer: number
  loss: number
  grad_norm: number
  /** max over neighbours j of |w_i - w_j| */
  disagreement: number
  /** |w_i - w_ref|, or null when no reference is known */
  error: number | null
  /** cumulative bytes this peer has sent / received on the wire (framing included) */
  bytes_sent: number
  bytes_received: number
  t_ms: number
  /** neighbours whose vector this round combined (networked runs: the live ones) */
  neighbours?: number
  /** max over those of (round - the round their vector is of), at least 0 (async mode; 0 in sync) */
  staleness?: number
  /** messages this peer has rejected so far (networked runs) */
  rejected?: number
  /**
   * Networked runs: where this process's round time went, cumulative over the rounds before this one (ms). Its own
   * work (gradient, codec, update, metrics), blocked on neighbours, and with frames waiting to leave (overlaps both).
   */
  compute_ms?: number
  wait_ms?: number
  send_ms?: number
  /** A problem module's `evaluate(w_i)`, e.g. `{ test_accuracy }` (docs/problems.md) */
  evaluation?: Record<string, number>
}

/** `{ evaluation }` of a problem module with `evaluate`, to spread into a record; nothing otherwise. */
export function evaluationOf(problem: Problem, w: Float64Array): { evaluation?: Record<string, number> } {
  return problem.loss === 'module' && problem.evaluate ? { evaluation: problem.evaluate(w) } : {}
}

/** A module's figures in a summary: each over the peers' last records, and at the mean of their parameters. */
export interface EvaluationSummary {
  peers: Record<string, { mean: number; min: number; max: number }>
  mean_params: Record<string, number>
}

/** The summary's `final.evaluation` of a module with `evaluate`, from the last round's records; nothing otherwise. */
export function summaryEvaluation(
  problem: Problem,
  finals: readonly RoundRecord[],
  params: readonly Float64Array[],
): { evaluation?: EvaluationSummary } {
  if (problem.loss !== 'module' || !problem.evaluate || params.length === 0) return {}
  const peers: EvaluationSummary['peers'] = {}
  for (const r of finals) {
    for (const [name, v] of Object.entries(r.evaluation ?? {})) {
      const s = (peers[name] ??= { mean: 0, min: Infinity, max: -Infinity })
      s.mean += v / finals.length
      s.min = Math.min(s.min, v)
      s.max = Math.max(s.max, v)
    }
  }
  const mean = new Float64Array(params[0]!.length)
  for (const w of params) for (let k = 0; k < mean.length; k++) mean[k]! += w[k]! / params.length
  return { evaluation: { peers, mean_params: problem.evaluate(mean) } }
}

/** Record every `run.record_every` rounds, or about 500 records over the run. */
export function recordInterval(experiment: Experiment): number {
  return experiment.run.record_every ?? Math.max(1, Math.ceil(experiment.run.rounds / 500))
}
