/**
 * The records every run writes (metrics.jsonl), the same from the simulator and from a peer, and how often.
 */
import type { Experiment } from '../config/schema.js'

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
}

/** Record every `run.record_every` rounds, or about 500 records over the run. */
export function recordInterval(experiment: Experiment): number {
  return experiment.run.record_every ?? Math.max(1, Math.ceil(experiment.run.rounds / 500))
}
