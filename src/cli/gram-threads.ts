/**
 * The sample Gram matrix of a planted problem drawn on every core, for `meshgd theory` at large d (a 64-peer ring at
 * d = 10^6: 2.2 s of drawing and summing on one core, and the features never held in memory). The parts of
 * linalg/gram.ts are taken by worker threads (gram-worker.ts) one at a time and added in order, so the matrix is the one
 * sampleGram forms from the shards, bit for bit; it is handed to the theory with seedSampleGram. Where a part ends
 * irregular (a redrawn u = 0, planted-gram.ts), nothing is seeded and the theory draws the shards as before.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { ResolvedExperiment } from '../exchange/resolve.js'
import { addUpperTriangle, gramParts } from '../linalg/gram.js'
import { seedSampleGram } from '../theory/sample-gram.js'
import type { GramWorkerData } from './gram-worker.js'

/** Below this many feature entries (N d) the Gram matrix is formed in the main thread as before. */
export const THREADED_GRAM_MIN_ENTRIES = 1 << 24

interface PartMessage {
  part: number
  sum: Float64Array
  regular: boolean
}

/** Whether the theory of this experiment would form the Gram matrix of a planted problem worth threads. */
export function threadedGramApplies(resolved: ResolvedExperiment): boolean {
  const spec = resolved.experiment.problem
  const { problem } = resolved
  if (spec.kind !== 'planted' || problem.loss !== 'squared') return false
  const samples = problem.shards.reduce((sum, s) => sum + s.rows, 0)
  return samples < problem.dim && samples * problem.dim >= THREADED_GRAM_MIN_ENTRIES
}

/** Draw the parts on up to `threads` workers; resolves with every part's sum, or null when one is irregular. */
function drawParts(
  data: Omit<GramWorkerData, 'parts' | 'next'>,
  parts: number,
  threads: number,
): Promise<Float64Array[] | null> {
  const count = Math.max(1, Math.min(threads, parts))
  const sums: Float64Array[] = new Array<Float64Array>(parts)
  const workers: Worker[] = []
  const next = new SharedArrayBuffer(4)
  return new Promise<Float64Array[] | null>((resolve, reject) => {
    let received = 0
    for (let w = 0; w < count; w++) {
      const worker = new Worker(new URL('./gram-worker.js', import.meta.url), {
        workerData: { ...data, parts, next } satisfies GramWorkerData,
      })
      workers.push(worker)
      worker.on('message', (m: PartMessage) => {
        if (!m.regular) resolve(null)
        sums[m.part] = m.sum
        if (++received === parts) resolve(sums)
      })
      worker.once('error', reject)
    }
  }).finally(() => workers.forEach((w) => void w.terminate()))
}

export interface SeedOptions {
  /** worker threads (default: the cores there are) */
  threads?: number
  /** work of this thread's to do while the workers draw (the theory's graph part) */
  whileDrawing?: () => void
}

/**
 * When the experiment's theory will need the Gram matrix of a large planted problem, form it on every core and
 * hand it to the theory. Returns whether it did.
 */
export async function seedPlantedGram(resolved: ResolvedExperiment, opts: SeedOptions = {}): Promise<boolean> {
  const threads = opts.threads ?? availableParallelism()
  if (!threadedGramApplies(resolved)) return false
  const spec = resolved.experiment.problem
  const { problem } = resolved
  if (spec.kind !== 'planted' || problem.loss === 'module') return false
  const N = problem.shards.reduce((sum, s) => sum + s.rows, 0)
  const parts = gramParts(problem.dim, N).length
  const drawing = drawParts({ spec, peers: problem.shards.length }, parts, threads)
  opts.whileDrawing?.()
  const sums = await drawing
  if (sums === null) return false
  const G = new Float64Array(N * N)
  for (const sum of sums) addUpperTriangle(G, sum, N)
  for (let a = 0; a < N; a++) for (let b = 0; b < a; b++) G[a * N + b] = G[b * N + a]
  seedSampleGram(problem.shards, G)
  return true
}
