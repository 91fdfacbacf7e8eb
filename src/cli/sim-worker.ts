/**
 * `meshgd sim`'s run in a worker thread: the round loop and the theory are synchronous, and a
 * signal handler runs only on an idle event loop, so the main thread keeps its loop free for Ctrl-C and SIGTERM
 * and tells this thread to stop through a shared flag, read between rounds. Messages to the main thread:
 * `{kind: 'progress', round, relError}`, then `{kind: 'done', summary}` or `{kind: 'error', error}` (src/util/errors.ts SerializedError).
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { ExperimentInput } from '../config/schema.js'
import { runSimulation } from '../sim/run.js'
import { serializeError } from '../util/errors.js'

export interface SimWorkerData {
  experiment: ExperimentInput
  out: string
  baseDir: string
  theory: boolean
  progress: boolean
  /** an Int32Array's buffer: non-zero once the main thread asks the run to stop */
  stop: SharedArrayBuffer
}

const data = workerData as SimWorkerData
const stopFlag = new Int32Array(data.stop)
try {
  const { summary } = runSimulation(data.experiment, {
    out: data.out,
    baseDir: data.baseDir,
    theory: data.theory,
    ...(data.progress
      ? {
          onProgress: (round: number, relError: number | null) =>
            parentPort!.postMessage({ kind: 'progress', round, relError }),
        }
      : {}),
    shouldStop: () => Atomics.load(stopFlag, 0) !== 0,
  })
  parentPort!.postMessage({ kind: 'done', summary })
} catch (err) {
  parentPort!.postMessage({ kind: 'error', error: serializeError(err) })
}
