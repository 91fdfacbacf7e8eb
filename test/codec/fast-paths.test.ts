/**
 * The fast codec paths (bulk float copies, word-level bit packing, fused quantize + pack and unpack + dequantize,
 * Rng.fillUniform) against the element-wise code they replaced (reference-codecs.ts), on seeded random vectors of
 * every length 0..200 and a few large ones: the same bytes out, the same values back, the same random stream used,
 * and the same error (class, code and message) for every payload either rejects, at any alignment of the payload and
 * on the big-endian fallback paths as well.
 */
import { describe, expect, it } from 'vitest'
import { loadWords, storeWords } from '../../src/codec/bit-pack.js'
import { decodeVector, encodeVector, packLevels, unpackLevels, type VectorCodec } from '../../src/codec/index.js'
import { decodeFloats, encodeF32, encodeF64 } from '../../src/codec/wire.js'
import { Rng } from '../../src/util/rng.js'
import {
  decodeVectorRef,
  encodeF32Ref,
  encodeF64Ref,
  encodeVectorRef,
  packLevelsRef,
  unpackLevelsRef,
} from './reference-codecs.js'

const CODECS: VectorCodec[] = [
  { codec: 'f64' },
  { codec: 'f32' },
  ...[1, 2, 3, 7, 16, 31, 100, 127, 1000, 32767].map((levels) => ({ codec: 'qsgd' as const, levels })),
  ...[2, 3, 4, 5, 6, 7, 8, 11, 16].map((bits) => ({ codec: 'uniform' as const, bits })),
]
const LARGE = [1023, 1024, 1025, 10_007, 65_536 + 5]

type Outcome = { value: string } | { error: string }

/** What fn did, comparable with toEqual: the bytes it returned, or its error's class, code and message. */
function outcome(fn: () => Uint8Array | Float64Array | Int32Array): Outcome {
  try {
    const r = fn()
    return { value: Buffer.from(r.buffer, r.byteOffset, r.byteLength).toString('hex') }
  } catch (err) {
    const e = err as Error & { code?: string }
    return { error: `${e.name} ${e.code ?? ''} ${e.message}` }
  }
}

/** A vector mixing scales, zeros, -0, subnormals, ties and repeated magnitudes. */
function randomVector(rng: Rng, d: number): Float64Array {
  const magnitude = 10 ** (rng.int(24) - 12)
  const kind = rng.int(4)
  return Float64Array.from({ length: d }, () => {
    const pick = rng.int(20)
    if (pick === 0) return 0
    if (pick === 1) return -0
    if (pick === 2) return (rng.int(5) - 2) * 5e-324
    if (pick === 3 && kind === 3)
      return [Number.MAX_VALUE, -1e308, 2 ** 1023, 3.4028234663852886e38, 3.5e38, -1e39, 2.5e-162][rng.int(7)]!
    if (kind === 1) return (rng.int(15) - 7) * 0.5 // many exact halves and repeats
    if (kind === 2) return rng.uniform() < 0.5 ? -magnitude : magnitude
    return rng.gaussian() * magnitude
  })
}

/** The payload copied to byte `offset` of a larger buffer. */
function shifted(payload: Uint8Array, offset: number): Uint8Array {
  const big = new Uint8Array(payload.length + offset + 9).fill(0xa5)
  big.set(payload, offset)
  return big.subarray(offset, offset + payload.length)
}

function lengths(rng: Rng): number[] {
  const out = Array.from({ length: 201 }, (_, d) => d)
  for (let k = 0; k < 40; k++) out.push(rng.int(201))
  return out
}

