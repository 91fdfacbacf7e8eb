/**
 * Received frames without a new megabyte each (src/codec/bodies.ts, src/codec/frame-decoder.ts): a body spanning
 * chunks is copied as each chunk arrives (no chunk is kept past its own push), a BodyPool hands a given-back buffer
 * to the next body of its size class, and never a buffer twice or one it did not assemble.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BodyPool,
  VectorPool,
  decodeBody,
  decodeFloats,
  encodeVectorFrame,
  FrameDecoder,
  type Envelope,
} from '../../src/codec/index.js'

const LIMITS = { swarm: 'pool', dim: 0, maxPeers: 8 }

function frameOf(round: number, v: Float64Array): Uint8Array {
  const envelope: Envelope = { swarm: 'pool', round, from: 1, kind: 'params', codec: 'f64', dim: v.length }
  return encodeVectorFrame(envelope, { codec: 'f64' }, v, null).frame
}

/** Split `frame` at `cuts` (positions, any order) into chunks of their own buffers, as a socket hands them over. */
function chunksOf(frame: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [0, ...new Set(cuts.map((c) => c % frame.length))].sort((a, b) => a - b)
  return at.map((from, k) => frame.slice(from, at[k + 1] ?? frame.length))
}

/** The float64 vector of one frame fed to `decoder` in `chunks`, each chunk zeroed right after its push. */
function receive(decoder: FrameDecoder, chunks: Uint8Array[]): Float64Array[] {
  const vectors: Float64Array[] = []
  for (const chunk of chunks) {
    for (const body of decoder.push(chunk)) {
      const dim = payloadBytes(body) / 8
      vectors.push(decodeFloats('f64', decodeBody(body, { ...LIMITS, dim }).payload, dim))
    }
    chunk.fill(0)
  }
  return vectors
}

/** Payload bytes of a body (its length minus the u16 and the envelope). */
function payloadBytes(body: Uint8Array): number {
  return body.length - 2 - ((body[0]! << 8) | body[1]!)
}

describe('frame bodies', () => {
  it('are copied while each chunk is pushed: a sender or socket reusing a chunk afterwards changes nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.array(fc.nat(), { maxLength: 12 }), (dim, cuts) => {
        const v = Float64Array.from({ length: dim }, (_, k) => Math.cos(k * dim) * 1e3)
        const frame = frameOf(dim * 7, v)
        const [w] = receive(new FrameDecoder(1 << 20), chunksOf(frame, cuts))
        expect(w).toEqual(v)
      }),
      { seed: 26, numRuns: 300 },
    )
  })

  it('reuse a given-back buffer for the next body of the same size class, rounds apart', () => {
    const pool = new BodyPool()
    const decoder = new FrameDecoder(1 << 20, pool)
    const dim = 5000
    const buffers = new Set<ArrayBufferLike>()
    for (let round = 120; round < 140; round++) {
      // rounds 127 -> 128 lengthen the envelope by a byte: still the same class
      const v = Float64Array.from({ length: dim }, (_, k) => round + k)
      const frame = frameOf(round, v)
      const [w] = receive(decoder, chunksOf(frame, [3, 1000, 20_000]))
      expect(w).toEqual(v)
      buffers.add(w!.buffer)
      pool.give(w!)
    }
    expect(buffers.size).toBe(1)
    expect(pool.spareCount).toBe(1)
  })

  it('keep each buffer once, at most `keep` per class, and ignore buffers they did not assemble', () => {
    const pool = new BodyPool(2)
    const decoder = new FrameDecoder(1 << 20)
    const vectors = [1, 2, 3].map(
      (r) => receive(decoder, chunksOf(frameOf(r, new Float64Array(100).fill(r)), [50]))[0]!,
    )
    pool.give(vectors[0]!)
    pool.give(vectors[0]!)
    expect(pool.spareCount).toBe(1)
    pool.give(new Float64Array(100))
    pool.give(vectors[1]!)
    pool.give(vectors[2]!)
    expect(pool.spareCount).toBe(2)
    const taken = [pool.take(810), pool.take(810), pool.take(810)]
    expect(taken.slice(0, 2).every((b) => b !== undefined)).toBe(true)
    expect(new Set(taken.slice(0, 2)).size).toBe(2)
    expect(taken[2]).toBeUndefined()
  })

  it('in one chunk are views on it, which a pool never takes', () => {
    const pool = new BodyPool()
    const frame = frameOf(1, new Float64Array(16).fill(2))
    const [body] = [...new FrameDecoder(1 << 20, pool).push(frame)]
    expect(body!.buffer).toBe(frame.buffer)
    pool.give(body!)
    expect(pool.spareCount).toBe(0)
  })

  it('for decoded payloads: a VectorPool hands back what it was given, once, and only vectors it made', () => {
    const pool = new VectorPool(10, 2)
    const [a, b, c] = [pool.take(), pool.take(), pool.take()]
    expect(new Set([a, b, c]).size).toBe(3)
    expect(a.length).toBe(10)
    pool.give(a)
    pool.give(a)
    pool.give(new Float64Array(10))
    expect(pool.spareCount).toBe(1)
    pool.give(b)
    pool.give(c)
    expect(pool.spareCount).toBe(2)
    const again = [pool.take(), pool.take()]
    expect(again.includes(a) && again.includes(b)).toBe(true)
    expect(pool.take()).not.toBe(c)
  })
})
