/**
 * log, log1p and exp ported from fdlibm 5.3 (e_log.c, s_log1p.c, e_exp.c) as V8 13.6 (Node 24) carries them in
 * src/base/ieee754.cc, operation for operation, so that the results equal Node 24's Math.log, Math.log1p and
 * Math.exp bit for bit in any JavaScript engine (see fdlibm.ts for why).
 *
 * ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 */

import { highWord, lowWord, pow2 } from './fdlibm-words.js'

const LN2_HI = 6.9314718036912381649e-1 // 0x3FE62E42 FEE00000
const LN2_LO = 1.90821492927058770002e-10 // 0x3DEA39EF 35793C76
const TWO54 = 1.8014398509481984e16 // 2^54
// Coefficients of R(s^2) ~ (log(1+s) - log(1-s) - 2s) / s, shared by log (Lg1..Lg7) and log1p (Lp1..Lp7).
const LG1 = 6.66666666666673513e-1 // 0x3FE55555 55555593
const LG2 = 3.999999999940941908e-1 // 0x3FD99999 9997FA04
const LG3 = 2.857142874366239149e-1 // 0x3FD24924 94229359
const LG4 = 2.222219843214978396e-1 // 0x3FCC71C5 1D8E78AF
const LG5 = 1.818357216161805012e-1 // 0x3FC74664 96CB03DE
const LG6 = 1.531383769920937332e-1 // 0x3FC39A09 D078C69F
const LG7 = 1.479819860511658591e-1 // 0x3FC2F112 DF3E5244

/** Natural logarithm, bit-identical to fdlibm's __ieee754_log (V8's ieee754::log). */
export function log(x: number): number {
  let hx = highWord(x)
  let k = 0
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lowWord(x)) === 0) return -Infinity
    if (hx < 0) return NaN
    k -= 54
    x *= TWO54 // scale the subnormal up
    hx = highWord(x)
  }
  if (hx >= 0x7ff00000) return x + x
  // normalize x or x/2 into [sqrt(2)/2, sqrt(2)): fdlibm sets the exponent word; scaling by 2^-e is the same, exactly
  const e = (hx >> 20) - 1023 + (((hx & 0x000fffff) + 0x95f64) >> 20)
  hx &= 0x000fffff
  x *= pow2(-e)
  k += e
  const f = x - 1.0
  if ((0x000fffff & (2 + hx)) < 3) return logNearOne(f, k) // -2^-20 <= f < 2^-20
  const s = f / (2.0 + f)
  const dk = k
  const z = s * s
  const w = z * z
  const t1 = w * (LG2 + w * (LG4 + w * LG6))
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
  const R = t2 + t1
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f
    if (k === 0) return f - (hfsq - s * (hfsq + R))
    return dk * LN2_HI - (hfsq - (s * (hfsq + R) + dk * LN2_LO) - f)
  }
  if (k === 0) return f - s * (f - R)
  return dk * LN2_HI - (s * (f - R) - dk * LN2_LO - f)
}

/** log's tail for |f| < 2^-20, where f = (normalized x) - 1 and log(x) = k ln2 + log(1+f). */
function logNearOne(f: number, k: number): number {
  const dk = k
  if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO
  const R = f * f * (0.5 - 0.3333333333333333 * f)
  if (k === 0) return f - R
  return dk * LN2_HI - (R - dk * LN2_LO - f)
}

/** log(1 + x), bit-identical to fdlibm's log1p (V8's ieee754::log1p). */
export function log1p(x: number): number {
  const hx = highWord(x)
  const ax = hx & 0x7fffffff
  if (hx < 0x3fda827a) {
    // 1+x < sqrt(2)+
    if (ax >= 0x3ff00000) return x === -1.0 ? -Infinity : NaN // x <= -1
    if (ax < 0x3e200000) {
      // |x| < 2^-29
      if (ax < 0x3c900000) return x // |x| < 2^-54
      return x - x * x * 0.5
    }
    if (hx > 0 || hx <= (0xbfd2bec4 | 0)) return log1pReduced(x, 0, 0, 1) // sqrt(2)/2- <= 1+x < sqrt(2)+
  }
  if (hx >= 0x7ff00000) return x + x
  let u: number
  let c: number
  if (hx < 0x43400000) {
    u = 1.0 + x
    const k = (highWord(u) >> 20) - 1023
    c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0) // correction term for the rounding of 1+x
    c /= u
  } else {
    u = x
    c = 0
  }
  const hu0 = highWord(u)
  let k = (hu0 >> 20) - 1023
  let hu = hu0 & 0x000fffff
  // normalize u (or u/2) to [sqrt(2)/2, sqrt(2)): fdlibm sets the exponent word; scaling by 2^-k is the same, exactly
  if (hu >= 0x6a09e) {
    k += 1
    hu = (0x00100000 - hu) >> 2
  }
  return log1pReduced(u * pow2(-k) - 1.0, k, c, hu)
}

