/**
 * The qsgd and uniform payloads of vector.ts without the intermediate levels array (pure apart from the reused
 * scratch buffers): quantize a chunk of coordinates into codes and pack it into words at once, and unpack words
 * straight into floats through a table of the values the codes stand for. Bit for bit what quantize.ts's `qsgdQuantize` / `uniformQuantize` then `packLevels`, and `unpackLevels` then
 * `dequantize`, produce and accept (test/codec/fast-paths.test.ts holds them to it against the element-wise code);
 * those stay the definitions, with the same checks and messages, which these call.
 */
import type { Rng } from '../util/rng.js'
import {
  CODE_CHUNK,
  codeChunk,
  loadWords,
  packCodeWords,
  throwUnpackError,
  unpackCodes,
  unpackTable,
  UNPACK_OK,
  wordScratch,
} from './bit-pack.js'
import { HOST_LITTLE_ENDIAN } from './floats.js'
import { checkQsgdLevels, checkUniformBits, qsgdNorm, uniformScale } from './quantize.js'

const draws = new Float64Array(CODE_CHUNK)
/** Above 2^8 codes a table is only built when there are at least as many coordinates as codes. */
const SMALL_TABLE_BITS = 8
let valueTable = new Float64Array(1 << SMALL_TABLE_BITS)
let levelScratch = new Int32Array(0)
/** Which Int32 of a float64 in memory holds its sign bit (the high word): a fact of this host, not of the wire. */
const HIGH_WORD = HOST_LITTLE_ENDIAN ? 1 : 0
/** The one double below 2^52 in magnitude where floor(y + 0.5) is not Math.round(y): y + 0.5 rounds up to 1. */
const ROUND_EXCEPTION = 0.49999999999999994

/** uniformQuantize(v, bits) packed into words (codes level + L, L = 2^(bits-1) - 1); returns the float32 scale. */
export function uniformPackWords(v: Float64Array, bits: number, words: Uint32Array): number {
  checkUniformBits(bits)
  const L = 2 ** (bits - 1) - 1
  const scale = uniformScale(v)
  if (!(scale > 0)) codeChunk.fill(L)
  for (let start = 0, w = 0; start < v.length; start += CODE_CHUNK) {
    const n = Math.min(CODE_CHUNK, v.length - start)
    if (scale > 0) uniformCodes(v, start, n, L, scale, codeChunk)
    w = packCodeWords(codeChunk, n, bits, words, w)
  }
  return scale
}

/**
 * codeChunk[j] = Math.round(v_k L / scale) + L for k = start + j, as uniformQuantize computes it, less two costs:
 * - Math.round compiles to a branch on the fraction, which random data mispredicts; Math.floor(y + 0.5) is the same
 *   integer for every |y| < 2^52 but ROUND_EXCEPTION (checked), and |y| <= L + 1 here.
 * - uniformQuantize's clamp to [-L, L] is dead: |v_k| <= scale, so |fl(v_k L)| <= fl(scale L) = L (1 + e) and
 *   |y| <= fl(L (1 + e)) < L + 1/2 (rounding is monotone, |e| <= 2^-53), which rounds into [-L, L].
 */
function uniformCodes(
  v: Float64Array,
  start: number,
  n: number,
  maxLevel: number,
  scaleIn: number,
  codes: Int32Array,
): void {
  const L = maxLevel + 0 // fixed-kind copies, both doubles (bit-pack.ts)
  const scale = scaleIn + 0
  for (let j = 0; j < n; j++) {
    const y = (v[start + j]! * L) / scale
    codes[j] = (y === ROUND_EXCEPTION ? 0 : Math.floor(y + 0.5)) + L
  }
}

/**
 * qsgdQuantize(v, s, rng) packed into words (codes level + s, `bits` = bitsForLevels(s) <= 16); returns the float32
 * scale. Draws exactly as qsgdQuantize does: one uniform per coordinate in index order (a chunk at a time, through
 * `fillUniform`), none for a zero vector.
 */
