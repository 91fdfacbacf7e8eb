/**
 * Unpacking the codes of bit-pack.ts (pure): b-bit codes back to levels or, through a table, straight to floats,
 * every code checked against 2 maxLevel and the padding against zero, with the word kernels for every codec's shape
 * and the byte-at-a-time path kept for the rest. The level and the table kernels are written out twice on purpose:
 * each is a hot loop the JIT keeps monomorphic (one call per frame chunk at d = 100,000).
 */

/**
 * Codes handled per kernel call (and quantized per chunk before packing, bit-pack.ts): a multiple of 32, so every
 * chunk but the last ends on a word boundary.
 */
export const CODE_CHUNK = 1024

/** What an unpack found: all codes within 0..2 maxLevel and zero padding, a code above, or nonzero padding. */
export const UNPACK_OK = 0
export const UNPACK_BAD_CODE = 1
export const UNPACK_BAD_PADDING = 2

/** levels[k] = code_k - maxLevel for k < count; returns UNPACK_OK, UNPACK_BAD_CODE or UNPACK_BAD_PADDING. */
export function unpackCodes(
  words: Uint32Array,
  count: number,
  bits: number,
  maxLevel: number,
  levels: Int32Array,
): number {
  for (let start = 0; start < count; start += CODE_CHUNK) {
    const n = Math.min(CODE_CHUNK, count - start)
    const status = unpackLevelChunk(words, (start / 32) * bits, n, bits, maxLevel, levels, start)
    if (status !== UNPACK_OK) return status
  }
  return UNPACK_OK
}

/** out[k] = table[code_k] for k < count (table has 2^bits entries); returns the status as `unpackCodes` does. */
export function unpackTable(
  words: Uint32Array,
  count: number,
  bits: number,
  maxCode: number,
  table: Float64Array,
  out: Float64Array,
): number {
  // three bits (the uniform 3-bit codec): whole groups of 32 codes at fixed shifts, twice as fast; the rest as below
  const first = bits === 3 ? (count >>> 5) << 5 : 0
  if (first > 0 && unpackTable3(words, first, maxCode, table, out) !== UNPACK_OK) return UNPACK_BAD_CODE
  for (let start = first; start < count; start += CODE_CHUNK) {
    const n = Math.min(CODE_CHUNK, count - start)
    const status = unpackTableChunk(words, (start / 32) * bits, n, bits, maxCode, table, out, start)
    if (status !== UNPACK_OK) return status
  }
  return UNPACK_OK
}

/**
 * `unpackTable` for 3-bit codes and a multiple of 32 of them: 32 codes per 3 words, codes 10 and 21 straddling two
 * words (the layout of bit-pack.ts's pack3). Returns UNPACK_OK or UNPACK_BAD_CODE.
 */
function unpackTable3(
  words: Uint32Array,
  count: number,
  maxCodeIn: number,
  table: Float64Array,
  out: Float64Array,
): number {
  const maxCode = maxCodeIn | 0
  let bad = 0
  for (let k = 0, i = 0; k < count; k += 32, i += 3) {
    const a = words[i]!
    const b = words[i + 1]!
    const c = words[i + 2]!
    for (let j = 0; j < 10; j++) {
      const code = (a >>> (3 * j)) & 7
      bad |= maxCode - code
      out[k + j] = table[code]!
    }
    const c10 = (a >>> 30) | ((b & 1) << 2)
    bad |= maxCode - c10
    out[k + 10] = table[c10]!
    for (let j = 0; j < 10; j++) {
      const code = (b >>> (1 + 3 * j)) & 7
      bad |= maxCode - code
      out[k + 11 + j] = table[code]!
    }
    const c21 = (b >>> 31) | ((c & 3) << 1)
    bad |= maxCode - c21
    out[k + 21] = table[c21]!
    for (let j = 0; j < 10; j++) {
      const code = (c >>> (2 + 3 * j)) & 7
      bad |= maxCode - code
      out[k + 22 + j] = table[code]!
    }
  }
  return bad < 0 ? UNPACK_BAD_CODE : UNPACK_OK
}

