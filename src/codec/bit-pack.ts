/**
 * Word-level kernels for the bit-packed levels of quantize.ts and vector.ts (pure apart from one reused scratch).
 *
 * The packed stream is fixed by the wire format: code_k = level_k + maxLevel (offset binary) in `bits` bits, code 0
 * in the lowest bits of byte 0, each next code right above the previous one, across byte boundaries (little-endian
 * bit order); the high bits of the last byte are zero padding. Read as little-endian 32-bit words that is the same
 * stream, so the kernels move whole words (up to 32 / bits codes per load or store) instead of bytes, and only the
 * conversion between the byte stream and the words (`loadWords`, `storeWords`) depends on the host's byte order:
 * a byte copy on a little-endian host, shifts otherwise (`littleEndian` false; the tests run both).
 *
 * The kernels take integer bits in 1..24 (`wordKernelsFit`; the codecs use 2..16) and codes below 2^bits, and loop
 * over at most CODE_CHUNK codes per call. The chunks are for V8: a first call that loops long is compiled mid-loop
 * (on-stack replacement) before the code after the loop has ever run, and that compiled loop then deoptimizes on
 * leaving it, call after call; a kernel whose first call ends in the interpreter has met all its code. The numeric
 * parameters are copied into locals of a fixed kind (`bits | 0`) before a loop, since V8 re-checks a parameter that
 * may be a small integer or a boxed double at every use inside it.
 */
import { CODE_CHUNK } from './bit-unpack.js'

/** The reused word buffer: the codecs are synchronous, so one call's words are dead before the next call starts. */
let scratch = new Uint32Array(1024)

/** A scratch word buffer of at least n words (grown, never shrunk; its contents are garbage). */
export function wordScratch(n: number): Uint32Array {
  if (scratch.length < n) scratch = new Uint32Array(Math.max(n, 2 * scratch.length))
  return scratch
}

/** The reused chunk of codes (same reasoning as the word scratch). */
export const codeChunk = new Int32Array(CODE_CHUNK)

/** Words needed for `count` codes of `bits` bits. */
export function wordsFor(count: number, bits: number): number {
  return Math.ceil((count * bits) / 32)
}

/** The byte stream as little-endian words in words[0..ceil(len / 4)), the last one zero-filled past the end. */
export function loadWords(bytes: Uint8Array, words: Uint32Array, littleEndian: boolean): Uint32Array {
  const n = Math.ceil(bytes.length / 4)
  if (n === 0) return words
  words[n - 1] = 0
  if (littleEndian) {
    new Uint8Array(words.buffer, words.byteOffset, bytes.length).set(bytes)
    return words
  }
  for (let j = 0; j < bytes.length; j++) {
    const i = j >> 2
    words[i] = (j & 3) === 0 ? bytes[j]! : words[i]! | (bytes[j]! << (8 * (j & 3)))
  }
  return words
}

/** out[at..at + byteCount) = the first byteCount bytes of the little-endian word stream. */
export function storeWords(
  words: Uint32Array,
  out: Uint8Array,
  at: number,
  byteCount: number,
  littleEndian: boolean,
): void {
  if (littleEndian) {
    out.set(new Uint8Array(words.buffer, words.byteOffset, byteCount), at)
    return
  }
  for (let j = 0; j < byteCount; j++) out[at + j] = (words[j >> 2]! >>> (8 * (j & 3))) & 0xff
}

/**
 * Pack codes[0..n) (each below 2^bits) into words[w..], starting on a word boundary; returns the next free word. The
 * common widths go through unrolled packers (32 codes fill exactly `bits` words, so each group of theirs ends on a
 * word boundary), the rest and any remainder through the running accumulator; the last word is zero-padded.
 */
export function packCodeWords(codes: Int32Array, n: number, bits: number, words: Uint32Array, w: number): number {
  const done =
    bits === 3
      ? pack3(codes, n, words, w)
      : bits === 6
        ? pack6(codes, n, words, w)
        : bits === 8
          ? pack8(codes, n, words, w)
          : 0
  return packRunning(codes, done, n, bits, words, w + (done * bits) / 32)
}

