import { describe, expect, it } from 'vitest'
import {
  bitsForLevels,
  dequantize,
  packLevels,
  qsgdOmega,
  qsgdQuantize,
  uniformQuantize,
  unpackLevels,
} from '../../src/codec/quantize.js'
import { Rng } from '../../src/util/rng.js'

function randomVector(d: number, seed: number): Float64Array {
  const rng = Rng.derive(seed, 0, 'test')
  return Float64Array.from({ length: d }, () => rng.gaussian())
}

const norm2 = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0))

describe('qsgd Q_s (Kalan et al. 2019 Sec. 2.2)', () => {
  it('is unbiased and its second moment stays under (1 + omega)|v|^2 (Monte Carlo, 20000 draws)', () => {
    for (const [d, s] of [
      [16, 1],
      [64, 4],
      [100, 16],
    ] as const) {
      const v = randomVector(d, d + s)
      const rng = Rng.derive(1, 0, 'qsgd')
      const mean = new Float64Array(d)
      let second = 0
      const draws = 20_000
      const out = new Float64Array(d)
      for (let t = 0; t < draws; t++) {
        dequantize(qsgdQuantize(v, s, rng), out)
        for (let k = 0; k < d; k++) mean[k]! += out[k]! / draws
        second += norm2(out) ** 2 / draws
      }
      const vn = norm2(v)
      // per-coordinate standard error <= |v| / sqrt(s * draws) roughly; allow 6 of them on the norm of the bias
      const bias = norm2(mean.map((m, k) => m - v[k]!))
      expect(bias).toBeLessThan((6 * vn * Math.sqrt(d)) / Math.sqrt(s * s * draws) + 1e-6 * vn)
      expect(second).toBeLessThanOrEqual((1 + qsgdOmega(d, s)) * vn * vn * 1.01)
      expect(second).toBeGreaterThanOrEqual(vn * vn * 0.99) // E|Q|^2 >= |EQ|^2 = |v|^2
    }
  })

  it('puts every value on the grid |v| * {-s..s}/s, with |level| in {floor(r), floor(r)+1}', () => {
    const v = randomVector(257, 3)
    const s = 5
    const q = qsgdQuantize(v, s, Rng.derive(2, 0, 'qsgd'))
    const vn = norm2(v)
    expect(q.scale).toBe(Math.fround(vn))
    for (let k = 0; k < v.length; k++) {
      const r = (Math.abs(v[k]!) * s) / vn
      const level = Math.abs(q.levels[k]!)
      expect(level === Math.floor(r) || level === Math.min(Math.floor(r) + 1, s)).toBe(true)
      if (q.levels[k] !== 0) expect(Math.sign(q.levels[k]!)).toBe(Math.sign(v[k]!))
    }
  })

  it('maps 0 to 0 and a one-hot vector to itself', () => {
    const zero = qsgdQuantize(new Float64Array(9), 4, Rng.derive(1, 0, 'q'))
    expect(Array.from(dequantize(zero))).toEqual(new Array(9).fill(0))
    const e = new Float64Array(9)
    e[4] = -2.5
    expect(Array.from(dequantize(qsgdQuantize(e, 4, Rng.derive(1, 0, 'q'))))).toEqual([0, 0, 0, 0, -2.5, 0, 0, 0, 0])
  })
})

describe('uniform U_b', () => {
  it('has error within |v|_inf / (2L) for b = 2..16, huge and tiny scales', () => {
    for (let bits = 2; bits <= 16; bits++) {
      for (const scale of [1, 1e30, 1e-30]) {
        const v = randomVector(100, bits).map((x) => x * scale)
        const L = 2 ** (bits - 1) - 1
        const inf = Math.max(...Array.from(v, Math.abs))
        const u = dequantize(uniformQuantize(v, bits))
        const err = Math.max(...Array.from(v, (x, k) => Math.abs(x - u[k]!)))
        // the float32 scale adds at most a relative 2^-23 of |v|_inf
        expect(err).toBeLessThanOrEqual((inf / (2 * L)) * (1 + 1e-6) + inf * 2 ** -22)
      }
    }
  })

  it('refuses a vector beyond the float32 scale instead of sending garbage', () => {
    expect(() => uniformQuantize(Float64Array.from([1e300, 1]), 3)).toThrow(/float32/)
    expect(() => qsgdQuantize(Float64Array.from([1e300, 1]), 3, Rng.derive(1, 0, 'q'))).toThrow(/float32/)
  })
})

describe('bit packing', () => {
  it('round-trips every width 2..16 at lengths that are not multiples of 8, at the extremes', () => {
    const rng = Rng.derive(5, 0, 'pack')
    for (let bits = 2; bits <= 16; bits++) {
      const maxLevel = (2 ** bits - 1 - 1) >> 1
      expect(bitsForLevels(maxLevel)).toBeLessThanOrEqual(bits)
      for (const d of [1, 7, 9, 13, 1000]) {
        const levels = Int32Array.from({ length: d }, (_, k) =>
          k === 0 ? -maxLevel : k === 1 ? maxLevel : rng.int(2 * maxLevel + 1) - maxLevel,
        )
        const packed = packLevels(levels, maxLevel, bits)
        expect(packed.length).toBe(Math.ceil((d * bits) / 8))
        expect(Array.from(unpackLevels(packed, d, maxLevel, bits))).toEqual(Array.from(levels))
      }
    }
  })

  it('rejects corrupt payloads: wrong length, a value beyond 2 * maxLevel, nonzero padding', () => {
    expect(() => unpackLevels(new Uint8Array(2), 7, 3, 3)).toThrow(RangeError)
    expect(() => unpackLevels(Uint8Array.from([0x07]), 2, 3, 3)).toThrow(/exceeds/)
    expect(() => unpackLevels(Uint8Array.from([0x80]), 1, 3, 3)).toThrow(/padding/)
    expect(bitsForLevels(16)).toBe(6)
    expect(bitsForLevels(3)).toBe(3)
  })
})