export function qsgdPackWords(v: Float64Array, s: number, bits: number, rng: Rng, words: Uint32Array): number {
  checkQsgdLevels(s)
  const { norm, scale } = qsgdNorm(v)
  const zero = !(norm > 0) || !(scale > 0)
  if (zero) codeChunk.fill(s)
  const high = new Int32Array(v.buffer, v.byteOffset, 2 * v.length)
  for (let start = 0, w = 0; start < v.length; start += CODE_CHUNK) {
    const n = Math.min(CODE_CHUNK, v.length - start)
    if (!zero) qsgdCodes(v, high, HIGH_WORD, start, rng.fillUniform(draws, n), n, s, norm, codeChunk)
    w = packCodeWords(codeChunk, n, bits, words, w)
  }
  return zero ? 0 : scale
}

/**
 * codeChunk[j] = s + (signed qsgd level of v_k), k = start + j, as qsgdQuantize computes it without its two
 * data-dependent branches:
 * - level = h + [u < r - h] is h + ceil((r - h) - u): r - h is exact, and (r - h) - u has the sign of the difference
 *   and lies in (-1, 1].
 * - the sign comes from the float's sign bit in `high` (m = 0 or -1, (level ^ m) - m = level or -level; -0 carries
 *   the bit but has level 0).
 * - r >= s (qsgdQuantize clamps r to s, takes h = s - 1 and draws level s whatever u is) is the one rare branch.
 * The numeric parameters are copied once into locals of a fixed kind, an int32 and a double (bit-pack.ts says why).
 */
function qsgdCodes(
  v: Float64Array,
  high: Int32Array,
  hi: number,
  start: number,
  u: Float64Array,
  n: number,
  levels: number,
  normIn: number,
  codes: Int32Array,
): void {
  const s = levels | 0
  const norm = normIn + 0
  for (let j = 0, k = start; j < n; j++, k++) {
    const r = (Math.abs(v[k]!) * s) / norm
    const h = Math.floor(r)
    let level = (h + Math.ceil(r - h - u[j]!)) | 0
    if (!(r < s)) level = s
    const m = high[2 * k + hi]! >> 31
    codes[j] = s + ((level ^ m) - m)
  }
}

/**
 * unpackLevels(bytes, count, maxLevel, bits) then dequantize({scale, levels, denominator}, out), in one pass where the
 * table of the 2 maxLevel + 1 values is cheap next to count; throws unpackLevels' RangeError on a corrupt payload
 * (then `out` may already be partly overwritten). `bytes` holds exactly ceil(count bits / 8) bytes.
 */
export function unpackScaled(
  bytes: Uint8Array,
  count: number,
  maxLevel: number,
  bits: number,
  scale: number,
  denominator: number,
  out: Float64Array,
  littleEndian: boolean,
): void {
  const words = loadWords(bytes, wordScratch(Math.ceil(bytes.length / 4)), littleEndian)
  if (bits > SMALL_TABLE_BITS && 2 ** bits > count) {
    if (levelScratch.length < count) levelScratch = new Int32Array(count)
    const status = unpackCodes(words, count, bits, maxLevel, levelScratch)
    if (status !== UNPACK_OK) throwUnpackError(status, words, count, bits, maxLevel)
    for (let k = 0; k < count; k++) out[k] = (scale * levelScratch[k]!) / denominator
    return
  }
  const table = codeValues(maxLevel, bits, scale, denominator)
  const status = unpackTable(words, count, bits, 2 * maxLevel, table, out)
  if (status !== UNPACK_OK) throwUnpackError(status, words, count, bits, maxLevel)
}

/** table[code] = scale (code - maxLevel) / denominator, dequantize's expression, for every code of `bits` bits. */
function codeValues(maxLevel: number, bits: number, scale: number, denominator: number): Float64Array {
  const size = 2 ** bits
  if (valueTable.length < size) valueTable = new Float64Array(size)
  for (let code = 0; code < size; code++)
    valueTable[code] = code <= 2 * maxLevel ? (scale * (code - maxLevel)) / denominator : 0
  return valueTable
}
