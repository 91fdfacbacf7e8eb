/**
 * From a validated experiment to the objects the runtimes use: the graph, the problem, and their specs.
 * Cross-field checks that need more than one section live here, each naming its field.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { buildProblem } from '../problems/index.js'
import type { Problem, ProblemSpec } from '../problems/types.js'
import { buildGraph } from '../topology/index.js'
import type { Graph, TopologySpec } from '../topology/types.js'
import { ConfigError } from './errors.js'
import type { Experiment } from './schema.js'

/** The most nearly square factorisation rows x cols = n with rows <= cols. */
export function nearSquare(n: number): { rows: number; cols: number } {
  let rows = Math.floor(Math.sqrt(n))
  while (rows > 1 && n % rows !== 0) rows--
  return { rows, cols: n / rows }
}

export function topologySpecOf(experiment: Experiment): TopologySpec {
  const t = experiment.topology
  const n = experiment.swarm.peers
  const spec: TopologySpec = { kind: t.kind, seed: t.seed, weights: t.weights }
  switch (t.kind) {
    case 'grid':
    case 'torus': {
      const auto = nearSquare(n)
      spec.rows = t.rows ?? (t.cols ? n / t.cols : auto.rows)
      spec.cols = t.cols ?? (t.rows ? n / t.rows : auto.cols)
      break
    }
    case 'random-regular':
      spec.degree = t.degree
      break
    case 'erdos-renyi':
      spec.p = t.p ?? Math.min(1, (2 * Math.log(Math.max(n, 2))) / Math.max(n, 2))
      break
    case 'small-world':
      spec.k = t.k
      spec.beta = t.beta
      break
    case 'barabasi-albert':
      spec.m = t.m
      break
    case 'edges':
      if (!t.edges) throw new ConfigError('topology.edges: required when topology.kind is "edges"')
      spec.edges = t.edges
      break
    default:
      break
  }
  return spec
}

export function problemSpecOf(experiment: Experiment, baseDir: string): ProblemSpec {
  const p = experiment.problem
  if (p.kind === 'csv') return { ...p, path: isAbsolute(p.path) ? p.path : resolve(baseDir, p.path) }
  return p
}

export interface ResolvedExperiment {
  readonly experiment: Experiment
  readonly graph: Graph
  readonly problem: Problem
}

function readData(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message
    throw new ConfigError(`${path}: cannot read data file (problem.path): ${reason}`, 'CONFIG_READ')
  }
}

/** Build the graph and the problem; errors from the pure layers keep their one-line messages. */
export function resolveExperiment(experiment: Experiment, baseDir: string): ResolvedExperiment {
  const n = experiment.swarm.peers
  const graph = buildGraph(topologySpecOf(experiment), n)
  const problem = buildProblem(problemSpecOf(experiment, baseDir), n, readData)
  const sampling = experiment.algorithm.sampling
  if (sampling.kind === 'bernoulli') {
    problem.shards.forEach((shard, i) => {
      if (sampling.size > shard.rows) {
        throw new ConfigError(
          `algorithm.sampling.size: ${sampling.size} is more than the ${shard.rows} samples of peer ${i} (Bernoulli sampling takes each sample with probability size / samples)`,
        )
      }
    })
  }
  return { experiment, graph, problem }
}
