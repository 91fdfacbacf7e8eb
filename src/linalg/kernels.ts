/** Small Float64Array kernels shared by the runtimes (pure; fixed left-to-right summation order). */

/** |a - b|_2 */
export function distance(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new RangeError(`distance: lengths ${a.length} and ${b.length}`)
  let s = 0
  for (let k = 0; k < a.length; k++) {
    const t = a[k]! - b[k]!
    s += t * t
  }
  return Math.sqrt(s)
}

/** max over pairs of |v_a - v_b| (the disagreement of a run's final parameters); 0 for fewer than two */
export function maxPairwiseDistance(vectors: readonly Float64Array[]): number {
  let largest = 0
  for (let a = 0; a < vectors.length; a++)
    for (let b = a + 1; b < vectors.length; b++) largest = Math.max(largest, distance(vectors[a]!, vectors[b]!))
  return largest
}

/** |a|_2 */
export function norm(a: Float64Array): number {
  let s = 0
  for (let k = 0; k < a.length; k++) s += a[k]! * a[k]!
  return Math.sqrt(s)
}

/** No coordinate is NaN, infinite, or beyond 1e150 (a run that far out has diverged: stop before it overflows). */
export function withinBounds(a: Float64Array): boolean {
  for (let k = 0; k < a.length; k++) if (!(Math.abs(a[k]!) <= 1e150)) return false
  return true
}
