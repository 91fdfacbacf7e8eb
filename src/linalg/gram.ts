/**
 * Gram and scatter matrices of a set of sample rows (pure kernels over Float64Array).
 *
 * `gramMatrix`: G = X X^T (N x N), N^2 d / 2 multiply-adds. The elastic rate theory at d = 1,000,000 spends nearly
 * all of its time here, so the loop is blocked twice: over the dimension in chunks of GRAM_CHUNK entries (the
 * chunk of every row stays in cache while all pairs use it, so X is read from memory once) and over rows in 2 x 2
 * tiles (four dot products share four loads and run four independent sums). Measured at N = 64, d = 10^6: the
 * plain pairwise dot product took 2.6 s, the blocked kernel 1.2 s (loaded 2-core machine).
 * `scatterMatrix`: X^T X (d x d) for the opposite shape, N d^2 / 2 multiply-adds as rank-2 updates.
 * Summation order is fixed (chunk by chunk within each of at most GRAM_PARTS parts, then the parts in order), so
 * results are reproducible bit for bit, and the same when the parts are computed apart (theory/planted-gram.ts).
 */

/** Entries of one row chunk; 4 rows of 2048 float64 are 64 KB, and all N rows' chunks fit in L2 for N <= 64. */
export const GRAM_CHUNK = 2048

function checkRows(op: string, rows: readonly Float64Array[], dim: number): void {
  for (let s = 0; s < rows.length; s++) {
    if (rows[s].length !== dim) throw new RangeError(`${op}: row ${s} has ${rows[s].length} entries, expected ${dim}`)
  }
}

/**
 * The parts [k0, k1) of 0..dim that the Gram matrix of N rows is summed in: up to GRAM_PARTS, each a whole number
 * of chunks, fewer when N is large (a threaded sum holds every part's N x N sum: at most about 256 MB of them).
 * Each part's sum starts from zero and the parts are added in order, so a part can be computed anywhere (a worker)
 * and the result is the same bits however many threads did the work.
 */
export function gramParts(dim: number, rows: number): Array<[number, number]> {
  const chunks = Math.ceil(dim / GRAM_CHUNK)
  const byMemory = Math.floor(GRAM_PARTS_BYTES / (8 * rows * rows))
  const count = Math.max(1, Math.min(GRAM_PARTS, chunks, byMemory))
  const parts: Array<[number, number]> = []
  for (let p = 0; p < count; p++) {
    const c0 = Math.floor((p * chunks) / count)
    const c1 = Math.floor(((p + 1) * chunks) / count)
    parts.push([c0 * GRAM_CHUNK, Math.min(dim, c1 * GRAM_CHUNK)])
  }
  return parts
}

/** Parts of a Gram matrix, for parallel work: enough that threads of unequal speed finish together. */
export const GRAM_PARTS = 16
const GRAM_PARTS_BYTES = 2 ** 28

/** G = X X^T for the rows of X (each of length dim), row-major N x N. */
export function gramMatrix(rows: readonly Float64Array[], dim: number, out?: Float64Array): Float64Array {
  checkRows('gramMatrix', rows, dim)
  const N = rows.length
  if (out && out.length !== N * N) throw new RangeError(`gramMatrix: out has ${out.length} entries for ${N} x ${N}`)
  const G = out ?? new Float64Array(N * N)
  G.fill(0)
  const part = new Float64Array(N * N)
  for (const [p0, p1] of gramParts(dim, N)) {
    part.fill(0)
    for (let k0 = p0; k0 < p1; k0 += GRAM_CHUNK) addGramChunk(rows, k0, Math.min(p1, k0 + GRAM_CHUNK), part)
    addUpperTriangle(G, part, N)
  }
  for (let a = 0; a < N; a++) for (let b = 0; b < a; b++) G[a * N + b] = G[b * N + a]
  return G
}

/** G += part on and above the diagonal (N x N). */
export function addUpperTriangle(G: Float64Array, part: Float64Array, N: number): void {
  for (let a = 0; a < N; a++) for (let b = a; b < N; b++) G[a * N + b] += part[a * N + b]
}

/**
 * Add the dot products of every pair of rows over entries k0..k1-1 (one chunk: k1 - k0 <= GRAM_CHUNK) to the upper
 * triangle of G (N x N), in 2 x 2 tiles. The rows may be views of a chunk only (then k0 = 0).
 */
export function addGramChunk(rows: readonly Float64Array[], k0: number, k1: number, G: Float64Array): void {
  const N = rows.length
  const sums = SUMS
  for (let a = 0; a < N; a += 2) {
    const a1 = Math.min(a + 1, N - 1) // an odd last row pairs with itself; its duplicate sums are not stored
    for (let b = a; b < N; b += 2) {
      const b1 = Math.min(b + 1, N - 1)
      tile2x2(rows[a], rows[a1], rows[b], rows[b1], k0, k1, sums)
      G[a * N + b] += sums[0]
      if (b1 > b) G[a * N + b1] += sums[1]
      if (a1 > a && b > a) G[a1 * N + b] += sums[2]
      if (a1 > a && b1 > b) G[a1 * N + b1] += sums[3]
    }
  }
}

const SUMS = new Float64Array(4)

/** The four dot products of x0, x1 with y0, y1 over entries k0..k1-1, into sums[0..3] = 00, 01, 10, 11. */
function tile2x2(
  x0: Float64Array,
  x1: Float64Array,
  y0: Float64Array,
  y1: Float64Array,
  k0: number,
  k1: number,
  sums: Float64Array,
): void {
  let s00 = 0
  let s01 = 0
  let s10 = 0
  let s11 = 0
  for (let k = k0; k < k1; k++) {
    const u0 = x0[k]
    const u1 = x1[k]
    const v0 = y0[k]
    const v1 = y1[k]
    s00 += u0 * v0
    s01 += u0 * v1
    s10 += u1 * v0
    s11 += u1 * v1
  }
  sums[0] = s00
  sums[1] = s01
  sums[2] = s10
  sums[3] = s11
}

/** C = X^T X = sum_s x_s x_s^T, row-major dim x dim (for N >= dim). */
export function scatterMatrix(rows: readonly Float64Array[], dim: number, out?: Float64Array): Float64Array {
  checkRows('scatterMatrix', rows, dim)
  if (out && out.length !== dim * dim)
    throw new RangeError(`scatterMatrix: out has ${out.length} entries for ${dim} x ${dim}`)
  const C = out ?? new Float64Array(dim * dim)
  C.fill(0)
  const zero = new Float64Array(dim)
  for (let s = 0; s < rows.length; s += 2) {
    const x0 = rows[s]
    const x1 = s + 1 < rows.length ? rows[s + 1] : zero
    for (let a = 0; a < dim; a++) {
      const u0 = x0[a]
      const u1 = x1[a]
      if (u0 === 0 && u1 === 0) continue
      const row = a * dim
      for (let b = a; b < dim; b++) C[row + b] += u0 * x0[b] + u1 * x1[b]
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) C[a * dim + b] = C[b * dim + a]
  return C
}