describe('encodeVector matches the element-wise encoders bit for bit', () => {
  it('for every codec, lengths 0..200 and a few large ones, and draws the same random stream', () => {
    const rng = Rng.derive(1, 0, 'fast-paths data')
    for (const c of CODECS) {
      for (const d of [...lengths(rng), ...LARGE]) {
        const v = randomVector(rng, d)
        const mine = Rng.derive(d, 1, 'q')
        const theirs = Rng.derive(d, 1, 'q')
        expect(outcome(() => encodeVector(c, v, mine))).toEqual(outcome(() => encodeVectorRef(c, v, theirs)))
        expect(mine.state()).toEqual(theirs.state())
      }
    }
  })

  it('on the big-endian paths too', () => {
    const rng = Rng.derive(2, 0, 'vectors')
    for (const c of CODECS) {
      for (const d of [0, 1, 5, 31, 32, 33, 199, 1025]) {
        const v = randomVector(rng, d)
        expect(outcome(() => encodeVector(c, v, Rng.derive(3, 0, 'q'), false))).toEqual(
          outcome(() => encodeVectorRef(c, v, Rng.derive(3, 0, 'q'))),
        )
      }
    }
  })

  it('at the edges of rounding: exact ties, their neighbours, and the one double where floor(y + 1/2) is not Math.round(y)', () => {
    const tie = 0.49999999999999994
    const v = Float64Array.from([1, tie, -tie, 0.5, -0.5, 0.75, -0.75, 0.25, 2.5 / 3, 1 / 3, -1 / 3, 5e-324, -0])
    for (const bits of [2, 3, 4, 8, 16]) {
      const payload = encodeVector({ codec: 'uniform', bits }, v, null)
      expect(payload).toEqual(encodeVectorRef({ codec: 'uniform', bits }, v, null))
      if (bits === 2) expect(payload[4]! & 0b1100).toBe(0b0100) // tie / scale 1 rounds to level 0, code 1
    }
    const rng = Rng.derive(4, 0, 'ties')
    for (let t = 0; t < 2000; t++) {
      const bits = 2 + rng.int(15)
      const L = 2 ** (bits - 1) - 1
      const near = Float64Array.from(
        { length: 64 },
        () => ((rng.int(2 * L + 1) - L + 0.5) / L) * (1 + (rng.int(5) - 2) * 2 ** -52),
      )
      near[0] = 1
      const c = { codec: 'uniform', bits } as const
      expect(outcome(() => encodeVector(c, near, null))).toEqual(outcome(() => encodeVectorRef(c, near, null)))
    }
  })

  it('Math.round(y) is floor(y + 1/2) for |y| < 2^52 but at 0.49999999999999994 (what the uniform encoder relies on)', () => {
    const rng = Rng.derive(5, 0, 'round')
    const check = (y: number): void => {
      const fast = y === 0.49999999999999994 ? 0 : Math.floor(y + 0.5)
      expect(fast === Math.round(y) || (fast === 0 && Object.is(Math.round(y), -0))).toBe(true)
    }
    const f = new Float64Array(1)
    const bitsOf = new BigInt64Array(f.buffer)
    for (let t = 0; t < 20000; t++) {
      f[0] = (rng.int(80001) - 40000 + 0.5) * (rng.uniform() < 0.1 ? 2 ** -rng.int(60) : 1)
      for (let step = -3n; step <= 3n; step++) {
        const g = new Float64Array(1)
        new BigInt64Array(g.buffer)[0] = bitsOf[0]! + step
        check(g[0]!)
      }
    }
    check(0.49999999999999994)
    check(-0.49999999999999994)
  })

  it('clamps r to s where the squares underflow and |v_k| exceeds the computed norm', () => {
    const v = Float64Array.from([2.5e-162, 1e-170, -2.5e-162])
    for (const levels of [1, 4, 16]) {
      const payload = encodeVector({ codec: 'qsgd', levels }, v, Rng.derive(1, 0, 'q'))
      expect(payload).toEqual(encodeVectorRef({ codec: 'qsgd', levels }, v, Rng.derive(1, 0, 'q')))
    }
  })

  it('refuses what the element-wise encoders refuse, with the same error and the same draws', () => {
    const v = Float64Array.from([1e300, 1, -2])
    const bad: [VectorCodec, Float64Array][] = [
      [{ codec: 'uniform', bits: 1 }, v],
      [{ codec: 'uniform', bits: 17 }, v],
      [{ codec: 'uniform', bits: 2.5 }, v],
      [{ codec: 'uniform', bits: 3 }, v],
      [{ codec: 'qsgd', levels: 3 }, v],
      [{ codec: 'qsgd', levels: 0 }, Float64Array.from([1])],
      [{ codec: 'qsgd', levels: 1.5 }, Float64Array.from([1])],
      [{ codec: 'qsgd', levels: 40_000 }, Float64Array.from([1, -2, 3])],
      [{ codec: 'uniform', bits: 3 }, Float64Array.from([1, NaN])],
      [{ codec: 'qsgd', levels: 4 }, Float64Array.from([Infinity, 1])],
    ]
    for (const [c, x] of bad) {
      const mine = Rng.derive(6, 0, 'q')
      const theirs = Rng.derive(6, 0, 'q')
      const got = outcome(() => encodeVector(c, x, mine))
      expect('error' in got).toBe(true)
      expect(got).toEqual(outcome(() => encodeVectorRef(c, x, theirs)))
      expect(mine.state()).toEqual(theirs.state())
    }
    expect(outcome(() => encodeVector({ codec: 'qsgd', levels: 4 }, v, null))).toEqual(
      outcome(() => encodeVectorRef({ codec: 'qsgd', levels: 4 }, v, null)),
    )
  })

  it('keeps the bits of NaN payloads in f64 and rounds them as before in f32', () => {
    const raw = new BigUint64Array([
      0x7ff8000000000001n,
      0xfff8000000000000n,
      0x7ff0000000000001n,
      0xfff0000000000123n,
      0x7ff4000000000000n,
    ])
    const v = new Float64Array(raw.buffer)
    for (const le of [true, false]) {
      expect(encodeF64(v, le)).toEqual(encodeF64Ref(v))
      expect(encodeF32(v, le)).toEqual(encodeF32Ref(v))
    }
  })
})

