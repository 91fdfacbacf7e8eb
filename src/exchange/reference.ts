/**
 * The solution every peer should reach, as the simulator and the peers both measure their error against it.
 */
import { startingPoint } from '../algorithms/peer-step.js'
import { minNormSolution } from '../linalg/min-norm.js'
import { stackedFeatures } from '../problems/index.js'
import { quadraticReference } from '../theory/quadratic-module.js'
import { referenceSolution } from '../theory/reference.js'
import type { ResolvedExperiment } from './experiment.js'

/**
 * The solution every peer should reach: the reference of src/theory/reference.ts, shifted by the part of the
 * swarm's mean start that no update can change (the null space of X; zero for the default zero start).
 */
export function runReference(resolved: ResolvedExperiment): { w: Float64Array; kind: string } | null {
  const { experiment, problem } = resolved
  if (experiment.algorithm.eta === 0) return { w: meanStart(resolved), kind: 'mean of the starts' }
  if (problem.loss === 'module') return quadraticReference(problem)
  const noiseFree = experiment.problem.kind === 'planted' && experiment.problem.noise === 0
  const reference = referenceSolution(problem, noiseFree)
  if (!reference) return null
  if (experiment.run.init.kind === 'zeros' || reference.kind !== 'min-norm-interpolant') return reference
  const d = problem.paramDim
  const mean = meanStart(resolved)
  const { X, rows } = stackedFeatures(problem)
  const Xm = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let k = 0; k < d; k++) s += X[r * d + k]! * mean[k]!
    Xm[r] = s
  }
  const rowPart = minNormSolution(X, Xm, rows, d).w
  const w = new Float64Array(d)
  for (let k = 0; k < d; k++) w[k] = reference.w[k]! + (mean[k]! - rowPart[k]!)
  return { w, kind: `${reference.kind} + null-space part of the mean start` }
}

/**
 * The mean of the peers' starting points: what plain gossip (dsgd or push-sum with eta 0) averages to, and the part of
 * the start that no update of an interpolating problem changes.
 */
function meanStart({ experiment, problem }: ResolvedExperiment): Float64Array {
  const n = experiment.swarm.peers
  const mean = new Float64Array(problem.paramDim)
  for (let i = 0; i < n; i++) {
    const w0 = startingPoint(experiment, problem, i)
    for (let k = 0; k < mean.length; k++) mean[k]! += w0[k]! / n
  }
  return mean
}