/** Codes from..n through a running accumulator (any width 1..31); returns the next free word. */
function packRunning(codes: Int32Array, from: number, n: number, width: number, words: Uint32Array, w: number): number {
  const bits = width | 0
  let acc = 0
  let accBits = 0
  for (let k = from; k < n; k++) {
    const code = codes[k]!
    acc |= code << accBits
    accBits += bits
    if (accBits >= 32) {
      words[w++] = acc
      accBits -= 32
      acc = code >>> (bits - accBits) // the high bits that did not fit (none when accBits is now 0: code < 2^bits)
    }
  }
  if (accBits > 0) words[w++] = acc
  return w
}

/** 32 three-bit codes per 3 words (codes 10 and 21 straddle a boundary); returns the codes packed. */
function pack3(c: Int32Array, n: number, words: Uint32Array, w: number): number {
  let k = 0
  for (; k + 32 <= n; k += 32) {
    const c10 = c[k + 10]!
    const c21 = c[k + 21]!
    const a = c[k]! | (c[k + 1]! << 3) | (c[k + 2]! << 6) | (c[k + 3]! << 9) | (c[k + 4]! << 12) | (c[k + 5]! << 15)
    words[w++] = a | (c[k + 6]! << 18) | (c[k + 7]! << 21) | (c[k + 8]! << 24) | (c[k + 9]! << 27) | (c10 << 30)
    const b = (c10 >>> 2) | (c[k + 11]! << 1) | (c[k + 12]! << 4) | (c[k + 13]! << 7) | (c[k + 14]! << 10)
    const b2 = (c[k + 15]! << 13) | (c[k + 16]! << 16) | (c[k + 17]! << 19) | (c[k + 18]! << 22) | (c[k + 19]! << 25)
    words[w++] = b | b2 | (c[k + 20]! << 28) | (c21 << 31)
    const d = (c21 >>> 1) | (c[k + 22]! << 2) | (c[k + 23]! << 5) | (c[k + 24]! << 8) | (c[k + 25]! << 11)
    words[w++] =
      d |
      (c[k + 26]! << 14) |
      (c[k + 27]! << 17) |
      (c[k + 28]! << 20) |
      (c[k + 29]! << 23) |
      (c[k + 30]! << 26) |
      (c[k + 31]! << 29)
  }
  return k
}

/** 16 six-bit codes per 3 words (codes 5 and 10 straddle); returns the codes packed. */
function pack6(c: Int32Array, n: number, words: Uint32Array, w: number): number {
  let k = 0
  for (; k + 16 <= n; k += 16) {
    const c5 = c[k + 5]!
    const c10 = c[k + 10]!
    words[w++] = c[k]! | (c[k + 1]! << 6) | (c[k + 2]! << 12) | (c[k + 3]! << 18) | (c[k + 4]! << 24) | (c5 << 30)
    words[w++] = (c5 >>> 2) | (c[k + 6]! << 4) | (c[k + 7]! << 10) | (c[k + 8]! << 16) | (c[k + 9]! << 22) | (c10 << 28)
    words[w++] =
      (c10 >>> 4) | (c[k + 11]! << 2) | (c[k + 12]! << 8) | (c[k + 13]! << 14) | (c[k + 14]! << 20) | (c[k + 15]! << 26)
  }
  return k
}

/** 4 eight-bit codes per word; returns the codes packed. */
function pack8(c: Int32Array, n: number, words: Uint32Array, w: number): number {
  let k = 0
  for (; k + 4 <= n; k += 4) words[w++] = c[k]! | (c[k + 1]! << 8) | (c[k + 2]! << 16) | (c[k + 3]! << 24)
  return k
}

export {
  CODE_CHUNK,
  throwUnpackError,
  unpackBytewise,
  unpackCodes,
  UNPACK_BAD_CODE,
  UNPACK_BAD_PADDING,
  UNPACK_OK,
  unpackTable,
  wordKernelsFit,
} from './bit-unpack.js'