/*
 * The two chunk loops below share one shape. A chunk starts on a word boundary (CODE_CHUNK codes fill whole words);
 * `acc` holds the accBits not yet used of the last word read (always below 2^31: a word shifted right by at least
 * one bit); a code that fits in them is cut off the bottom, else the next word supplies its high bits. A chunk reads
 * exactly ceil(n bits / 32) words, so what is left in `acc` at its end is padding (none but in the last chunk).
 * Out-of-range codes are OR-ed into `bad` (negative once any exceeds maxCode) instead of branching on each one.
 */

function unpackLevelChunk(
  words: Uint32Array,
  first: number,
  n: number,
  width: number,
  maxLevelIn: number,
  levels: Int32Array,
  at: number,
): number {
  const bits = width | 0 // fixed-kind copies of the numeric parameters (see the header)
  const maxLevel = maxLevelIn | 0
  const mask = (1 << bits) - 1
  const maxCode = 2 * maxLevel
  let acc = 0
  let accBits = 0
  let bad = 0
  for (let k = 0, i = first; k < n; k++) {
    let code: number
    if (accBits >= bits) {
      code = acc & mask
      acc >>>= bits
      accBits -= bits
    } else {
      const w = words[i++]!
      code = (acc | (w << accBits)) & mask
      acc = w >>> (bits - accBits)
      accBits += 32 - bits
    }
    bad |= maxCode - code
    levels[at + k] = code - maxLevel
  }
  return bad < 0 ? UNPACK_BAD_CODE : acc !== 0 ? UNPACK_BAD_PADDING : UNPACK_OK
}

function unpackTableChunk(
  words: Uint32Array,
  first: number,
  n: number,
  width: number,
  maxCodeIn: number,
  table: Float64Array,
  out: Float64Array,
  at: number,
): number {
  const bits = width | 0
  const maxCode = maxCodeIn | 0
  const mask = (1 << bits) - 1
  let acc = 0
  let accBits = 0
  let bad = 0
  for (let k = 0, i = first; k < n; k++) {
    let code: number
    if (accBits >= bits) {
      code = acc & mask
      acc >>>= bits
      accBits -= bits
    } else {
      const w = words[i++]!
      code = (acc | (w << accBits)) & mask
      acc = w >>> (bits - accBits)
      accBits += 32 - bits
    }
    bad |= maxCode - code
    out[at + k] = table[code]!
  }
  return bad < 0 ? UNPACK_BAD_CODE : acc !== 0 ? UNPACK_BAD_PADDING : UNPACK_OK
}

/** Whether the word kernels take this shape (every codec's does; anything else goes through `unpackBytewise`). */
export function wordKernelsFit(maxLevel: number, bits: number): boolean {
  return (
    Number.isInteger(bits) &&
    bits >= 1 &&
    bits <= 24 &&
    Number.isInteger(maxLevel) &&
    maxLevel >= 0 &&
    maxLevel < 2 ** 29
  )
}

/** The byte-at-a-time unpack (the original one), kept for shapes outside `wordKernelsFit`; same errors. */
export function unpackBytewise(
  bytes: Uint8Array,
  count: number,
  maxLevel: number,
  bits: number,
  levels: Int32Array,
): Int32Array {
  const mask = (1 << bits) - 1
  let acc = 0
  let accBits = 0
  let pos = 0
  for (let k = 0; k < count; k++) {
    while (accBits < bits) {
      acc |= bytes[pos++]! << accBits
      accBits += 8
    }
    const raw = acc & mask
    acc >>>= bits
    accBits -= bits
    if (raw > 2 * maxLevel) throw new RangeError(`unpackLevels: value ${raw} at ${k} exceeds ${2 * maxLevel}`)
    levels[k] = raw - maxLevel
  }
  if (acc !== 0) throw new RangeError('unpackLevels: nonzero padding bits')
  return levels
}

/** Throw the RangeError for a failed unpack, naming the first code above 2 maxLevel (the rare path: unpacks again). */
export function throwUnpackError(
  status: number,
  words: Uint32Array,
  count: number,
  bits: number,
  maxLevel: number,
): never {
  if (status === UNPACK_BAD_CODE) {
    const levels = new Int32Array(count)
    unpackCodes(words, count, bits, maxLevel, levels)
    const k = levels.findIndex((level) => level > maxLevel)
    throw new RangeError(`unpackLevels: value ${levels[k]! + maxLevel} at ${k} exceeds ${2 * maxLevel}`)
  }
  throw new RangeError('unpackLevels: nonzero padding bits')
}
