/**
 * Planted problems: Gaussian features, a planted w*, targets from w* (docs/algorithms.md "Losses and gradients"; Kalan et al. 2019 for ReLU).
 * A peer's rows depend only on (seed, peer index), so a networked peer regenerates its own shard alone; a problem's
 * shards are drawn when first read.
 */
import { Rng } from '../util/rng.js'
import { ProblemError } from './errors.js'
import type { DataProblem, ProblemSpec, Shard } from './types.js'

type PlantedSpec = Extract<ProblemSpec, { kind: 'planted' }>

function classesOf(spec: PlantedSpec): number {
  return spec.loss === 'softmax' ? spec.classes : 1
}

function validate(spec: PlantedSpec): void {
  if (!Number.isInteger(spec.dim) || spec.dim < 1)
    throw new ProblemError('INVALID', `must be a positive integer, got ${spec.dim}`, 'problem.dim')
  if (!Number.isInteger(spec.samples_per_peer) || spec.samples_per_peer < 1) {
    throw new ProblemError(
      'INVALID',
      `must be a positive integer, got ${spec.samples_per_peer}`,
      'problem.samples_per_peer',
    )
  }
  if (!(spec.noise >= 0)) throw new ProblemError('INVALID', `must be >= 0, got ${spec.noise}`, 'problem.noise')
  if (spec.loss === 'softmax' && !(Number.isInteger(spec.classes) && spec.classes >= 2)) {
    throw new ProblemError('INVALID', `softmax needs at least 2 classes, got ${spec.classes}`, 'problem.classes')
  }
}

/** The planted parameter: N(0, I) of length dim (x K for softmax, row-major d x K). */
export function plantedWeights(spec: PlantedSpec): Float64Array {
  validate(spec)
  const rng = Rng.derive(spec.seed, -1, 'planted:w')
  return rng.fillGaussian(new Float64Array(spec.dim * classesOf(spec)))
}

/** Peer `index`'s shard. */
export function plantedShard(spec: PlantedSpec, index: number, wStar: Float64Array = plantedWeights(spec)): Shard {
  validate(spec)
  const d = spec.dim
  const m = spec.samples_per_peer
  const K = classesOf(spec)
  const xr = Rng.derive(spec.seed, index, 'planted:x')
  const nr = Rng.derive(spec.seed, index, 'planted:noise')
  const scale = spec.feature_scale === 'unit-norm' ? 1 / Math.sqrt(d) : 1
  const features = new Float64Array(m * d)
  const targets = new Float64Array(m)
  const logits = new Float64Array(K)
  for (let s = 0; s < m; s++) {
    const row = xr.fillGaussian(features.subarray(s * d, (s + 1) * d))
    if (scale !== 1) for (let k = 0; k < d; k++) row[k] = scale * row[k]!
    if (spec.loss === 'softmax') {
      logits.fill(0)
      for (let a = 0; a < d; a++) for (let c = 0; c < K; c++) logits[c]! += features[s * d + a]! * wStar[a * K + c]!
      let best = 0
      for (let c = 1; c < K; c++) if (logits[c]! > logits[best]!) best = c
      targets[s] = best
      continue
    }
    let z = 0
    for (let k = 0; k < d; k++) z += features[s * d + k]! * wStar[k]!
    const noise = spec.noise > 0 ? spec.noise * nr.gaussian() : 0
    switch (spec.loss) {
      case 'squared':
      case 'quartic':
        targets[s] = z + noise
        break
      case 'relu':
        targets[s] = Math.max(0, z) + noise
        break
      case 'logistic':
        targets[s] = z + noise > 0 ? 1 : 0
        break
    }
  }
  return { rows: m, dim: d, features, targets, sourceRows: Array.from({ length: m }, (_, s) => index * m + s) }
}

/**
 * Peer `index`'s shard, drawn the first time its features or targets are read (both at once, by plantedShard). A
 * process that reads one peer's data (a networked peer) or only the Gram matrix of all of them (`meshgd theory`,
 * theory/planted-gram.ts) does not pay for every peer's: at d = 10^6, 8 MB and about 60 ms a sample.
 */
function drawnOnRead(spec: PlantedSpec, index: number, wStar: () => Float64Array): Shard {
  let drawn: Shard | null = null
  const draw = (): Shard => (drawn ??= plantedShard(spec, index, wStar()))
  const m = spec.samples_per_peer
  // Accessors of the object itself, enumerable: a copy ({...shard}) or a deep comparison reads the data as a field.
  return {
    rows: m,
    dim: spec.dim,
    sourceRows: Array.from({ length: m }, (_, s) => index * m + s),
    get features() {
      return draw().features
    },
    get targets() {
      return draw().targets
    },
  }
}

/** The problem; w* and each shard are drawn when first read (`meshgd theory` at d = 10^6 reads neither). */
export function plantedProblem(spec: PlantedSpec, peers: number): DataProblem {
  validate(spec)
  let weights: Float64Array | null = null
  const wStar = (): Float64Array => (weights ??= plantedWeights(spec))
  const K = classesOf(spec)
  return {
    loss: spec.loss,
    dim: spec.dim,
    classes: K,
    paramDim: spec.dim * K,
    shards: Array.from({ length: peers }, (_, i) => drawnOnRead(spec, i, wStar)),
    get planted() {
      return wStar()
    },
  }
}
