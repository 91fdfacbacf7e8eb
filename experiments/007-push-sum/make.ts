/**
 * Push-sum averages over one-way links where plain gossip cannot (Kempe, Dobra & Gehrke 2003; Assran et al. 2019,
 * SGP), and push-diging (Nedic, Olshevsky & Shi 2017) optimises exactly over them (gossip.yaml: a directed ring
 * with chords, in-degrees 1 to 3).
 *
 * Figure gossip-vs-round: with eta = 0, max_i |w_i^t - mean of the starts| / |mean| for push-sum and for dsgd,
 * whose mixing over one-way links is row-stochastic only: it reaches consensus at a weighted mean, not the mean.
 * On the plain directed ring every peer hears from one, the mixing is doubly stochastic, and both average exactly.
 * Figure optimise-vs-round: the same graph and data with a gradient step: push-sum (SGP) stalls at an O(eta) floor,
 * push-diging reaches the least-squares minimiser.
 */
import type { TopLevelSpec } from 'vega-lite'
import { errorChart, loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '007-push-sum'

export interface Trajectory {
  label: string
  /** relative max error against the run's reference, every round */
  error: Float64Array
  params: readonly Float64Array[]
  reference: Float64Array
}

/** One run of gossip.yaml with `sets` as --set overrides. */
export function trajectory(label: string, sets: readonly string[]): Trajectory {
  const run = simulateResolved(loadResolved(PAPER, 'gossip.yaml', sets))
  return { label, error: run.relativeError, params: run.params, reference: run.reference }
}

const DIRECTED_RING = ['topology.kind=directed-ring', 'topology.directed=false']

/** Plain averaging (eta 0) by push-sum and by dsgd, on the chords graph and on the plain directed ring. */
export function gossipRuns(): Trajectory[] {
  return [
    trajectory('push-sum, ring with chords', []),
    trajectory('dsgd (row-stochastic), ring with chords', ['algorithm.kind=dsgd']),
    trajectory('push-sum, directed ring', DIRECTED_RING),
    trajectory('dsgd, directed ring', ['algorithm.kind=dsgd', ...DIRECTED_RING]),
  ]
}

/** With a gradient step on the chords graph: push-sum (SGP) and push-diging. */
export function optimiseRuns(rounds = 6000): Trajectory[] {
  const r = `run.rounds=${rounds}`
  return [
    trajectory('push-sum (SGP), eta 0.1', ['algorithm.eta=0.1', 'run.init=zeros', r]),
    trajectory('push-sum (SGP), eta 0.05', ['algorithm.eta=0.05', 'run.init=zeros', r]),
    trajectory('push-diging, eta 0.1', ['algorithm.kind=push-diging', 'algorithm.eta=0.1', 'run.init=zeros', r]),
  ]
}

function errorFigure(runs: readonly Trajectory[], text: string, subtitle: string, yTitle: string): TopLevelSpec {
  const values = runs.flatMap((x) => Array.from(x.error, (e, t) => ({ t, e: Math.max(e, 1e-17), run: x.label })))
  return errorChart({ text, subtitle }, yTitle, values)
}

/** Both figures into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const gossip = gossipRuns()
  const optimise = optimiseRuns()
  for (const x of [...gossip, ...optimise])
    progress(`${PAPER}: ${x.label}: final relative error ${x.error[x.error.length - 1]!.toExponential(3)}`)
  await writeFigure(
    outDir,
    'gossip-vs-round',
    errorFigure(
      gossip,
      'Averaging over one-way links: push-sum reaches the mean, row-stochastic gossip a weighted mean',
      '8 peers, a directed ring with chords 0 -> 4, 2 -> 7, 5 -> 1, eta = 0; on the plain directed ring the two methods are one recursion (one line)',
      'max_i |w_i - mean of starts| / |mean|',
    ),
  )
  await writeFigure(
    outDir,
    'optimise-vs-round',
    errorFigure(
      optimise,
      'Optimising over one-way links: push-diging is exact, push-sum SGD keeps an O(eta) floor',
      'the same graph; least squares with no common interpolant (32 noisy samples, d = 6), full gradients',
      'max_i |w_i - w_ls| / |w_ls|',
    ),
  )
  progress(`${PAPER}: gossip-vs-round and optimise-vs-round written`)
}
