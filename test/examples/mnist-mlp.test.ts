/**
 * The MNIST example's problem module (examples/mnist-mlp/problem.mjs): backpropagation against central finite
 * differences, SGD lowering the loss, the shards and the held-out set, no allocation per gradient, and option errors.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { beforeAll, describe, expect, it } from 'vitest'

interface MnistProblem {
  dim: number
  samples(i: number): number
  loss(i: number, w: Float64Array, batch: Int32Array): number
  gradient(i: number, w: Float64Array, batch: Int32Array, out: Float64Array): void
  init(i: number, rng: unknown): Float64Array
  evaluate(w: Float64Array): { test_accuracy: number; test_loss: number }
  shardImageIds(i: number): Int32Array
  heldOutImageIds(): Int32Array
}
type CreateProblem = (
  options: unknown,
  context: { peers: number; seed: number; peer: number | null; dir: string },
) => MnistProblem

const EXAMPLE = new URL('../../examples/mnist-mlp/', import.meta.url)
let createProblem: CreateProblem
let labels: Uint8Array

beforeAll(async () => {
  // imported by URL: the example is plain JavaScript, outside the type-checked sources
  createProblem = ((await import(new URL('problem.mjs', EXAMPLE).href)) as { default: CreateProblem }).default
  const digits = (await import(new URL('digits.mjs', EXAMPLE).href)) as {
    allDigits(keep: boolean): { labels: Uint8Array }
  }
  labels = digits.allDigits(true).labels
})

const make = (options: object, peers = 4, peer: number | null = null): MnistProblem =>
  createProblem(options, { peers, seed: 1, peer, dir: EXAMPLE.pathname })

/** A seeded stream in [0, 1) for the tests' own draws. */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

/** Every sample of peer i's shard, as meshgd asks for its records. */
const wholeShard = (p: MnistProblem, i: number): Int32Array => Int32Array.from({ length: p.samples(i) }, (_, k) => k)

function randomBatch(size: number, samples: number, uniform: () => number): Int32Array {
  return Int32Array.from({ length: size }, () => Math.floor(uniform() * samples))
}

describe('examples/mnist-mlp: the gradient', () => {
  it('equals central finite differences of the loss in every coordinate (hidden 5, a batch with a repeat)', () => {
    const p = make({ hidden: 5, per_digit: 3, held_out: 2 })
    expect(p.dim).toBe(795 * 5 + 10)
    const uniform = lcg(7)
    const w = p.init(0, null).map((v) => v + 0.05 * (uniform() - 0.5))
    const batch = Int32Array.from([0, 3, 3, 5, 1, 6, 2])
    const g = new Float64Array(p.dim)
    p.gradient(1, w, batch, g)
    const h = 1e-5
    let largest = 0
    let worst = 0
    for (let k = 0; k < p.dim; k++) {
      const saved = w[k]!
      w[k] = saved + h
      const up = p.loss(1, w, batch)
      w[k] = saved - h
      const down = p.loss(1, w, batch)
      w[k] = saved
      largest = Math.max(largest, Math.abs(g[k]!))
      worst = Math.max(worst, Math.abs(g[k]! - (up - down) / (2 * h)))
    }
    // central differences err by O(h^2) ~ 1e-10 plus rounding ~ 1e-16 / h ~ 1e-11; a wrong term would err by ~ |g|
    expect(largest).toBeGreaterThan(1e-2)
    expect(worst).toBeLessThan(1e-6 * largest)
  })

  it('overwrites out, and a batch longer than one chunk (150 images) averages like its parts', () => {
    const p = make({ hidden: 8, per_digit: 60 })
    const w = p.init(0, null)
    const batch = randomBatch(150, p.samples(2), lcg(3))
    const whole = new Float64Array(p.dim).fill(123)
    p.gradient(2, w, batch, whole)
    const parts = [batch.subarray(0, 64), batch.subarray(64, 100), batch.subarray(100)]
    const sum = new Float64Array(p.dim)
    const part = new Float64Array(p.dim)
    for (const b of parts) {
      p.gradient(2, w, b, part)
      for (let k = 0; k < p.dim; k++) sum[k] += (part[k]! * b.length) / batch.length
    }
    for (let k = 0; k < p.dim; k++) expect(Math.abs(whole[k]! - sum[k]!)).toBeLessThan(1e-12)
  })

  it('lowers the loss over a whole shard under plain SGD (eta 0.1, batch 32, 300 steps)', () => {
    const p = make({ hidden: 16 }, 16)
    const w = p.init(0, null)
    const g = new Float64Array(p.dim)
    const uniform = lcg(11)
    const before = p.loss(0, w, wholeShard(p, 0))
    for (let t = 0; t < 300; t++) {
      p.gradient(0, w, randomBatch(32, p.samples(0), uniform), g)
      for (let k = 0; k < p.dim; k++) w[k] -= 0.1 * g[k]!
    }
    const after = p.loss(0, w, wholeShard(p, 0))
    expect(before).toBeGreaterThan(1.5) // about log 10 at a He start
    expect(after).toBeLessThan(0.5 * before)
    expect(p.evaluate(w).test_accuracy).toBeGreaterThan(0.75)
  })
})

