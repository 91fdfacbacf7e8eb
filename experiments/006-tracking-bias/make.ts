/**
 * D-PSGD keeps a bias that gradient tracking removes (Lian et al. 2017; Nedic, Olshevsky & Shi 2017, DIGing), on a
 * least-squares problem with no common interpolant (least-squares.yaml).
 *
 * Figure error-vs-round: max_i |w_i^t - w_ls| / |w_ls| against the round for dsgd at several steps, gradient-tracking
 * and elastic (Mitra 2018, Eq. 14, whose fixed coupling is a penalty and keeps a bias too).
 * Figure floor-vs-eta: the error each biased method stalls at against its step: a line of slope 1 on log-log axes,
 * the O(eta) floor.
 */
import type { TopLevelSpec } from 'vega-lite'
import { errorChart, lineFit, loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '006-tracking-bias'

export interface BiasRun {
  label: string
  kind: string
  eta: number
  /** relative max error every round */
  error: Float64Array
  /** the error it ends at (the mean of the last 100 rounds' relative max error) */
  floor: number
}

/** One method at one step: `sets` override least-squares.yaml. */
export function biasRun(label: string, sets: readonly string[]): BiasRun {
  const resolved = loadResolved(PAPER, 'least-squares.yaml', sets)
  const run = simulateResolved(resolved)
  const tail = run.relativeError.slice(-100)
  return {
    label,
    kind: resolved.experiment.algorithm.kind,
    eta: resolved.experiment.algorithm.eta,
    error: run.relativeError,
    floor: tail.reduce((s, v) => s + v, 0) / tail.length,
  }
}

export const ETAS = [0.4, 0.2, 0.1, 0.05, 0.025, 0.0125]

/** Rounds enough for a step eta to reach its floor: the slowest mode contracts about 1 - eta / 60 a round here. */
const roundsFor = (eta: number): string => `run.rounds=${Math.max(4000, Math.ceil(600 / eta))}`

/** dsgd at each step, gradient-tracking, and elastic (mu 0.3) at each step. */
export function biasRuns(etas: readonly number[] = ETAS): BiasRun[] {
  return [
    ...etas.map((eta) => biasRun(`dsgd, eta ${eta}`, ['algorithm.kind=dsgd', `algorithm.eta=${eta}`, roundsFor(eta)])),
    biasRun('gradient-tracking, eta 0.4', ['algorithm.kind=gradient-tracking', 'algorithm.eta=0.4', roundsFor(0.4)]),
    ...etas.map((eta) =>
      biasRun(`elastic, eta ${eta}, mu 0.3`, [
        'algorithm.kind=elastic',
        `algorithm.eta=${eta}`,
        'algorithm.mu=0.3',
        roundsFor(eta),
      ]),
    ),
  ]
}

/** The log-log slope of the floor against eta of one method's runs (its `smallest` smallest steps). */
export function floorSlope(runs: readonly BiasRun[], kind: string, smallest = 3): number {
  const own = runs
    .filter((x) => x.kind === kind)
    .sort((a, b) => a.eta - b.eta)
    .slice(0, smallest)
  return lineFit(
    own.map((x) => Math.log(x.eta)),
    own.map((x) => Math.log(x.floor)),
  ).slope
}

function errorFigure(runs: readonly BiasRun[]): TopLevelSpec {
  const shown = runs.filter((x) => x.eta >= 0.05 && (x.kind !== 'elastic' || x.eta === 0.4))
  const values = shown.flatMap((x) =>
    Array.from(x.error.subarray(0, 4001))
      .map((e, t) => ({ t, e: Math.max(e, 1e-16), run: x.label }))
      .filter((p) => p.t % 10 === 0),
  )
  const title = {
    text: 'D-PSGD stalls at an O(eta) floor; gradient tracking converges exactly',
    subtitle: '16 peers on a ring, least squares with no common interpolant (64 noisy samples, d = 10), full gradients',
  }
  return errorChart(title, 'max_i |w_i - w_ls| / |w_ls|', values)
}

function floorFigure(runs: readonly BiasRun[]): TopLevelSpec {
  const values = runs
    .filter((x) => x.kind !== 'gradient-tracking')
    .map((x) => ({ eta: x.eta, floor: x.floor, kind: x.kind }))
  return {
    title: {
      text: 'The floor against the step',
      subtitle: ['slope 1 on log-log axes at small eta: the bias is O(eta)', 'elastic: Eq. 14 with mu = 0.3 fixed'],
    },
    width: 320,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'eta', type: 'quantitative', scale: { type: 'log' }, title: 'eta' },
      y: { field: 'floor', type: 'quantitative', scale: { type: 'log' }, title: 'final relative error' },
      color: { field: 'kind', type: 'nominal', title: null },
    },
  } as unknown as TopLevelSpec
}

/** Both figures of this experiment into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const runs = biasRuns()
  for (const x of runs) progress(`${PAPER}: ${x.label}: final relative error ${x.floor.toExponential(3)}`)
  progress(
    `${PAPER}: floor against eta, log-log slope: dsgd ${floorSlope(runs, 'dsgd').toFixed(3)}, elastic ${floorSlope(runs, 'elastic').toFixed(3)}`,
  )
  await writeFigure(outDir, 'error-vs-round', errorFigure(runs))
  await writeFigure(outDir, 'floor-vs-eta', floorFigure(runs))
  progress(`${PAPER}: error-vs-round and floor-vs-eta written`)
}
