/**
 * Peer i's objective f_i (pure): the one interface the algorithms, the simulator and the peer evaluate, whether the
 * problem is built-in data with a loss (here, over the shard kernels of losses.ts) or a problem module (module.ts).
 */
import { addSampleGradient, localGradient, localLoss } from './losses.js'
import type { DataProblem, Objective, Problem } from './types.js'

const built = new WeakMap<DataProblem, Objective[]>()

/** Peer i's objective, built once per problem and peer. */
export function objectiveOf(problem: Problem, i: number): Objective {
  if (problem.loss === 'module') return problem.objective(i)
  let list = built.get(problem)
  if (!list) {
    list = []
    built.set(problem, list)
  }
  return (list[i] ??= shardObjective(problem, i))
}

/** The built-in loss over peer i's shard, summed in the fixed order of losses.ts. */
function shardObjective(problem: DataProblem, i: number): Objective {
  const { loss, classes } = problem
  const shard = problem.shards[i]
  if (!shard) throw new RangeError(`objectiveOf: no shard for peer ${i} of ${problem.shards.length}`)
  const scratch = new Float64Array(Math.max(classes, 1))
  return {
    samples: shard.rows,
    loss: (w) => localLoss(loss, shard, w, classes),
    gradient: (w, out) => localGradient(loss, shard, w, classes, out),
    batchGradient(w, batch, scale, out) {
      out.fill(0)
      for (let b = 0; b < batch.length; b++) addSampleGradient(loss, shard, batch[b]!, w, classes, scale, out, scratch)
      return out
    },
  }
}

/** How many peers a problem is built for. */
export function peersOf(problem: Problem): number {
  return problem.loss === 'module' ? problem.peers : problem.shards.length
}
