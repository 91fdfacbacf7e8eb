/**
 * Argument reduction for sin and cos (fdlibm-trig.ts): x - n pi/2, ported from fdlibm 5.3 (e_rem_pio2.c,
 * k_rem_pio2.c) as V8 13.6 (Node 24) carries them in src/base/ieee754.cc, operation for operation.
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

import { fromWords, highWord, lowWord, scalbn } from './fdlibm-words.js'

/** remPio2's result x - n pi/2 as Y[0] + Y[1]; module-level so the reduction allocates nothing. */
export const Y = new Float64Array(2)

const INVPIO2 = 6.36619772367581382433e-1 // 0x3FE45F30 6DC9C883, 53 bits of 2/pi
const PIO2_1 = 1.57079632673412561417 // 0x3FF921FB 54400000, first 33 bits of pi/2
const PIO2_1T = 6.07710050650619224932e-11 // 0x3DD0B461 1A626331, pi/2 - PIO2_1
const PIO2_2 = 6.0771005063039659766e-11 // 0x3DD0B461 1A600000, second 33 bits of pi/2
const PIO2_2T = 2.02226624879595063154e-21 // 0x3BA3198A 2E037073, pi/2 - (PIO2_1 + PIO2_2)
const PIO2_3 = 2.0222662487111664558e-21 // 0x3BA3198A 2E000000, third 33 bits of pi/2
const PIO2_3T = 8.47842766036889956997e-32 // 0x397B839A 252049C1, pi/2 - (PIO2_1 + PIO2_2 + PIO2_3)
const TWO24 = 1.6777216e7 // 2^24
const TWON24 = 5.9604644775390625e-8 // 2^-24

/** High words of n pi/2 for n = 1..32, to spot arguments close to a multiple of pi/2. */
// prettier-ignore
const NPIO2_HW = new Int32Array([
  0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb, 0x401f6a7a, 0x4022d97c, 0x4025fdbb, 0x402921fb,
  0x402c463a, 0x402f6a7a, 0x4031475c, 0x4032d97c, 0x40346b9c, 0x4035fdbb, 0x40378fdb, 0x403921fb,
  0x403ab41b, 0x403c463a, 0x403dd85a, 0x403f6a7a, 0x40407e4c, 0x4041475c, 0x4042106c, 0x4042d97c,
  0x4043a28c, 0x40446b9c, 0x404534ac, 0x4045fdbb, 0x4046c6cb, 0x40478fdb, 0x404858eb, 0x404921fb,
])

/**
 * x - n pi/2 into Y[0] + Y[1] with |Y[0] + Y[1]| ~<= pi/4; returns n (fdlibm 5.3's __ieee754_rem_pio2, the version
 * V8 keeps: Cody-Waite with up to three 33-bit pieces of pi/2 below 2^19 pi/2, Payne-Hanek above). Needs |x| > pi/4.
 */
export function remPio2(x: number): number {
  const hx = highWord(x)
  const ix = hx & 0x7fffffff
  if (ix < 0x4002d97c) return remPio2Near(x, hx, ix) // |x| < 3pi/4
  if (ix > 0x413921fb) return remPio2Large(x, hx, ix) // |x| ~> 2^19 pi/2
  const t = Math.abs(x)
  const n = (t * INVPIO2 + 0.5) | 0
  const fn = n
  let r = t - fn * PIO2_1
  let w = fn * PIO2_1T // first round good to 85 bits
  let y0 = r - w
  if (n >= 32 || ix === NPIO2_HW[n - 1]) {
    const j = ix >> 20
    if (j - ((highWord(y0) >> 20) & 0x7ff) > 16) {
      // second iteration, good to 118 bits
      let u = r
      w = fn * PIO2_2
      r = u - w
      w = fn * PIO2_2T - (u - r - w)
      y0 = r - w
      if (j - ((highWord(y0) >> 20) & 0x7ff) > 49) {
        // third iteration, 151 bits, covers all cases
        u = r
        w = fn * PIO2_3
        r = u - w
        w = fn * PIO2_3T - (u - r - w)
        y0 = r - w
      }
    }
  }
  const y1 = r - y0 - w
  if (hx < 0) {
    Y[0] = -y0
    Y[1] = -y1
    return -n
  }
  Y[0] = y0
  Y[1] = y1
  return n
}

