/**
 * Cholesky factorisation of a symmetric matrix, used as the test "is this matrix positive definite" (pure kernels
 * over row-major Float64Array). It costs a third of an n^3 and is backward stable, so a bisection on a parameter
 * of the matrix finds where the smallest eigenvalue crosses zero to rounding (Golub & Van Loan, Sec. 4.2).
 */

/**
 * Overwrites the lower triangle of `a` (size x size, row-major, symmetric) with L, a = L L^T. Returns false, with
 * `a` partly overwritten, as soon as a pivot is not positive: then `a` is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, size: number): boolean {
  if (a.length !== size * size) throw new RangeError(`choleskyInPlace: ${a.length} entries for ${size} x ${size}`)
  for (let j = 0; j < size; j++) {
    const rj = j * size
    let pivot = a[rj + j]
    for (let k = 0; k < j; k++) pivot -= a[rj + k] * a[rj + k]
    if (!(pivot > 0)) return false
    const diag = Math.sqrt(pivot)
    a[rj + j] = diag
    for (let i = j + 1; i < size; i++) {
      const ri = i * size
      let s = a[ri + j]
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k]
      a[ri + j] = s / diag
    }
  }
  return true
}

/** True when the symmetric matrix `a` is positive definite; `a` is left unchanged (`work` is overwritten). */
export function isPositiveDefinite(
  a: Float64Array,
  size: number,
  work: Float64Array = new Float64Array(a.length),
): boolean {
  if (work.length !== a.length)
    throw new RangeError(`isPositiveDefinite: work has ${work.length} entries, a ${a.length}`)
  work.set(a)
  return choleskyInPlace(work, size)
}

/** b <- L^{-1} b for the lower factor L from `choleskyInPlace` and b of size x cols (row-major): forward substitution. */
export function solveLowerInPlace(l: Float64Array, size: number, b: Float64Array, cols: number): void {
  if (l.length !== size * size || b.length !== size * cols) {
    throw new RangeError(
      `solveLowerInPlace: L has ${l.length} entries for ${size} x ${size}, b ${b.length} for ${size} x ${cols}`,
    )
  }
  for (let i = 0; i < size; i++) {
    const ri = i * size
    const bi = i * cols
    for (let k = 0; k < i; k++) {
      const c = l[ri + k]
      if (c === 0) continue
      const bk = k * cols
      for (let q = 0; q < cols; q++) b[bi + q] -= c * b[bk + q]
    }
    const diag = l[ri + i]
    for (let q = 0; q < cols; q++) b[bi + q] /= diag
  }
}
