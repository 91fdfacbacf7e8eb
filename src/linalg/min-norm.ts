/**
 * The minimum-norm least-squares solution X^+ y (pure), the reference that runs measure errors against down to
 * 1e-13 relative. Through the Gram matrix of the smaller side (a symmetric eigen-solve, rank by tolerance) and
 * two steps of iterative refinement in float64, which recover the accuracy the Gram matrix's squared condition
 * number costs.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix'

export interface MinNormSolution {
  readonly w: Float64Array
  /** |X w - y| */
  readonly residualNorm: number
  readonly rank: number
  /** The data are interpolated: |X w - y| <= 1e-10 max(1, |y|). */
  readonly interpolating: boolean
}

/** Applies the pseudo-inverse of a symmetric PSD matrix through its eigen-decomposition. */
function pseudoInverse(G: Matrix): { apply: (v: Float64Array) => Float64Array; rank: number } {
  const evd = new EigenvalueDecomposition(G, { assumeSymmetric: true })
  const values = evd.realEigenvalues
  const V = evd.eigenvectorMatrix
  const size = values.length
  const top = Math.max(0, ...values.map(Math.abs))
  const tol = top * size * 1e-13
  const keep: number[] = []
  values.forEach((v, k) => {
    if (v > tol) keep.push(k)
  })
  const Vt = V.transpose()
  return {
    rank: keep.length,
    apply: (v) => {
      const out = new Float64Array(size)
      for (const k of keep) {
        const row = Vt.getRow(k)
        let c = 0
        for (let a = 0; a < size; a++) c += row[a]! * v[a]!
        c /= values[k]!
        for (let a = 0; a < size; a++) out[a] = out[a]! + c * row[a]!
      }
      return out
    },
  }
}

function matVec(X: Float64Array, rows: number, cols: number, w: Float64Array): Float64Array {
  const out = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let c = 0; c < cols; c++) s += X[r * cols + c]! * w[c]!
    out[r] = s
  }
  return out
}

function matTVec(X: Float64Array, rows: number, cols: number, v: Float64Array): Float64Array {
  const out = new Float64Array(cols)
  for (let r = 0; r < rows; r++) {
    const vr = v[r]!
    for (let c = 0; c < cols; c++) out[c] = out[c]! + X[r * cols + c]! * vr
  }
  return out
}

function norm(v: Float64Array): number {
  let s = 0
  for (const x of v) s += x * x
  return Math.sqrt(s)
}

export function minNormSolution(X: Float64Array, y: Float64Array, rows: number, cols: number): MinNormSolution {
  if (X.length !== rows * cols || y.length !== rows) {
    throw new RangeError(`minNormSolution: X has ${X.length} entries for ${rows} x ${cols}, y has ${y.length}`)
  }
  const M = new Matrix(rows, cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) M.set(r, c, X[r * cols + c]!)
  const wide = rows <= cols
  // wide: w = X^T (X X^T)^+ y; tall: w = (X^T X)^+ X^T y. Both are X^+ y.
  const pinv = pseudoInverse(wide ? M.mmul(M.transpose()) : M.transpose().mmul(M))
  const solve = (b: Float64Array): Float64Array =>
    wide ? matTVec(X, rows, cols, pinv.apply(b)) : pinv.apply(matTVec(X, rows, cols, b))
  const w = solve(y)
  for (let step = 0; step < 2; step++) {
    const Xw = matVec(X, rows, cols, w)
    const r = new Float64Array(rows)
    for (let k = 0; k < rows; k++) r[k] = y[k]! - Xw[k]!
    const dw = solve(r)
    for (let c = 0; c < cols; c++) w[c] = w[c]! + dw[c]!
  }
  const Xw = matVec(X, rows, cols, w)
  const res = new Float64Array(rows)
  for (let k = 0; k < rows; k++) res[k] = Xw[k]! - y[k]!
  const residualNorm = norm(res)
  return { w, residualNorm, rank: pinv.rank, interpolating: residualNorm <= 1e-10 * Math.max(1, norm(y)) }
}