/** remPio2 for pi/4 < |x| < 3pi/4, where n = +-1. */
function remPio2Near(x: number, hx: number, ix: number): number {
  if (hx > 0) {
    let z = x - PIO2_1
    if (ix !== 0x3ff921fb) {
      Y[0] = z - PIO2_1T // 33+53 bits of pi are enough
      Y[1] = z - Y[0] - PIO2_1T
    } else {
      z -= PIO2_2 // near pi/2: 33+33+53 bits
      Y[0] = z - PIO2_2T
      Y[1] = z - Y[0] - PIO2_2T
    }
    return 1
  }
  let z = x + PIO2_1
  if (ix !== 0x3ff921fb) {
    Y[0] = z + PIO2_1T
    Y[1] = z - Y[0] + PIO2_1T
  } else {
    z += PIO2_2
    Y[0] = z + PIO2_2T
    Y[1] = z - Y[0] + PIO2_2T
  }
  return -1
}

/** The 24-bit pieces of |x| / 2^e0 for __kernel_rem_pio2. */
const TX = new Float64Array(3)

/** remPio2 for |x| ~> 2^19 pi/2 (and Inf/NaN): splits |x| into 24-bit pieces and calls kernelRemPio2. */
function remPio2Large(x: number, hx: number, ix: number): number {
  if (ix >= 0x7ff00000) {
    Y[0] = Y[1] = x - x
    return 0
  }
  const e0 = (ix >> 20) - 1046 // ilogb(|x|) - 23
  let z = fromWords(ix - (e0 << 20), lowWord(x)) // |x| scaled to [2^23, 2^24)
  for (let i = 0; i < 2; i++) {
    TX[i] = z | 0
    z = (z - TX[i]) * TWO24
  }
  TX[2] = z
  let nx = 3
  while (TX[nx - 1] === 0) nx-- // skip zero terms
  const n = kernelRemPio2(e0, nx)
  if (hx < 0) {
    Y[0] = -Y[0]
    Y[1] = -Y[1]
    return -n
  }
  return n
}

/** 2/pi in 24-bit pieces: TWO_OVER_PI[i] * 2^(-24 (i+1)), 396 hex digits. */
// prettier-ignore
const TWO_OVER_PI = new Int32Array([
  0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62, 0x95993c, 0x439041, 0xfe5163, 0xabdebb, 0xc561b7,
  0x246e3a, 0x424dd2, 0xe00649, 0x2eea09, 0xd1921c, 0xfe1deb, 0x1cb129, 0xa73ee8, 0x8235f5, 0x2ebb44, 0x84e99c,
  0x7026b4, 0x5f7e41, 0x3991d6, 0x398353, 0x39f49c, 0x845f8b, 0xbdf928, 0x3b1ff8, 0x97ffde, 0x05980f, 0xef2f11,
  0x8b5a0a, 0x6d1f6d, 0x367ecf, 0x27cb09, 0xb74f46, 0x3f669e, 0x5fea2d, 0x7527ba, 0xc7ebe5, 0xf17b3d, 0x0739f7,
  0x8a5292, 0xea6bfb, 0x5fb11f, 0x8d5d08, 0x560330, 0x46fc7b, 0x6babf0, 0xcfbc20, 0x9af436, 0x1da9e3, 0x91615e,
  0xe61b08, 0x659985, 0x5f14a0, 0x68408d, 0xffd880, 0x4d7327, 0x310606, 0x1556ca, 0x73a8c9, 0x60e27b, 0xc08c6b,
])

/** pi/2 in 24-bit pieces (fdlibm's PIo2). */
// prettier-ignore
const PIO2 = new Float64Array([
  1.57079625129699707031e0, 7.54978941586159635335e-8, 5.39030252995776476554e-15, 3.28200341580791294123e-22,
  1.27065575308067607349e-29, 1.22933308981111328932e-36, 2.73370053816464559624e-44, 2.16741683877804819444e-51,
])

// kernelRemPio2's work arrays (fdlibm's f[], q[], fq[], iq[]), module-level so it allocates nothing.
const F = new Float64Array(20)
const Q = new Float64Array(20)
const FQ = new Float64Array(20)
const IQ = new Int32Array(20)
/** jk + 1 terms of 2/pi to start with; V8 calls __kernel_rem_pio2 with prec = 2, so jk = jp = init_jk[2] = 4. */
const JK = 4

/** Sum of x[j] * f[jx + i - j] over j <= jx (q[i] in fdlibm). */
function product(jx: number, i: number): number {
  let fw = 0.0
  for (let j = 0; j <= jx; j++) fw += TX[j] * F[jx + i - j]
  return fw
}

