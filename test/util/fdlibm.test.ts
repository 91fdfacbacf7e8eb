/**
 * src/util/fdlibm's log, exp, log1p, sin and cos must give Node 24's Math.* bits, exactly, on every input.
 *
 * Why: ECMAScript lets engines round Math.log, Math.exp, Math.sin, ... as they like, and Chromium's V8 (156) gives
 * other last bits than Node 24's V8 on a few percent of inputs. meshgd's peers must agree bit for bit whether they
 * run in Node or in a browser tab (a swarm with browser peers must equal the simulator), so the code that feeds
 * results across peers uses src/util/fdlibm, which is plain double arithmetic and so rounds alike everywhere.
 *
 * The oracle is Node 24's own Math.*: V8 13.6 computes these in src/base/ieee754.cc, a port of fdlibm 5.3, and
 * src/util/fdlibm ports that same code operation for operation. (Newer V8 hands log, exp, cos, ... to LLVM's libc;
 * if the pinned Node moves to such a V8, this test must compare against stored bits from Node 24 instead.)
 *
 * Inputs are seeded and deterministic: special values and the branch boundaries of each routine with their
 * neighbouring doubles, then 200k random inputs per function per range.
 */

import { describe, expect, it } from 'vitest'
import { cos, exp, log, log1p, sin } from '../../src/util/fdlibm.js'
import { Rng } from '../../src/util/rng.js'

type Fn = (x: number) => number

const PORTS: ReadonlyArray<readonly [string, Fn, Fn]> = [
  ['log', log, Math.log],
  ['exp', exp, Math.exp],
  ['log1p', log1p, Math.log1p],
  ['sin', sin, Math.sin],
  ['cos', cos, Math.cos],
]

const F64 = new Float64Array(1)
const U32 = new Uint32Array(F64.buffer) // little-endian: U32[1] is the high word
const BITS = new BigInt64Array(F64.buffer)

/** The double `steps` representable values above x (below for negative steps), by stepping its bit pattern. */
function stepUlps(x: number, steps: number): number {
  F64[0] = x
  BITS[0] += BigInt(x < 0 || Object.is(x, -0) ? -steps : steps)
  return F64[0]
}

function fromWords(hi: number, lo: number): number {
  U32[1] = hi >>> 0
  U32[0] = lo >>> 0
  return F64[0]
}

/** x and its neighbours within `reach` ulps, with both signs. */
function around(x: number, reach = 3): number[] {
  const out: number[] = []
  for (let d = -reach; d <= reach; d++) out.push(stepUlps(x, d), -stepUlps(x, d))
  return out
}

/** The first double at or above each fdlibm high-word threshold, and its neighbours. */
function atHighWords(...his: number[]): number[] {
  return his.flatMap((hi) => around(fromWords(hi, 0)).concat(around(fromWords(hi, 0xffffffff))))
}

const MIN_NORMAL = 2.2250738585072014e-308