describe('decodeVector matches the element-wise decoders', () => {
  it('on valid payloads at byte offsets 0, 1, 3 and 5, on both paths', () => {
    const rng = Rng.derive(7, 0, 'fast-paths data')
    for (const c of CODECS) {
      for (const d of [...lengths(rng).slice(0, 120), ...LARGE]) {
        const payload = encodable(c, randomVector(rng, d), d)
        const expected = outcome(() => decodeVectorRef(c, payload, d))
        for (const offset of [0, 1, 3, 5]) {
          for (const le of [true, false]) {
            expect(outcome(() => decodeVector(c, shifted(payload, offset), d, new Float64Array(d), le))).toEqual(
              expected,
            )
          }
        }
      }
    }
  })

  it('on corrupted payloads: flipped bytes, set padding, codes above 2 maxLevel, wrong lengths', () => {
    const rng = Rng.derive(8, 0, 'fast-paths data')
    for (const c of CODECS) {
      for (const d of [0, 1, 2, 3, 7, 9, 31, 33, 100, 1025]) {
        const payload = encodable(c, randomVector(rng, d), d)
        for (const bad of corruptions(c, payload, d, rng)) {
          const expected = outcome(() => decodeVectorRef(c, bad, d))
          for (const offset of [0, 3]) {
            for (const le of [true, false])
              expect(outcome(() => decodeVector(c, shifted(bad, offset), d, undefined, le))).toEqual(expected)
          }
        }
      }
    }
  })

  it('rejects a non-finite float at any position with the same message, leaving out as before', () => {
    const rng = Rng.derive(9, 0, 'nonfinite')
    for (const codec of ['f64', 'f32'] as const) {
      for (let t = 0; t < 300; t++) {
        const d = 1 + rng.int(60)
        const v = randomVector(rng, d)
        for (let n = 1 + rng.int(3); n > 0; n--) v[rng.int(d)] = [NaN, Infinity, -Infinity][rng.int(3)]!
        const payload = codec === 'f64' ? encodeF64Ref(v) : encodeF32Ref(v)
        const theirs = new Float64Array(d).fill(7)
        const expected = outcome(() => decodeVectorRef({ codec }, payload, d, theirs))
        expect('error' in expected).toBe(true)
        for (const offset of [0, 1, 2, 3, 5]) {
          for (const le of [true, false]) {
            const mine = new Float64Array(d).fill(7)
            expect(outcome(() => decodeFloats(codec, shifted(payload, offset), d, mine, le))).toEqual(expected)
            expect(mine).toEqual(theirs)
          }
        }
      }
    }
  })

  it('refuses a wrong-sized out as before', () => {
    const payload = encodeVectorRef({ codec: 'uniform', bits: 3 }, Float64Array.from([1, -1, 0.5]), null)
    for (const out of [new Float64Array(2), new Float64Array(4)]) {
      expect(outcome(() => decodeVector({ codec: 'uniform', bits: 3 }, payload, 3, out))).toEqual(
        outcome(() => decodeVectorRef({ codec: 'uniform', bits: 3 }, payload, 3, out)),
      )
      expect(outcome(() => decodeVector({ codec: 'f64' }, new Uint8Array(24), 3, out))).toEqual(
        outcome(() => decodeVectorRef({ codec: 'f64' }, new Uint8Array(24), 3, out)),
      )
    }
  })
})