describe('examples/mnist-mlp: shards and the held-out set', () => {
  const union = (p: MnistProblem, peers: number): number[] =>
    Array.from({ length: peers }, (_, i) => [...p.shardImageIds(i)]).flat()

  it.each(['iid', 'by-label'])(
    '%s: shards are disjoint, cover every image not held out, and miss the held-out ones',
    (shards) => {
      const p = make({ shards, held_out: 100 }, 16)
      const all = union(p, 16)
      const heldOut = new Set(p.heldOutImageIds())
      expect(heldOut.size).toBe(1000)
      expect(new Set(all).size).toBe(all.length)
      expect(all.length + heldOut.size).toBe(labels.length)
      for (const id of all) expect(heldOut.has(id)).toBe(false)
      const sizes = Array.from({ length: 16 }, (_, i) => p.samples(i))
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
      expect(sizes.reduce((a, b) => a + b)).toBe(all.length)
    },
  )

  it('held out: the first held_out images of each digit, 10 x held_out in all', () => {
    const ids = make({ held_out: 20 }).heldOutImageIds()
    expect(ids.length).toBe(200)
    for (let d = 0; d < 10; d++) expect([...ids].filter((id) => labels[id] === d).length).toBe(20)
  })

  it('iid: every peer sees every digit; by-label: each peer one digit or two, in digit order', () => {
    const iid = make({ shards: 'iid' }, 16)
    const byLabel = make({ shards: 'by-label' }, 16)
    const digitsOf = (p: MnistProblem, i: number): Set<number> =>
      new Set([...p.shardImageIds(i)].map((id) => labels[id]!))
    for (let i = 0; i < 16; i++) {
      expect(digitsOf(iid, i).size).toBe(10)
      expect(digitsOf(byLabel, i).size).toBeGreaterThanOrEqual(1)
      expect(digitsOf(byLabel, i).size).toBeLessThanOrEqual(2)
    }
    const order = union(byLabel, 16)
    expect(order.every((id, k) => k === 0 || id > order[k - 1]!)).toBe(true)
  })

  it('iid shards depend on the seed, and the same seed gives the same shards and start', () => {
    const a = make({ seed: 5 }, 4)
    const b = make({ seed: 5 }, 4)
    const c = make({ seed: 6 }, 4)
    expect(a.shardImageIds(0)).toEqual(b.shardImageIds(0))
    expect(a.shardImageIds(0)).not.toEqual(c.shardImageIds(0))
    expect(a.init(0, null)).toEqual(b.init(3, null))
  })

  it("a process for one peer holds that peer's shard, the same as the simulator's, and no other", () => {
    const one = make({}, 16, 5)
    const every = make({}, 16, null)
    expect(one.shardImageIds(5)).toEqual(every.shardImageIds(5))
    expect(one.samples(5)).toBe(every.samples(5))
    const w = every.init(0, null)
    expect(one.loss(5, w, wholeShard(one, 5))).toBe(every.loss(5, w, wholeShard(every, 5)))
    expect(() => one.samples(4)).toThrow(/peer 4/)
  })
})

