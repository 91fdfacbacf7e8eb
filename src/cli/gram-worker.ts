/**
 * A worker thread of `meshgd theory`'s Gram matrix (gram-threads.ts): takes parts of a planted problem's sample Gram
 * matrix, the next one not yet taken each time (threads of unequal speed finish together), draws them (theory/planted-gram.ts) and posts each back as `{part, sum, regular}`, the sum transferred.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { plantedGramPart } from '../theory/planted-gram.js'
import type { ProblemSpec } from '../problems/types.js'

export interface GramWorkerData {
  spec: Extract<ProblemSpec, { kind: 'planted' }>
  peers: number
  parts: number
  /** an Int32Array's buffer: the next part not yet taken, shared by every worker */
  next: SharedArrayBuffer
}

const data = workerData as GramWorkerData
const next = new Int32Array(data.next)
for (let part = Atomics.add(next, 0, 1); part < data.parts; part = Atomics.add(next, 0, 1)) {
  const { sum, regular } = plantedGramPart(data.spec, data.peers, part)
  parentPort!.postMessage({ part, sum, regular }, [sum.buffer as ArrayBuffer])
}
