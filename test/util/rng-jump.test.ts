/**
 * Rng.advance (util/rng-jump.ts) against the generator stepped one call at a time (the oracle): the same state
 * after any number of steps, jumps that compose, and the same Gaussians afterwards.
 */
import { describe, expect, it } from 'vitest'
import { Rng } from '../../src/util/rng.js'
import { jumpState, xoshiroStep } from '../../src/util/rng-jump.js'

function stepped(seed: number, steps: number): Rng {
  const r = Rng.derive(seed, 3, 'jump')
  for (let k = 0; k < steps; k++) r.nextUint32()
  return r
}

describe('Rng.advance', () => {
  it('equals nextUint32 called k times, for k from 0 to 300,007 (seeded choice of k)', () => {
    const pick = Rng.derive(5, 0, 'pick')
    const counts = [
      0,
      1,
      2,
      3,
      4,
      31,
      32,
      33,
      127,
      128,
      129,
      4096,
      300_007,
      ...Array.from({ length: 8 }, () => pick.int(100_000)),
    ]
    for (const k of counts) {
      const jumped = Rng.derive(k + 1, 3, 'jump')
      jumped.advance(k)
      expect(jumped.state().s, `k = ${k}`).toEqual(stepped(k + 1, k).state().s)
    }
  })

  it('composes: advance(a) then advance(b) is advance(a + b), up to 2^52', () => {
    for (const [a, b] of [
      [2 ** 40, 12_345],
      [2 ** 52 - 1, 1],
      [987_654_321, 123_456_789],
    ]) {
      const twice = Rng.derive(9, 0, 'c')
      twice.advance(a)
      twice.advance(b)
      const once = Rng.derive(9, 0, 'c')
      once.advance(a + b)
      expect(twice.state().s).toEqual(once.state().s)
    }
  })

  it('drops the spare and then draws the Gaussians that follow 4 steps per pair', () => {
    const a = Rng.derive(2, 1, 'g')
    const pairs = 1000
    const all = a.fillGaussian(new Float64Array(2 * pairs + 6))
    const b = Rng.derive(2, 1, 'g')
    b.gaussian() // draws the first pair and keeps a spare, which advance drops
    b.advance(4 * (pairs - 1))
    expect(Array.from(b.fillGaussian(new Float64Array(6)))).toEqual(Array.from(all.subarray(2 * pairs)))
  })

  it('refuses a negative or fractional count, and the linear step is the generator step', () => {
    expect(() => Rng.derive(1, 0, 'x').advance(-1)).toThrow(/non-negative safe integer/)
    expect(() => Rng.derive(1, 0, 'x').advance(1.5)).toThrow(/non-negative safe integer/)
    const s = new Uint32Array([1, 2, 3, 4])
    const t = new Uint32Array(s)
    xoshiroStep(s)
    jumpState(t, 1)
    expect(Array.from(t)).toEqual(Array.from(s))
  })
})