/** The reference payload of v, or of v without its extremes where those do not fit the float32 scale. */
function encodable(c: VectorCodec, v: Float64Array, seed: number): Uint8Array {
  try {
    return encodeVectorRef(c, v, Rng.derive(seed, 2, 'q'))
  } catch {
    return encodeVectorRef(
      c,
      v.map((x) => (Math.abs(x) > 1e30 ? 1 : x)),
      Rng.derive(seed, 2, 'q'),
    )
  }
}

/** Payloads near a valid one: random byte flips, set padding bits, one code set to all ones, one byte short or long. */
function corruptions(c: VectorCodec, payload: Uint8Array, d: number, rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [payload.subarray(0, Math.max(0, payload.length - 1)), Uint8Array.from([...payload, 0])]
  for (let t = 0; t < 6 && payload.length > 0; t++) {
    const p = payload.slice()
    p[rng.int(p.length)]! ^= 1 + rng.int(255)
    out.push(p)
  }
  if (c.codec === 'qsgd' || c.codec === 'uniform') {
    const bits = c.codec === 'uniform' ? c.bits : Math.ceil(Math.log2(2 * c.levels + 1))
    const used = d * bits
    if (used % 8 !== 0) {
      const p = payload.slice()
      p[p.length - 1]! |= 0x80
      out.push(p)
    }
    for (let t = 0; t < 3 && d > 0; t++) {
      const p = payload.slice()
      const k = rng.int(d)
      for (let b = 0; b < bits; b++) p[4 + ((k * bits + b) >> 3)]! |= 1 << ((k * bits + b) & 7)
      out.push(p)
    }
  }
  return out
}

