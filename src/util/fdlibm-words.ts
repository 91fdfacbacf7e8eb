/**
 * High and low 32-bit words of a double, for the fdlibm ports (fdlibm-log-exp.ts, fdlibm-trig.ts).
 *
 * One shared 8-byte buffer viewed as a Float64Array and an Int32Array, so reading or building a double's words
 * allocates nothing. The high word (sign, exponent, top 20 mantissa bits) comes back as a signed int32, as fdlibm's
 * `int32_t hx` does; the low word as a signed int32 too (callers only test it against 0 or put it back).
 */

const F64 = new Float64Array(1)
const I32 = new Int32Array(F64.buffer)
/** Index of the high word in I32: 1 on little-endian hosts (all current ones), 0 on big-endian. */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0
const LO = 1 - HI

/** The high word of `x` (fdlibm's GET_HIGH_WORD), signed. */
export function highWord(x: number): number {
  F64[0] = x
  return I32[HI]
}

/** The low word of `x` (fdlibm's GET_LOW_WORD), as a signed int32. */
export function lowWord(x: number): number {
  F64[0] = x
  return I32[LO]
}

/** The double whose words are `hi` and `lo` (fdlibm's INSERT_WORDS); both are taken modulo 2^32. */
export function fromWords(hi: number, lo: number): number {
  I32[HI] = hi
  I32[LO] = lo
  return F64[0]
}

/**
 * POW2[n + 1074] = 2^n for n in -1074..1023 (below -1022 these are subnormal, still exact). Multiplying by a power of
 * two from this table replaces fdlibm's SET_HIGH_WORD / INSERT_WORDS on the hot paths: writing a word into the shared
 * buffer and reading the double back defeats the CPU's store-to-load forwarding, which made log and exp 30-40%
 * slower. The product is exact whenever it is normal, so the bits are fdlibm's.
 */
const POW2 = new Float64Array(2098)
for (let n = -1022; n <= 1023; n++) POW2[n + 1074] = fromWords((n + 0x3ff) << 20, 0)
for (let n = -1023; n >= -1074; n--) POW2[n + 1074] = POW2[n + 1075] * 0.5

/** 2^n for integer n in -1074..1023, exact. */
export function pow2(n: number): number {
  return POW2[n + 1074]
}

/** x * 2^n (fdlibm's scalbn), exact while the result is normal; n in -1074..1023, as the callers here need. */
export function scalbn(x: number, n: number): number {
  return x * POW2[n + 1074]
}
