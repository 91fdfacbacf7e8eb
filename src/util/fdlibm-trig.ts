/**
 * sin and cos ported from fdlibm 5.3 (s_sin.c, s_cos.c, k_sin.c, k_cos.c; the reduction is in fdlibm-rem-pio2.ts) as V8 13.6
 * (Node 24) carries them in src/base/ieee754.cc, operation for operation, so that the results equal Node 24's
 * Math.sin and Math.cos bit for bit in any JavaScript engine (see fdlibm.ts for why).
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

import { remPio2, Y } from './fdlibm-rem-pio2.js'
import { highWord, pow2 } from './fdlibm-words.js'

/** sin(x), bit-identical to fdlibm's sin (V8's ieee754::sin without V8_USE_LIBM_TRIG_FUNCTIONS). */
export function sin(x: number): number {
  const ix = highWord(x) & 0x7fffffff
  if (ix <= 0x3fe921fb) return kernelSin(x, 0, 0) // |x| ~<= pi/4
  if (ix >= 0x7ff00000) return x - x // NaN for Inf or NaN
  const n = remPio2(x)
  switch (n & 3) {
    case 0:
      return kernelSin(Y[0], Y[1], 1)
    case 1:
      return kernelCos(Y[0], Y[1])
    case 2:
      return -kernelSin(Y[0], Y[1], 1)
    default:
      return -kernelCos(Y[0], Y[1])
  }
}

/** cos(x), bit-identical to fdlibm's cos (V8's ieee754::cos without V8_USE_LIBM_TRIG_FUNCTIONS). */
export function cos(x: number): number {
  const ix = highWord(x) & 0x7fffffff
  if (ix <= 0x3fe921fb) return kernelCos(x, 0) // |x| ~<= pi/4
  if (ix >= 0x7ff00000) return x - x // NaN for Inf or NaN
  const n = remPio2(x)
  switch (n & 3) {
    case 0:
      return kernelCos(Y[0], Y[1])
    case 1:
      return -kernelSin(Y[0], Y[1], 1)
    case 2:
      return -kernelCos(Y[0], Y[1])
    default:
      return kernelSin(Y[0], Y[1], 1)
  }
}

// Coefficients of sin(x)/x - 1 ~ S1 x^2 + ... + S6 x^12 on [-pi/4, pi/4]
const S1 = -1.66666666666666324348e-1 // 0xBFC55555 55555549
const S2 = 8.33333333332248946124e-3 // 0x3F811111 1110F8A6
const S3 = -1.98412698298579493134e-4 // 0xBF2A01A0 19C161D5
const S4 = 2.75573137070700676789e-6 // 0x3EC71DE3 57B1FE7D
const S5 = -2.50507602534068634195e-8 // 0xBE5AE5E6 8A2B9CEB
const S6 = 1.58969099521155010221e-10 // 0x3DE5D93A 5ACFD57C

/** sin(x + y) for |x| ~<= pi/4, y the tail of x; `iy` is 0 when y is known to be 0 (fdlibm's __kernel_sin). */
function kernelSin(x: number, y: number, iy: number): number {
  const ix = highWord(x) & 0x7fffffff
  if (ix < 0x3e400000 && (x | 0) === 0) return x // |x| < 2^-27
  const z = x * x
  const v = z * x
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))
  if (iy === 0) return x + v * (S1 + z * r)
  return x - (z * (0.5 * y - v * r) - y - v * S1)
}

// Coefficients of cos(x) - 1 + x^2/2 ~ C1 x^4 + ... + C6 x^14 on [-pi/4, pi/4]
const C1 = 4.16666666666666019037e-2 // 0x3FA55555 5555554C
const C2 = -1.38888888888741095749e-3 // 0xBF56C16C 16C15177
const C3 = 2.48015872894767294178e-5 // 0x3EFA01A0 19CB1590
const C4 = -2.75573143513906633035e-7 // 0xBE927E4F 809C52AD
const C5 = 2.0875723212981748279e-9 // 0x3E21EE9E BDB4B1C4
const C6 = -1.13596475577881948265e-11 // 0xBDA8FAE9 BE8838D4

/** cos(x + y) for |x| ~<= pi/4, y the tail of x (fdlibm's __kernel_cos). */
function kernelCos(x: number, y: number): number {
  const ix = highWord(x) & 0x7fffffff
  if (ix < 0x3e400000 && (x | 0) === 0) return 1 // |x| < 2^-27
  const z = x * x
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))))
  if (ix < 0x3fd33333) return 1 - (0.5 * z - (z * r - x * y)) // |x| < 0.3
  // 1 - qx and 0.5 z - qx are exact: qx = |x|/4 with its low word cleared (fdlibm's INSERT_WORDS(qx, ix - 2^21, 0),
  // built here as 21-bit significand times a power of two), or 0.28125 past 0.78125
  const qx = ix > 0x3fe90000 ? 0.28125 : (0x100000 | (ix & 0xfffff)) * pow2((ix >> 20) - 1023 - 22)
  const iz = 0.5 * z - qx
  const a = 1 - qx
  return a - (iz - (z * r - x * y))
}