/** log1p's common tail: log(1+x) = k ln2 + log(1+f) + c; `hu` is 0 exactly when |f| < 2^-20. */
function log1pReduced(f: number, k: number, c: number, hu: number): number {
  const hfsq = 0.5 * f * f
  if (hu === 0) {
    if (f === 0) {
      if (k === 0) return 0
      c += k * LN2_LO
      return k * LN2_HI + c
    }
    const R = hfsq * (1.0 - 0.6666666666666666 * f)
    if (k === 0) return f - R
    return k * LN2_HI - (R - (k * LN2_LO + c) - f)
  }
  const s = f / (2.0 + f)
  const z = s * s
  const R = z * (LG1 + z * (LG2 + z * (LG3 + z * (LG4 + z * (LG5 + z * (LG6 + z * LG7))))))
  if (k === 0) return f - (hfsq - s * (hfsq + R))
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f)
}

const O_THRESHOLD = 7.09782712893383973096e2 // 0x40862E42 FEFA39EF
const U_THRESHOLD = -7.4513321910194110842e2 // 0xC0874910 D52D3051
const INVLN2 = 1.442695040888963387 // 0x3FF71547 652B82FE
// Coefficients of R(r^2) ~ r (e^r + 1) / (e^r - 1) - 2
const P1 = 1.66666666666666019037e-1 // 0x3FC55555 5555553E
const P2 = -2.77777777770155933842e-3 // 0xBF66C16C 16BEBD93
const P3 = 6.61375632143793436117e-5 // 0x3F11566A AF25DE2C
const P4 = -1.6533902205465251539e-6 // 0xBEBBBD41 C5D26BF1
const P5 = 4.13813679705723846039e-8 // 0x3E663769 72BEA4D0
const TWO1023 = 8.98846567431157953865e307 // 2^1023
const TWOM1000 = 9.3326361850321887899e-302 // 2^-1000

/** e^x, bit-identical to fdlibm's __ieee754_exp as V8 has it (V8's ieee754::exp, with its exp(1) = Math.E case). */
export function exp(x: number): number {
  const hw = highWord(x)
  const xsb = hw >>> 31 // sign bit of x
  const hx = hw & 0x7fffffff // high word of |x|
  if (hx >= 0x40862e42) {
    // |x| >= 709.78...
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x // NaN
      return xsb === 0 ? x : 0 // exp(+-inf) = {inf, 0}
    }
    if (x > O_THRESHOLD) return Infinity
    if (x < U_THRESHOLD) return 0
  }
  let hi = 0
  let lo = 0
  let k = 0
  if (hx > 0x3fd62e42) {
    // |x| > 0.5 ln2: reduce x = k ln2 + r, r = hi - lo
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln2
      if (x === 1.0) return Math.E // V8's special case (the generic path is 1 ulp off here)
      hi = xsb === 0 ? x - LN2_HI : x - -LN2_HI
      lo = xsb === 0 ? LN2_LO : -LN2_LO
      k = 1 - xsb - xsb
    } else {
      k = (INVLN2 * x + (xsb === 0 ? 0.5 : -0.5)) | 0
      const t = k
      hi = x - t * LN2_HI // t*LN2_HI is exact here
      lo = t * LN2_LO
    }
    x = hi - lo
  } else if (hx < 0x3e300000) {
    return 1 + x // |x| < 2^-28
  }
  const t = x * x
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x)
  const y = 1 - (lo - (x * c) / (2.0 - c) - hi)
  if (k >= -1021) {
    if (k === 1024) return y * 2.0 * TWO1023
    return y * pow2(k)
  }
  return y * pow2(k + 1000) * TWOM1000
}
