/**
 * Rng.fillGaussian against `gaussian()` called one by one (the oracle): the same values bit for bit, and the same
 * state and spare afterwards, for counts around the chunk size, with and without a spare to start; and, on a
 * scripted uniform stream with zeros in it (which Box-Muller redraws), the same skipping as the scalar loop.
 */
import { describe, expect, it } from 'vitest'
import { Rng } from '../../src/util/rng.js'

function scalar(rng: Rng, count: number): Float64Array {
  return Float64Array.from({ length: count }, () => rng.gaussian())
}

describe('Rng.fillGaussian', () => {
  for (const count of [0, 1, 2, 3, 7, 4095, 4096, 4097, 8193, 10_001]) {
    for (const withSpare of [false, true]) {
      it(`${count} values${withSpare ? ', starting from a spare' : ''}: gaussian() bit for bit, and the same state after`, () => {
        const a = Rng.derive(11, count, 'fill')
        const b = Rng.derive(11, count, 'fill')
        if (withSpare) expect(a.gaussian()).toBe(b.gaussian())
        const bulk = a.fillGaussian(new Float64Array(count + 3), count)
        const one = scalar(b, count)
        expect(Buffer.from(bulk.buffer, 0, 8 * count).equals(Buffer.from(one.buffer))).toBe(true)
        expect(a.state()).toEqual(b.state())
        expect(scalar(a, 5)).toEqual(scalar(b, 5))
      })
    }
  }

  it('skips a uniform of 0 exactly as the scalar loop redraws it, even at a chunk edge', () => {
    // a scripted stream: zeros at the start, in the middle, and where a chunk ends
    const script = Array.from({ length: 20_000 }, (_, k) =>
      [0, 5, 4095, 4096, 9001].includes(k) ? 0 : (k * 0.6180339887) % 1 || 0.5,
    )
    const scripted = (): Rng => {
      const rng = Rng.derive(1, 0, 'scripted')
      let at = 0
      rng.uniform = () => script[at++]!
      rng.fillUniform = (out: Float64Array, n = out.length) => {
        for (let k = 0; k < n; k++) out[k] = script[at++]!
        return out
      }
      return rng
    }
    const a = scripted()
    const b = scripted()
    const bulk = a.fillGaussian(new Float64Array(9000))
    const one = scalar(b, 9000)
    expect(Buffer.from(bulk.buffer).equals(Buffer.from(one.buffer))).toBe(true)
    expect(a.gaussian()).toBe(b.gaussian())
    expect(a.uniform()).toBe(b.uniform()) // the same number of uniforms consumed
  })
})
