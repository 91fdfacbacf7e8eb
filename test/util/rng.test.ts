import { describe, expect, it } from 'vitest'
import { Rng } from '../../src/util/rng.js'

describe('Rng', () => {
  it('is determined by (seed, index, purpose) and differs across each', () => {
    const draw = (r: Rng): number[] => Array.from({ length: 5 }, () => r.nextUint32())
    expect(draw(Rng.derive(1, 0, 'a'))).toEqual(draw(Rng.derive(1, 0, 'a')))
    expect(draw(Rng.derive(1, 0, 'a'))).not.toEqual(draw(Rng.derive(2, 0, 'a')))
    expect(draw(Rng.derive(1, 0, 'a'))).not.toEqual(draw(Rng.derive(1, 1, 'a')))
    expect(draw(Rng.derive(1, 0, 'a'))).not.toEqual(draw(Rng.derive(1, 0, 'b')))
  })

  it('restores exactly from its state, including the spare Gaussian', () => {
    const r = Rng.derive(7, 3, 'x')
    r.gaussian()
    const copy = Rng.fromState(JSON.parse(JSON.stringify(r.state())))
    expect(Array.from({ length: 9 }, () => copy.gaussian())).toEqual(Array.from({ length: 9 }, () => r.gaussian()))
  })

  it('has uniform, int and gaussian moments within Monte Carlo tolerance (n = 200000, 5 sigma)', () => {
    const r = Rng.derive(11, 0, 'moments')
    const n = 200_000
    let su = 0
    let sg = 0
    let sg2 = 0
    const counts = new Array<number>(7).fill(0)
    for (let k = 0; k < n; k++) {
      const u = r.uniform()
      expect(u >= 0 && u < 1).toBe(true)
      su += u
      const g = r.gaussian()
      sg += g
      sg2 += g * g
      counts[r.int(7)]! += 1
    }
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n))
    expect(Math.abs(sg / n)).toBeLessThan(5 / Math.sqrt(n))
    expect(Math.abs(sg2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n))
    for (const c of counts) expect(Math.abs(c / n - 1 / 7)).toBeLessThan(5 * Math.sqrt(((1 / 7) * (6 / 7)) / n))
  })
})
