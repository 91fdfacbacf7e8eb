/**
 * The Gram matrix X X^T of a planted problem's samples, drawn piece by piece instead of from the shards: what
 * `meshgd theory` needs at d = 10^6, where materialising 64 peers' features costs 512 MB and most of the time.
 *
 * G is summed in the parts of linalg/gram.ts (gramParts), each from zero. For part [k0, k1) every sample row is
 * drawn only there: peer p's features are one stream of gaussians (row s at positions s d .. s d + d - 1, as
 * plantedShard draws them), a pair of gaussians costs 4 steps of the generator, so the stream is jumped straight to
 * the pair holding position s d + k0 (util/rng-jump.ts). The rows' chunks of GRAM_CHUNK entries are drawn into one
 * block that stays in cache while the tiles of gram.ts add them up. Same values, same order: the result equals
 * gramMatrix over plantedShard's rows bit for bit.
 *
 * The jump assumes no u = 0 was redrawn before k0 (probability 2^-53 per draw). Each row checks that its generator
 * ends where 4 steps per pair put it; a part reports `regular: false` otherwise, and its caller draws the shards
 * whole instead. Part 0 starts exact, so if every part ends regular, every later part started exact too. Pure.
 */
import { addGramChunk, GRAM_CHUNK, gramParts } from '../linalg/gram.js'
import { Rng } from '../util/rng.js'
import { ProblemError } from '../problems/errors.js'
import type { ProblemSpec } from '../problems/types.js'

type PlantedSpec = Extract<ProblemSpec, { kind: 'planted' }>

export interface GramPart {
  /** The upper triangle of this part's sum (N x N, row-major; below the diagonal is zero). */
  readonly sum: Float64Array
  /** false when a redrawn u = 0 broke the 4-steps-per-pair count: do not use any part. */
  readonly regular: boolean
}

/** Steps of the generator before gaussian `position` of a stream (the start of its pair). */
function stepsBefore(position: number): number {
  return 4 * Math.floor(position / 2)
}

/** Peer p's feature generator placed at gaussian `position`. */
function streamAt(spec: PlantedSpec, peer: number, position: number): Rng {
  const rng = Rng.derive(spec.seed, peer, 'planted:x')
  rng.advance(stepsBefore(position))
  if (position % 2 === 1) rng.gaussian() // the first of the pair; its second is now the spare
  return rng
}

/** Whether `rng` stands exactly 4 ceil(end / 2) steps into peer p's stream, as a run without redraws leaves it. */
export function endsRegular(spec: PlantedSpec, peer: number, end: number, rng: Rng): boolean {
  const expected = Rng.derive(spec.seed, peer, 'planted:x')
  expected.advance(4 * Math.ceil(end / 2))
  const a = rng.state().s
  const b = expected.state().s
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]
}

/** Part `part` of gramParts(dim, N) of the Gram matrix of every sample of `peers` peers (peer order, then row order). */
export function plantedGramPart(spec: PlantedSpec, peers: number, part: number): GramPart {
  if (spec.loss === 'softmax')
    throw new ProblemError('INVALID', 'plantedGramPart: the sample Gram matrix is for one-output losses')
  const d = spec.dim
  const m = spec.samples_per_peer
  const N = peers * m
  const [k0, k1] = gramParts(d, N)[part] ?? [0, 0]
  const scale = spec.feature_scale === 'unit-norm' ? 1 / Math.sqrt(d) : 1
  const streams = Array.from({ length: N }, (_, row) => streamAt(spec, Math.floor(row / m), (row % m) * d + k0))
  const block = new Float64Array(N * GRAM_CHUNK)
  const rows = streams.map((_, row) => block.subarray(row * GRAM_CHUNK, (row + 1) * GRAM_CHUNK))
  const sum = new Float64Array(N * N)
  for (let c0 = k0; c0 < k1; c0 += GRAM_CHUNK) {
    const len = Math.min(GRAM_CHUNK, k1 - c0)
    for (let row = 0; row < N; row++) {
      const view = rows[row]!
      streams[row]!.fillGaussian(view, len)
      if (scale !== 1) for (let k = 0; k < len; k++) view[k] = scale * view[k]!
    }
    addGramChunk(rows, 0, len, sum)
  }
  const regular = streams.every((rng, row) => endsRegular(spec, Math.floor(row / m), (row % m) * d + k1, rng))
  return { sum, regular }
}
