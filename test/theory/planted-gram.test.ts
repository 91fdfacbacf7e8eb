/**
 * The planted Gram matrix drawn part by part (theory/planted-gram.ts) against gramMatrix over the shards that
 * plantedProblem draws whole (the oracle): the same bits for odd and even d, several samples per peer and both
 * feature scales; a redrawn u = 0 is caught; and the problem's shards are drawn only when read.
 */
import { describe, expect, it, vi } from 'vitest'
import { addUpperTriangle, GRAM_CHUNK, gramMatrix, gramParts } from '../../src/linalg/gram.js'
import { endsRegular, plantedGramPart } from '../../src/theory/planted-gram.js'
import { plantedProblem } from '../../src/problems/planted.js'
import type { ProblemSpec } from '../../src/problems/types.js'
import { sampleGram, seedSampleGram } from '../../src/theory/sample-gram.js'
import { Rng } from '../../src/util/rng.js'

type PlantedSpec = Extract<ProblemSpec, { kind: 'planted' }>

const spec = (dim: number, m: number, scale: PlantedSpec['feature_scale'] = 'standard'): PlantedSpec =>
  ({
    kind: 'planted',
    loss: 'squared',
    dim,
    samples_per_peer: m,
    seed: 17,
    noise: 0,
    feature_scale: scale,
    classes: 0,
  }) as PlantedSpec

function fromParts(s: PlantedSpec, peers: number): { G: Float64Array; regular: boolean } {
  const N = peers * s.samples_per_peer
  const G = new Float64Array(N * N)
  let regular = true
  gramParts(s.dim, N).forEach((_, p) => {
    const part = plantedGramPart(s, peers, p)
    regular &&= part.regular
    addUpperTriangle(G, part.sum, N)
  })
  for (let a = 0; a < N; a++) for (let b = 0; b < a; b++) G[a * N + b] = G[b * N + a]
  return { G, regular }
}

function fromShards(s: PlantedSpec, peers: number): Float64Array {
  const rows = plantedProblem(s, peers).shards.flatMap((sh) =>
    Array.from({ length: sh.rows }, (_, r) => sh.features.subarray(r * s.dim, (r + 1) * s.dim)),
  )
  return gramMatrix(rows, s.dim)
}

describe('plantedGramPart', () => {
  it('sums to gramMatrix over the drawn shards, bit for bit', () => {
    const cases: Array<[PlantedSpec, number]> = [
      [spec(2000, 1), 5], // one part
      [spec(20_001, 3, 'unit-norm'), 3], // odd d: rows start mid-pair; 10 parts of one chunk, the last one short
      [spec(37 * GRAM_CHUNK + 5, 2), 4], // 16 parts of unequal numbers of chunks
      [spec(7, 3), 2], // d below one chunk
    ]
    for (const [s, peers] of cases) {
      const { G, regular } = fromParts(s, peers)
      expect(regular).toBe(true)
      const oracle = fromShards(s, peers)
      expect(G.length).toBe(oracle.length)
      for (let k = 0; k < G.length; k++) expect(Object.is(G[k], oracle[k]), `d = ${s.dim}, entry ${k}`).toBe(true)
    }
  })

  it('catches a stream that took more steps than 4 per pair (a u = 0 redrawn)', () => {
    const s = spec(1000, 1)
    const exact = Rng.derive(s.seed, 2, 'planted:x')
    exact.advance(4 * 300)
    expect(endsRegular(s, 2, 600, exact)).toBe(true)
    expect(endsRegular(s, 2, 599, exact)).toBe(true) // an odd end leaves its pair's second as the spare
    const redrawn = Rng.derive(s.seed, 2, 'planted:x')
    redrawn.advance(4 * 300 + 2) // one extra uniform
    expect(endsRegular(s, 2, 600, redrawn)).toBe(false)
  })
})

describe('planted shards', () => {
  it('are drawn when first read, once, and a seeded Gram matrix keeps the theory from reading them', () => {
    const p = plantedProblem(spec(3000, 2), 4)
    const spies = p.shards.map((sh) => vi.spyOn(sh, 'features', 'get'))
    const { G } = fromParts(spec(3000, 2), 4)
    seedSampleGram(p.shards, G)
    expect(sampleGram(p.shards)).toBe(G)
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
    const first = p.shards[1]!.features
    expect(p.shards[1]!.features).toBe(first) // the same array: drawn once
    expect({ ...p.shards[1]! }.features).toBe(first) // a copy reads it like a field
  })
})
