/**
 * The swarm's round time split (compute, waiting on neighbours, sending) from every peer's `info.json`: totals over
 * the peers, the mean per peer, and the mean per round of a peer. Null when a peer's info predates the split.
 */
import type { PeerInfo } from '../peer/types.js'

export interface SplitFigures {
  compute_ms: number
  wait_ms: number
  send_ms: number
}

export interface SwarmTimeSplit {
  /** summed over every peer */
  total: SplitFigures
  /** total / peers */
  per_peer: SplitFigures
  /** the mean over peers of (a peer's total / the rounds it ran) */
  per_round: SplitFigures
}

const KEYS = ['compute_ms', 'wait_ms', 'send_ms'] as const

export function summariseTimes(infos: ReadonlyArray<Pick<PeerInfo, 'time'>>): SwarmTimeSplit | null {
  if (infos.length === 0 || infos.some((x) => !x.time)) return null
  const total = figures((key) => infos.reduce((s, x) => s + x.time[key], 0))
  const perPeer = figures((key) => total[key] / infos.length)
  const perRound = figures(
    (key) => infos.reduce((s, x) => s + x.time[key] / Math.max(1, x.time.rounds), 0) / infos.length,
  )
  return { total, per_peer: perPeer, per_round: perRound }
}

function figures(of: (key: (typeof KEYS)[number]) => number): SplitFigures {
  const round3 = (x: number): number => Math.round(x * 1000) / 1000
  return { compute_ms: round3(of('compute_ms')), wait_ms: round3(of('wait_ms')), send_ms: round3(of('send_ms')) }
}

/** One line for the end of `meshgd swarm`: the mean round of a peer, split. */
export function timeSplitLine(split: SwarmTimeSplit): string {
  const r = split.per_round
  const sum = r.compute_ms + r.wait_ms
  const pct = (x: number): string => (sum > 0 ? `${((100 * x) / sum).toFixed(0)}%` : 'n/a')
  return `compute ${r.compute_ms.toFixed(3)} ms (${pct(r.compute_ms)}), waiting ${r.wait_ms.toFixed(3)} ms (${pct(r.wait_ms)}), sending ${r.send_ms.toFixed(3)} ms per round (mean over peers)`
}
