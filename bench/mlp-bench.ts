/**
 * `npm run bench -- mlp`: the gradient of the MNIST example's perceptron (examples/mnist-mlp, 784-64-10, a batch of
 * 32) against a plain-loop yardstick of the same multiply-adds in the same run (dense triple loops for the forward
 * and backward products, no skipping, no unrolling), and the garbage collections during the module's calls.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { performance, PerformanceObserver } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'mnist-mlp')
const PIXELS = 784
const CLASSES = 10
const HIDDEN = 64
const BATCH = 32

interface MlpProblem {
  dim: number
  samples(i: number): number
  gradient(i: number, w: Float64Array, batch: Int32Array, out: Float64Array): void
  init(i: number, rng: unknown): Float64Array
  shardImageIds(i: number): Int32Array
}
type CreateProblem = (
  options: unknown,
  context: { peers: number; seed: number; peer: number | null; dir: string },
) => MlpProblem

/** The images `ids` (numbered as the module numbers them: digit by digit, in the package's order), dense. */
function denseImages(ids: Int32Array): { images: Float64Array[]; labels: number[] } {
  const require = createRequire(import.meta.url)
  const byDigit = Array.from(
    { length: CLASSES },
    (_, d) => (require(`mnist/src/digits/${d}.json`) as { data: number[] }).data,
  )
  const images: Float64Array[] = []
  const labels: number[] = []
  for (const id of ids) {
    let digit = 0
    let k = id
    while (k >= byDigit[digit]!.length / PIXELS) k -= byDigit[digit++]!.length / PIXELS
    images.push(Float64Array.from(byDigit[digit]!.slice(k * PIXELS, (k + 1) * PIXELS)))
    labels.push(digit)
  }
  return { images, labels }
}

interface PlainScratch {
  activations: Float64Array[]
  probabilities: Float64Array
  delta1: Float64Array
}

/** The yardstick: the mean gradient by plain loops, dense, buffers made once outside. */
function plainGradient(
  w: Float64Array,
  images: Float64Array[],
  labels: number[],
  out: Float64Array,
  scratch: PlainScratch,
): void {
  const b1 = HIDDEN * PIXELS
  const w2 = b1 + HIDDEN
  const b2 = w2 + CLASSES * HIDDEN
  out.fill(0)
  const p = scratch.probabilities
  const delta1 = scratch.delta1
  for (let s = 0; s < images.length; s++) {
    const x = images[s]!
    const a = scratch.activations[s]!
    for (let h = 0; h < HIDDEN; h++) {
      let z = w[b1 + h]!
      for (let q = 0; q < PIXELS; q++) z += w[h * PIXELS + q]! * x[q]!
      a[h] = z > 0 ? z : 0
    }
    let total = 0
    for (let k = 0; k < CLASSES; k++) {
      let z = w[b2 + k]!
      for (let h = 0; h < HIDDEN; h++) z += w[w2 + k * HIDDEN + h]! * a[h]!
      p[k] = Math.exp(z)
      total += p[k]!
    }
    for (let k = 0; k < CLASSES; k++) p[k] = (p[k]! / total - (k === labels[s] ? 1 : 0)) / images.length
    delta1.fill(0)
    for (let k = 0; k < CLASSES; k++) {
      out[b2 + k] += p[k]!
      for (let h = 0; h < HIDDEN; h++) {
        out[w2 + k * HIDDEN + h] += p[k]! * a[h]!
        delta1[h] += a[h]! > 0 ? p[k]! * w[w2 + k * HIDDEN + h]! : 0
      }
    }
    for (let h = 0; h < HIDDEN; h++) {
      out[b1 + h] += delta1[h]!
      for (let q = 0; q < PIXELS; q++) out[h * PIXELS + q] += delta1[h]! * x[q]!
    }
  }
}

/** Best of five timings of `calls` calls, in ms per call. */
function msPerCall(calls: number, work: () => void): number {
  let best = Infinity
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now()
    for (let t = 0; t < calls; t++) work()
    best = Math.min(best, (performance.now() - t0) / calls)
  }
  return best
}

async function collectionsDuring(work: () => void): Promise<number> {
  let count = 0
  const observer = new PerformanceObserver((list) => {
    count += list.getEntries().length
  })
  observer.observe({ entryTypes: ['gc'] })
  work()
  await sleep(50)
  observer.disconnect()
  return count
}

export async function mlpBench(): Promise<{ name: string; lines: string[] }> {
  const { default: createProblem } = (await import(pathToFileURL(join(EXAMPLE, 'problem.mjs')).href)) as {
    default: CreateProblem
  }
  const problem = createProblem({ hidden: HIDDEN }, { peers: 16, seed: 1, peer: null, dir: EXAMPLE })
  const w = problem.init(0, null)
  const batch = Int32Array.from({ length: BATCH }, (_, k) => (k * 17) % problem.samples(0))
  const { images, labels } = denseImages(Int32Array.from(batch, (k) => problem.shardImageIds(0)[k]!))
  const mine = new Float64Array(problem.dim)
  const plain = new Float64Array(problem.dim)
  const scratch: PlainScratch = {
    activations: images.map(() => new Float64Array(HIDDEN)),
    probabilities: new Float64Array(CLASSES),
    delta1: new Float64Array(HIDDEN),
  }
  const moduleMs = msPerCall(2000, () => problem.gradient(0, w, batch, mine))
  const plainMs = msPerCall(100, () => plainGradient(w, images, labels, plain, scratch))
  let largest = 0
  let differ = 0
  for (let k = 0; k < problem.dim; k++) {
    largest = Math.max(largest, Math.abs(plain[k]!))
    differ = Math.max(differ, Math.abs(plain[k]! - mine[k]!))
  }
  const calls = 5000
  const collections = await collectionsDuring(() => {
    for (let t = 0; t < calls; t++) problem.gradient(0, w, batch, mine)
  })
  const nonzero = images.reduce((n, x) => n + x.filter((v) => v !== 0).length, 0) / (BATCH * PIXELS)
  const madds = 2 * BATCH * HIDDEN * PIXELS + 3 * BATCH * CLASSES * HIDDEN
  return {
    name: `mnist-mlp: gradient of the 784-${HIDDEN}-10 perceptron over a batch of ${BATCH} (examples/mnist-mlp)`,
    lines: [
      `module gradient            ${moduleMs.toFixed(3)} ms (best of 5 x 2,000 calls)`,
      `plain dense loops          ${plainMs.toFixed(3)} ms (best of 5 x 100 calls; ${(madds / 1e6).toFixed(2)} M multiply-adds, ${(madds / plainMs / 1e6).toFixed(2)} G/s)`,
      `plain / module             ${(plainMs / moduleMs).toFixed(1)}x (the module skips the ${(100 * (1 - nonzero)).toFixed(0)}% zero pixels and inactive units)`,
      `largest difference         ${differ.toExponential(1)} (of a largest entry ${largest.toExponential(1)})`,
      `GCs during ${calls} calls     ${collections} (of the module's gradient)`,
    ],
  }
}
