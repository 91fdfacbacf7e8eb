/**
 * Per-sample losses and gradients of docs/algorithms.md "Losses and gradients" (pure kernels).
 *
 * With z = x . w:
 *   squared   1/2 (z - y)^2                  grad (z - y) x
 *   relu      1/2 (max(0, z) - y)^2          grad (max(0, z) - y) h(z) x, h = 1 (z > 0), 1/2 (z = 0), 0 (z < 0)
 *   logistic  log(1 + e^z) - y z             grad (sigmoid(z) - y) x
 *   softmax   cross-entropy of softmax(x W)  grad x (p - e_y)^T  (W is d x K, flattened row-major)
 *   quartic   1/4 (z - y)^4                  grad (z - y)^3 x
 *
 * Summation order (fixed, so every implementation rounds alike): a dot product runs k = 0..d-1; a local gradient
 * adds whole per-sample contributions scale * r_s * x_s to `out` row by row in ascending row order.
 */
import { exp, log, log1p } from '../util/fdlibm.js'
import type { LossKind, Shard } from './types.js'

function dotRow(shard: Shard, row: number, w: Float64Array): number {
  const d = shard.dim
  const x = shard.features
  const base = row * d
  let z = 0
  for (let k = 0; k < d; k++) z += x[base + k]! * w[k]!
  return z
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + exp(-z))
  const e = exp(z)
  return e / (1 + e)
}

/** Softmax logits z_c = sum_a x_a W[a K + c] into `scratch` (length >= K); returns log-sum-exp. */
function softmaxLogits(shard: Shard, row: number, w: Float64Array, classes: number, scratch: Float64Array): number {
  const d = shard.dim
  const base = row * d
  for (let c = 0; c < classes; c++) scratch[c] = 0
  for (let a = 0; a < d; a++) {
    const xa = shard.features[base + a]!
    const off = a * classes
    for (let c = 0; c < classes; c++) scratch[c] = scratch[c]! + xa * w[off + c]!
  }
  let max = -Infinity
  for (let c = 0; c < classes; c++) max = Math.max(max, scratch[c]!)
  let sum = 0
  for (let c = 0; c < classes; c++) sum += exp(scratch[c]! - max)
  return max + log(sum)
}

function checkSizes(op: string, shard: Shard, row: number, w: Float64Array, classes: number): void {
  if (w.length !== shard.dim * classes) {
    throw new RangeError(`${op}: parameter vector of length ${w.length}, expected ${shard.dim} x ${classes}`)
  }
  if (!(row >= 0 && row < shard.rows)) throw new RangeError(`${op}: row ${row} outside 0..${shard.rows - 1}`)
}

const softmaxScratch = new Map<number, Float64Array>()
function scratchFor(classes: number, given?: Float64Array): Float64Array {
  if (given && given.length >= classes) return given
  let s = softmaxScratch.get(classes)
  if (!s) {
    s = new Float64Array(classes)
    softmaxScratch.set(classes, s)
  }
  return s
}

export function sampleLoss(
  loss: LossKind,
  shard: Shard,
  row: number,
  w: Float64Array,
  classes: number,
  scratch?: Float64Array,
): number {
  checkSizes('sampleLoss', shard, row, w, classes)
  const y = shard.targets[row]!
  if (loss === 'softmax') {
    const s = scratchFor(classes, scratch)
    const lse = softmaxLogits(shard, row, w, classes, s)
    return lse - s[y]!
  }
  const z = dotRow(shard, row, w)
  switch (loss) {
    case 'squared':
      return 0.5 * (z - y) * (z - y)
    case 'relu': {
      const r = Math.max(0, z) - y
      return 0.5 * r * r
    }
    case 'logistic':
      return softplus(z) - y * z
    case 'quartic': {
      const r = z - y
      return 0.25 * r * r * r * r
    }
  }
}

/** The scalar r with grad l = r x for the single-output losses. */
function residual(loss: Exclude<LossKind, 'softmax'>, z: number, y: number): number {
  switch (loss) {
    case 'squared':
      return z - y
    case 'relu': {
      const h = z > 0 ? 1 : z === 0 ? 0.5 : 0 // Clarke's midpoint (1 + sgn z) / 2
      return (Math.max(0, z) - y) * h
    }
    case 'logistic':
      return sigmoid(z) - y
    case 'quartic': {
      const r = z - y
      return r * r * r
    }
  }
}

/** out += scale * grad l_row(w). */
export function addSampleGradient(
  loss: LossKind,
  shard: Shard,
  row: number,
  w: Float64Array,
  classes: number,
  scale: number,
  out: Float64Array,
  scratch?: Float64Array,
): void {
  checkSizes('addSampleGradient', shard, row, w, classes)
  if (out.length !== w.length) throw new RangeError(`addSampleGradient: out ${out.length}, w ${w.length}`)
  const d = shard.dim
  const base = row * d
  const x = shard.features
  if (loss === 'softmax') {
    const s = scratchFor(classes, scratch)
    const lse = softmaxLogits(shard, row, w, classes, s)
    const y = shard.targets[row]!
    for (let c = 0; c < classes; c++) s[c] = exp(s[c]! - lse) - (c === y ? 1 : 0)
    for (let a = 0; a < d; a++) {
      const xa = scale * x[base + a]!
      const off = a * classes
      for (let c = 0; c < classes; c++) out[off + c] = out[off + c]! + xa * s[c]!
    }
    return
  }
  const r = scale * residual(loss, dotRow(shard, row, w), shard.targets[row]!)
  if (r === 0) return
  for (let k = 0; k < d; k++) out[k] = out[k]! + r * x[base + k]!
}

/** l_i(w) = (1/m_i) sum_s l(x_s, y_s; w). */
export function localLoss(loss: LossKind, shard: Shard, w: Float64Array, classes: number): number {
  let s = 0
  for (let row = 0; row < shard.rows; row++) s += sampleLoss(loss, shard, row, w, classes)
  return s / shard.rows
}

/** out = grad l_i(w) = (1/m_i) sum_s grad l_s(w), rows added in ascending order. */
export function localGradient(
  loss: LossKind,
  shard: Shard,
  w: Float64Array,
  classes: number,
  out: Float64Array,
): Float64Array {
  out.fill(0)
  const scale = 1 / shard.rows
  for (let row = 0; row < shard.rows; row++) addSampleGradient(loss, shard, row, w, classes, scale, out)
  return out
}
