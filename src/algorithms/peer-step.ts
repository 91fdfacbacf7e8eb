/**
 * One peer's side of a synchronous round, shared by the simulator and the networked peer (docs/design.md "Decide in
 * a pure function, act in the runtime"). A round t has two phases:
 *
 *   1. `prepare(t)`: compute what this round needs from the peer's own state (the stochastic gradient, local
 *      steps) and return the vector it sends to every neighbour this round (or null: no message this round);
 *   2. `combine(t, inbox)`: given the round-t messages of its neighbours, in ascending neighbour index, move the
 *      state to round t + 1.
 *
 * The runtime's only job between the two is to deliver messages. Everything here is deterministic given the
 * experiment, the peer's data and its seeded random stream. Each algorithm's step is a file of its own
 * (`*-step.ts`, on `BaseStep` of step-base.ts); this one checks an experiment's algorithm against its graph and
 * builds the step.
 */
import { isDifferenceMode } from '../config/compression.js'
import type { Experiment } from '../config/schema.js'
import type { Problem } from '../problems/types.js'
import type { Graph } from '../topology/types.js'
import { metropolisWeights, type MixingWeights } from '../topology/index.js'
import { AllreduceStep } from './allreduce-step.js'
import { EasgdStep } from './easgd-step.js'
import { ElasticStep } from './elastic-step.js'
import { LocalStep } from './local-step.js'
import { QuorumStep } from './quorum-step.js'
import { AlgorithmError, type PeerStep } from './step-base.js'
import { DsgdStep } from './dsgd-step.js'
import { TrackingStep } from './tracking-step.js'
import { PushSumStep } from './push-sum-step.js'
import { PushDigingStep } from './push-diging-step.js'
import { checkGraphFit } from './graph-fit.js'

export { gradientContext } from './sampling.js'
export {
  AlgorithmError,
  initialParams,
  messageLength,
  startingPoint,
  type PeerStep,
  type StepState,
} from './step-base.js'
export { couplingAt } from './quorum-step.js'

/** Checks an algorithm's requirements on the graph (one line naming the field). */
export function checkAlgorithm(experiment: Experiment, graph: Graph): void {
  checkGraphFit(experiment, graph)
  const a = experiment.algorithm
  if (a.kind === 'allreduce-sgd' && graph.edges.length !== (graph.n * (graph.n - 1)) / 2) {
    throw new AlgorithmError(
      'NOT_COMPLETE',
      `allreduce-sgd averages every peer's gradient and needs topology.kind: complete (got ${experiment.topology.kind})`,
      'algorithm.kind',
    )
  }
  const difference = isDifferenceMode(experiment.compression)
  if (a.kind === 'allreduce-sgd' && difference) {
    throw new AlgorithmError(
      'BAD_OPTION',
      'difference keeps public copies of parameter vectors; allreduce-sgd exchanges gradients, use mode: direct',
      'compression.mode',
    )
  }
  if (a.robust.aggregate !== 'weighted') {
    const field = 'algorithm.robust.aggregate'
    if (a.kind === 'elastic' || a.kind === 'allreduce-sgd') {
      throw new AlgorithmError(
        'BAD_OPTION',
        `${a.robust.aggregate} replaces a mixing-matrix average; use it with quorum, easgd or local (for ${a.kind}, use robust.clip)`,
        field,
      )
    }
    if (difference) {
      throw new AlgorithmError(
        'BAD_OPTION',
        `${a.robust.aggregate} needs the neighbours' vectors themselves; use compression.mode: direct`,
        field,
      )
    }
    const minDegree = Math.min(...graph.neighbours.map((ns) => ns.length))
    if (a.robust.aggregate === 'trimmed-mean' && 2 * a.robust.trim >= minDegree + 1) {
      throw new AlgorithmError(
        'BAD_OPTION',
        `${a.robust.trim} from each end leaves nothing of the ${minDegree + 1} values of a peer with ${minDegree} neighbours (need 2 * trim <= degree)`,
        'algorithm.robust.trim',
      )
    }
  }
  if (experiment.run.mode === 'async' && (a.kind === 'allreduce-sgd' || difference)) {
    const why =
      a.kind === 'allreduce-sgd'
        ? "allreduce-sgd averages every peer's gradient of the same round"
        : 'compression.mode: difference keeps public copies every neighbour updates in step'
    throw new AlgorithmError('BAD_OPTION', `async: ${why}; use run.mode: sync`, 'run.mode')
  }
  if (a.eta_per_peer && a.eta_per_peer.length !== graph.n) {
    throw new AlgorithmError(
      'BAD_OPTION',
      `${a.eta_per_peer.length} values for ${graph.n} peers`,
      'algorithm.eta_per_peer',
    )
  }
}

export function createPeerStep(
  experiment: Experiment,
  problem: Problem,
  graph: Graph,
  index: number,
  mixing: MixingWeights = metropolisWeights(graph),
): PeerStep {
  const algorithm = experiment.algorithm
  switch (algorithm.kind) {
    case 'elastic':
      return new ElasticStep(experiment, algorithm, problem, graph, index)
    case 'quorum':
      return new QuorumStep(experiment, algorithm, problem, graph, index, mixing)
    case 'easgd':
      return new EasgdStep(experiment, algorithm, problem, graph, index, mixing)
    case 'local':
      return new LocalStep(experiment, algorithm, problem, graph, index, mixing)
    case 'allreduce-sgd':
      return new AllreduceStep(experiment, problem, graph, index)
    case 'dsgd':
      return new DsgdStep(experiment, algorithm, problem, graph, index)
    case 'gradient-tracking':
      return new TrackingStep(experiment, problem, graph, index)
    case 'push-sum':
      return new PushSumStep(experiment, problem, graph, index)
    case 'push-diging':
      return new PushDigingStep(experiment, problem, graph, index)
  }
}
