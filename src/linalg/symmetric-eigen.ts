/**
 * Dense symmetric eigen-decomposition of a row-major Float64Array through ml-matrix (Householder tridiagonalisation
 * and implicit QL, EISPACK tred2/tql2), with eigenvalues in ascending order.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'

export interface SymmetricEigen {
  /** Ascending. */
  readonly values: Float64Array
  /** size x size, row-major; column k is the unit eigenvector of values[k]. */
  readonly vectors: Float64Array
}

export function symmetricEigen(a: Float64Array, size: number): SymmetricEigen {
  if (a.length !== size * size) throw new RangeError(`symmetricEigen: ${a.length} entries for ${size} x ${size}`)
  if (size === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) }
  const M = new Matrix(size, size)
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) M.set(i, j, a[i * size + j])
  const evd = new EigenvalueDecomposition(M, { assumeSymmetric: true })
  const raw = evd.realEigenvalues
  const order = raw.map((_, k) => k).sort((p, q) => raw[p] - raw[q])
  const V = evd.eigenvectorMatrix
  const values = Float64Array.from(order, (k) => raw[k])
  const vectors = new Float64Array(size * size)
  for (let c = 0; c < size; c++) for (let i = 0; i < size; i++) vectors[i * size + c] = V.get(i, order[c])
  return { values, vectors }
}

/** Eigenvalues only, ascending. */
export function symmetricEigenvalues(a: Float64Array, size: number): Float64Array {
  return symmetricEigen(a, size).values
}