/**
 * fdlibm's __kernel_rem_pio2 with prec = 2: (x[0] + x[1] 2^-24 + x[2] 2^-48) 2^e0 reduced mod pi/2 into Y[0] + Y[1];
 * returns n mod 8. The integer part of x 2/pi that is 0 mod 8 is skipped, so the cost does not grow with x.
 */
function kernelRemPio2(e0: number, nx: number): number {
  const jx = nx - 1
  let jv = ((e0 - 3) / 24) | 0
  if (jv < 0) jv = 0
  const q0 = e0 - 24 * (jv + 1)
  for (let i = 0, j = jv - jx; i <= jx + JK; i++, j++) F[i] = j < 0 ? 0 : TWO_OVER_PI[j]
  for (let i = 0; i <= JK; i++) Q[i] = product(jx, i)
  let jz = JK
  let n: number
  let ih: number
  let z: number
  for (;;) {
    // distill q[] into iq[] reversingly
    z = Q[jz]
    for (let i = 0, j = jz; j > 0; i++, j--) {
      const fw = (TWON24 * z) | 0
      IQ[i] = (z - TWO24 * fw) | 0
      z = Q[j - 1] + fw
    }
    z = scalbn(z, q0)
    z -= 8.0 * Math.floor(z * 0.125) // trim off integer >= 8
    n = z | 0
    z -= n
    ih = 0
    if (q0 > 0) {
      // need iq[jz-1] to determine n
      const i = IQ[jz - 1] >> (24 - q0)
      n += i
      IQ[jz - 1] -= i << (24 - q0)
      ih = IQ[jz - 1] >> (23 - q0)
    } else if (q0 === 0) {
      ih = IQ[jz - 1] >> 23
    } else if (z >= 0.5) {
      ih = 2
    }
    if (ih > 0) {
      n += 1
      z = complement(z, jz, q0, ih)
    }
    const k = z === 0 ? recomputeTerms(jz) : 0
    if (k === 0) break
    for (let i = jz + 1; i <= jz + k; i++) {
      F[jx + i] = TWO_OVER_PI[jv + i]
      Q[i] = product(jx, i)
    }
    jz += k
  }
  finish(z, jz, q0, ih)
  return n & 7
}

/** The fraction q > 0.5: replace iq[] by 1 - q (and z with it when ih = 2); returns the new z. */
function complement(z: number, jz: number, q0: number, ih: number): number {
  let carry = 0
  for (let i = 0; i < jz; i++) {
    const j = IQ[i]
    if (carry === 0) {
      if (j !== 0) {
        carry = 1
        IQ[i] = 0x1000000 - j
      }
    } else {
      IQ[i] = 0xffffff - j
    }
  }
  if (q0 === 1) IQ[jz - 1] &= 0x7fffff
  else if (q0 === 2) IQ[jz - 1] &= 0x3fffff
  if (ih === 2) {
    z = 1.0 - z
    if (carry !== 0) z -= scalbn(1.0, q0)
  }
  return z
}

/** When the fraction came out 0: how many more terms of 2/pi are needed (0 if none). */
function recomputeTerms(jz: number): number {
  let j = 0
  for (let i = jz - 1; i >= JK; i--) j |= IQ[i]
  if (j !== 0) return 0
  let k = 1
  while (JK >= k && IQ[JK - k] === 0) k++
  return k
}

/** Chops zero terms, turns iq[] back into doubles, multiplies by pi/2 and sums into Y[0] + Y[1]. */
function finish(z: number, jz: number, q0: number, ih: number): void {
  if (z === 0) {
    jz -= 1
    q0 -= 24
    while (IQ[jz] === 0) {
      jz--
      q0 -= 24
    }
  } else {
    z = scalbn(z, -q0)
    if (z >= TWO24) {
      const fw = (TWON24 * z) | 0
      IQ[jz] = z - TWO24 * fw
      jz += 1
      q0 += 24
      IQ[jz] = fw
    } else {
      IQ[jz] = z
    }
  }
  let fw = scalbn(1.0, q0)
  for (let i = jz; i >= 0; i--) {
    Q[i] = fw * IQ[i]
    fw *= TWON24
  }
  for (let i = jz; i >= 0; i--) {
    fw = 0.0
    for (let k = 0; k <= JK && k <= jz - i; k++) fw += PIO2[k] * Q[i + k]
    FQ[jz - i] = fw
  }
  fw = 0.0
  for (let i = jz; i >= 0; i--) fw += FQ[i]
  Y[0] = ih === 0 ? fw : -fw
  fw = FQ[0] - fw
  for (let i = 1; i <= jz; i++) fw += FQ[i]
  Y[1] = ih === 0 ? fw : -fw
}