describe('examples/mnist-mlp: allocation', () => {
  /**
   * V8's collector, exposed at run time: collecting just before the measured work empties the young generation, so
   * a collection during the work means the work itself allocated (at least a young generation's worth).
   */
  setFlagsFromString('--expose-gc')
  const collectGarbage = runInNewContext('gc') as () => void

  /** Garbage collections while `work` runs, and how much the heap grew (bytes). */
  async function allocationDuring(work: () => void): Promise<{ collections: number; grown: number }> {
    collectGarbage()
    let collections = 0
    const observer = new PerformanceObserver((list) => {
      collections += list.getEntries().length
    })
    observer.observe({ entryTypes: ['gc'] })
    const before = process.memoryUsage().heapUsed
    work()
    const grown = process.memoryUsage().heapUsed - before
    await sleep(50) // the observer's entries arrive on the event loop
    observer.disconnect()
    return { collections, grown }
  }

  it('2,000 gradients (batch 32, hidden 64) after a warm-up allocate nothing; the same loop allocating does collect', async () => {
    const p = make({}, 16)
    const w = p.init(0, null)
    const out = new Float64Array(p.dim)
    const uniform = lcg(5)
    const batches = Array.from({ length: 16 }, () => randomBatch(32, p.samples(3), uniform))
    const run = (calls: number): void => {
      for (let t = 0; t < calls; t++) p.gradient(3, w, batches[t % 16]!, out)
    }
    run(5000) // warm-up: the first call makes the buffers, and the optimising compiler settles
    const idle = await allocationDuring(() => run(0))
    const measured = await allocationDuring(() => run(2000))
    const control = await allocationDuring(() => {
      for (let t = 0; t < 2000; t++) p.gradient(3, w, batches[t % 16]!, new Float64Array(p.dim))
    })
    expect(control.collections).toBeGreaterThan(0)
    expect(measured.collections).toBe(0)
    // Under 32 bytes a call beyond the harness's own: one buffer or object a call would be hundreds. (Plain node
    // measures 0.01 bytes a call; under vitest the heap grows by about 8 a call, V8's bookkeeping, not the module.)
    expect(measured.grown - idle.grown).toBeLessThan(2000 * 32)
  })

  it('a whole-shard loss and evaluate() allocate only their results after their first calls', async () => {
    const p = make({}, 16)
    const w = p.init(0, null)
    const shard = wholeShard(p, 0)
    const run = (): void => {
      for (let t = 0; t < 200; t++) {
        p.loss(0, w, shard)
        p.evaluate(w)
      }
    }
    run()
    const measured = await allocationDuring(run)
    expect(measured.collections).toBe(0)
    expect(measured.grown).toBeLessThan(200 * 256) // a boxed number and { test_accuracy, test_loss } a call
  })
})

describe('examples/mnist-mlp: options', () => {
  it.each([
    [{ hidden: 0 }, /'hidden'/],
    [{ hidden: 2.5 }, /'hidden'/],
    [{ shards: 'random' }, /'shards'/],
    [{ held_out: 0 }, /'held_out'/],
    [{ held_out: 900 }, /'held_out'/],
    [{ per_digit: -1 }, /'per_digit'/],
    [{ seed: 'one' }, /'seed'/],
    [{ colour: 'blue' }, /unknown option 'colour'/],
    [[1, 2], /problem.options must be an object/],
  ])('%j throws naming the option', (options, message) => {
    expect(() => make(options)).toThrow(message)
  })

  it('too few training images for the peers names per_digit', () => {
    expect(() => make({ per_digit: 1 }, 16)).toThrow(/'per_digit'/)
  })

  it('the defaults: hidden 64 (dim 50,890), 1,000 held out, about 9,000 training images', () => {
    const p = make({}, 1)
    expect(p.dim).toBe(50_890)
    expect(p.heldOutImageIds().length).toBe(1000)
    expect(p.samples(0)).toBe(labels.length - 1000)
  })
})