function specialInputs(): number[] {
  const xs: number[] = [NaN, -NaN, 0, -0, Infinity, -Infinity, fromWords(0x7ff00000, 1), fromWords(0xfff80000, 7)]
  xs.push(...around(Number.MIN_VALUE, 5), ...around(MIN_NORMAL), ...around(MIN_NORMAL - Number.MIN_VALUE))
  xs.push(...around(Number.MAX_VALUE, 5), ...around(1e-310), ...around(3e-320), ...around(Number.EPSILON))
  for (let e = -1074; e <= 1023; e += 7) xs.push(...around(2 ** e, 1)) // powers of two across the range
  // exp: overflow / underflow thresholds, the last normal results, k = 1024, reduction and tiny-argument boundaries
  xs.push(...around(709.782712893384, 8), ...around(-745.1332191019411, 8), ...around(709.78, 3))
  xs.push(...around(-708.3964185322641, 8), ...around(-708.4, 3), ...around(-744.4400719213812, 3), ...around(1, 8))
  xs.push(...atHighWords(0x40862e42, 0x3fd62e42, 0x3ff0a2b2, 0x3e300000, 0x7fefffff))
  // log: near 1, near sqrt(2) and sqrt(2)/2 (the normalization split), |f| < 2^-20 and the 0x6147a / 0x6b851 split
  xs.push(...around(1, 64), ...around(Math.SQRT2, 8), ...around(Math.SQRT1_2, 8), ...around(2, 8), ...around(0.5, 8))
  xs.push(...around(1 + 2 ** -20, 4), ...around(1 - 2 ** -21, 4), ...around(Math.E, 4), ...around(10, 4))
  xs.push(...atHighWords(0x3ff6147a, 0x3ff6b851, 0x3fe6147a, 0x3fe6b851, 0x00100000))
  // log1p: near 0, -1, the k = 0 window (-0.2929, 0.4142), 2^53 where 1 + x stops mattering
  xs.push(...around(-1, 8), ...around(2 ** -29, 4), ...around(2 ** -54, 4), ...around(1e-300, 2), ...around(2 ** 53, 4))
  xs.push(...atHighWords(0x3fda827a, 0xbfd2bec4, 0x3e200000, 0x3c900000, 0x43400000, 0x3ff00000))
  // sin, cos: multiples of pi/4 and pi/2 (and their neighbours) up to 2^20 pi/2, the reduction boundaries, huge x
  for (let k = -400; k <= 400; k++) xs.push(...around((k * Math.PI) / 4, 2))
  for (let k = 1; k < 2 ** 21; k = Math.ceil(k * 1.37)) xs.push(...around((k * Math.PI) / 2, 2))
  xs.push(...atHighWords(0x3fe921fb, 0x4002d97c, 0x3ff921fb, 0x413921fb, 0x3e400000, 0x3fd33333, 0x3fe90000))
  for (const x of [1e5, 1e9, 1e15, 1e22, 1e100, 1e200, 1e300, 2 ** 1023, 6381956970095103 * 2 ** 797]) {
    xs.push(...around(x, 4))
  }
  return xs
}

/** Inputs that differ: [x, port's result, Math's result], the first few only. */
function mismatches(port: Fn, oracle: Fn, xs: ArrayLike<number>): [number, number, number][] {
  const bad: [number, number, number][] = []
  for (let i = 0; i < xs.length && bad.length < 5; i++) {
    const a = port(xs[i])
    const b = oracle(xs[i])
    if (!Object.is(a, b)) bad.push([xs[i], a, b])
  }
  return bad
}

const N = 200_000

/** Random inputs of each range, seeded; one stream per range so each set is fixed on its own. */
const RANGES: ReadonlyArray<readonly [string, (r: Rng) => number]> = [
  // finite doubles of either sign with the exponent uniform: log-uniform over the whole double range
  [
    'log-uniform over all doubles',
    (r) => fromWords((r.nextUint32() & 0x800fffff) | (r.int(2047) << 20), r.nextUint32()),
  ],
  ['any bit pattern (NaNs, Infs, subnormals included)', (r) => fromWords(r.nextUint32(), r.nextUint32())],
  ['[0, 2 pi]', (r) => r.uniform() * 2 * Math.PI],
  ['[-50, 50]', (r) => r.uniform() * 100 - 50],
  ['[1e-10, 10]', (r) => 1e-10 + r.uniform() * 10],
  ['[-750, 750]', (r) => r.uniform() * 1500 - 750],
]

describe('src/util/fdlibm equals Node 24 Math.* bit for bit', () => {
  const special = specialInputs()
  it.each(PORTS)('%s on special values and branch boundaries', (_name, port, oracle) => {
    expect(special.length).toBeGreaterThan(10_000)
    expect(mismatches(port, oracle, special)).toEqual([])
  })

  it.each(RANGES)('on %s (200k random inputs per function)', (range, draw) => {
    const r = Rng.derive(
      20240,
      RANGES.findIndex(([name]) => name === range),
      'fdlibm test inputs',
    )
    const xs = new Float64Array(N)
    for (let i = 0; i < N; i++) xs[i] = draw(r)
    for (const [name, port, oracle] of PORTS)
      expect({ name, bad: mismatches(port, oracle, xs) }).toEqual({ name, bad: [] })
  })

  it('detects a last-bit difference (the comparison is not vacuous)', () => {
    const offByOne: Fn = (x) => stepUlps(log(x), 1)
    expect(mismatches(offByOne, Math.log, [0.5, 3, 7]).length).toBe(3)
  })
})
