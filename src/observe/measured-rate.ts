/**
 * The measured rate, one definition for the simulator's summary, a swarm's summary and the live dashboard
 * (docs/algorithms.md, "Metrics"): the geometric mean of the per-round contraction of the max error over the last
 * half of the rounds where it is above the floating-point floor (1e-13 relative to |w_ref|). From the first point
 * at or past half the last such round, to that round. Pure.
 */

/** Relative error below which the error is at the floating-point floor, no longer contracting. */
export const ERROR_FLOOR = 1e-13

export interface ErrorPoint {
  round: number
  /** max over peers of |w_i - w_ref| at this round (relative when `scale` is 1) */
  error: number
}

/**
 * Per recorded round, the largest error over the peers (rounds where some finite error is known), in round order:
 * the max-error curve of a run's records, for the measured rate and the plots alike.
 */
export function maxErrorByRound(records: ReadonlyArray<{ round: number; error: number | null }>): ErrorPoint[] {
  const byRound = new Map<number, number>()
  for (const r of records)
    if (r.error !== null && Number.isFinite(r.error)) byRound.set(r.round, Math.max(byRound.get(r.round) ?? 0, r.error))
  return [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([round, error]) => ({ round, error }))
}

/** The rate per round, or null: no reference, fewer than two points above the floor, or an empty window. */
export function measuredRateFromPoints(points: readonly ErrorPoint[], scale: number): number | null {
  const floor = ERROR_FLOOR * (scale > 0 ? scale : 1)
  let end = points.length - 1
  while (end > 0 && !(points[end]!.error >= floor)) end--
  if (end < 1) return null
  const half = points[end]!.round / 2
  let begin = 0
  while (begin < end - 1 && points[begin]!.round < half) begin++
  const a = points[begin]!
  const b = points[end]!
  if (!(a.error > 0 && b.error > 0) || !Number.isFinite(a.error) || !Number.isFinite(b.error) || b.round === a.round)
    return null
  return Math.exp(Math.log(b.error / a.error) / (b.round - a.round))
}

/** Every point is at the floor (the run had converged before the first point): no rate to measure, and that is why. */
export function atFloor(points: readonly ErrorPoint[], scale: number): boolean {
  const floor = ERROR_FLOOR * (scale > 0 ? scale : 1)
  return points.length > 0 && points.every((p) => p.error < floor)
}