describe('packLevels and unpackLevels match the byte-at-a-time code', () => {
  it('for every width 1..16, offsets from 0 to the full range, lengths 0..200 and large', () => {
    const rng = Rng.derive(10, 0, 'pack')
    for (let bits = 1; bits <= 16; bits++) {
      for (const maxLevel of [
        (2 ** bits - 1) >> 1,
        Math.max(0, ((2 ** bits - 1) >> 1) - 1 - rng.int(3)),
        2 ** (bits - 2),
      ]) {
        if (2 * maxLevel + 1 > 2 ** bits || !Number.isInteger(maxLevel)) continue
        for (const d of [...Array.from({ length: 40 }, () => rng.int(201)), 0, 1, 32, 1024, 1025, 5000]) {
          const levels = Int32Array.from({ length: d }, () => rng.int(2 * maxLevel + 1) - maxLevel)
          const packed = packLevelsRef(levels, maxLevel, bits)
          expect(packLevels(levels, maxLevel, bits)).toEqual(packed)
          expect(unpackLevels(packed, d, maxLevel, bits)).toEqual(levels)
          const noise = Uint8Array.from(packed, () => rng.int(256))
          expect(outcome(() => unpackLevels(noise, d, maxLevel, bits))).toEqual(
            outcome(() => unpackLevelsRef(noise, d, maxLevel, bits)),
          )
        }
      }
    }
  })

  it('refuse levels out of range and wrong lengths alike, and write into a caller buffer', () => {
    expect(outcome(() => packLevels(Int32Array.from([0, 4, 0]), 3, 3))).toEqual(
      outcome(() => packLevelsRef(Int32Array.from([0, 4, 0]), 3, 3)),
    )
    expect(outcome(() => packLevels(Int32Array.from([-4]), 3, 3))).toEqual(
      outcome(() => packLevelsRef(Int32Array.from([-4]), 3, 3)),
    )
    expect(outcome(() => unpackLevels(new Uint8Array(3), 7, 3, 3))).toEqual(
      outcome(() => unpackLevelsRef(new Uint8Array(3), 7, 3, 3)),
    )
    const into = new Uint8Array(10).fill(0xee)
    packLevels(Int32Array.from([1, -1, 3]), 3, 3, into.subarray(3))
    expect(Array.from(into)).toEqual([
      0xee,
      0xee,
      0xee,
      ...packLevelsRef(Int32Array.from([1, -1, 3]), 3, 3),
      ...new Array(5).fill(0xee),
    ])
  })

  it('loadWords and storeWords give the same words and bytes on both paths', () => {
    const rng = Rng.derive(11, 0, 'words')
    for (let len = 0; len < 40; len++) {
      const bytes = Uint8Array.from({ length: len }, () => rng.int(256))
      const a = loadWords(bytes, new Uint32Array(12).fill(0xdeadbeef), true)
      const b = loadWords(bytes, new Uint32Array(12).fill(0xdeadbeef), false)
      const n = Math.ceil(len / 4)
      expect(a.subarray(0, n)).toEqual(b.subarray(0, n))
      const back = [new Uint8Array(len + 2), new Uint8Array(len + 2)]
      storeWords(a, back[0]!, 2, len, true)
      storeWords(a, back[1]!, 2, len, false)
      expect(back[0]!.subarray(2)).toEqual(bytes)
      expect(back[1]!.subarray(2)).toEqual(bytes)
    }
  })
})

describe('Rng.fillUniform', () => {
  it('gives the next count values of uniform(), bit for bit, and leaves the same state', () => {
    const pick = Rng.derive(12, 0, 'counts')
    for (let t = 0; t < 60; t++) {
      const seed = pick.int(1000)
      const count = t < 5 ? t : pick.int(3000)
      const a = Rng.derive(seed, t, 'u')
      const b = Rng.derive(seed, t, 'u')
      a.gaussian() // a pending spare must be left alone
      b.gaussian()
      const out = new Float64Array(count + 3).fill(-1)
      a.fillUniform(out, count)
      const expected = Float64Array.from({ length: count + 3 }, (_, k) => (k < count ? b.uniform() : -1))
      expect(out).toEqual(expected)
      expect(a.state()).toEqual(b.state())
      expect(a.gaussian()).toBe(b.gaussian())
    }
  })

  it('refuses a count it cannot hold', () => {
    const r = Rng.derive(1, 0, 'u')
    expect(() => r.fillUniform(new Float64Array(2), 3)).toThrow(RangeError)
    expect(() => r.fillUniform(new Float64Array(2), -1)).toThrow(RangeError)
    expect(() => r.fillUniform(new Float64Array(2), 1.5)).toThrow(RangeError)
  })
})
