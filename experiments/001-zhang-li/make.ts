/**
 * Zhang & Li, "Distributed Optimization for Over-Parameterized Learning", regenerated at reduced scale.
 *
 * Figure cost-vs-T: the total cost C_total = C_c m (1 + r T) n* (Sec. 4) against the local steps T for cost ratios
 * r = C_g / C_c: the paper's bound (1 + r T) / (1 - beta^T) for linear local decay h(t) = beta^t, and the cost
 * measured from the rounds n*(T) the simulator needs to reach 1e-6; both scaled to their minimum. T* is marked in
 * its corrected form (docs/algorithms.md "Corrections to the papers": T* = u / log(1/beta), e^u = 1 + log(1/beta)/r + u; the paper's printed
 * asymptotics are wrong).
 * Figure lemma1-distance: d(x_n, S) against the communication round n for several T (Lemma 1: non-increasing, and
 * faster for larger T).
 */
import { dataProblem } from '../../src/problems/index.js'
import type { TopLevelSpec } from 'vega-lite'
import { localDecay, optimalLocalSteps } from '../../src/theory/local.js'
import { loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '001-zhang-li'

/** (1 + r T) / (1 - beta^T): Sec. 4's bound on the total cost, up to the factor C_c m d(x_0, S)^2 (1 - beta) / (alpha eps). */
export function costBound(beta: number, r: number, T: number): number {
  return (1 + r * T) / (1 - beta ** T)
}

export interface LocalRun {
  /** local steps T; Infinity for `local_steps: infinity` */
  T: number
  /** communication rounds to 1e-6 */
  rounds: number
  converged: boolean
  /** d(x_n, S) / |x*| for n = 0..rounds (all workers hold x_n after averaging on the complete graph) */
  distance: Float64Array
}

/** Algorithm 1 for each T: the rounds to 1e-6 and the distance history. */
export function roundsAgainstT(Ts: readonly number[]): { beta: number; runs: LocalRun[] } {
  const base = loadResolved(PAPER, 'local.yaml')
  const beta = localDecay(dataProblem(base.problem).shards, base.experiment.algorithm.eta)
  const runs = Ts.map((T) => {
    const run = simulateResolved(
      loadResolved(PAPER, 'local.yaml', [`algorithm.local_steps=${Number.isFinite(T) ? T : 'infinity'}`]),
    )
    return { T, rounds: run.rounds, converged: run.converged, distance: run.relativeError }
  })
  return { beta, runs }
}

export interface CostCurve {
  r: number
  tStar: number
  /** the printed asymptotic log(1 + log(1/beta)/r) of the paper, before the correction */
  printedAsymptotic: number
  points: Array<{ T: number; bound: number; measured: number }>
}

/** Cost against T for each ratio r: the bound and the measured rounds n*(T) (1 + r T), each over its minimum. */
export function costAgainstT(beta: number, runs: readonly LocalRun[], ratios: readonly number[]): CostCurve[] {
  const finite = runs.filter((x) => Number.isFinite(x.T) && x.converged)
  return ratios.map((r) => {
    const bound = finite.map((x) => costBound(beta, r, x.T))
    const measured = finite.map((x) => x.rounds * (1 + r * x.T))
    const bMin = Math.min(...bound)
    const mMin = Math.min(...measured)
    return {
      r,
      tStar: optimalLocalSteps(beta, r).tStar,
      printedAsymptotic: Math.log(1 + Math.log(1 / beta) / r),
      points: finite.map((x, k) => ({ T: x.T, bound: bound[k]! / bMin, measured: measured[k]! / mMin })),
    }
  })
}

function costFigure(beta: number, curves: readonly CostCurve[]): TopLevelSpec {
  const rows = curves.flatMap((c) => [
    ...c.points.flatMap((p) => [
      { r: `r = ${c.r}`, T: p.T, cost: p.bound, series: 'bound (1 + rT)/(1 - beta^T)' },
      { r: `r = ${c.r}`, T: p.T, cost: p.measured, series: 'measured n*(T)(1 + rT)' },
    ]),
    { r: `r = ${c.r}`, T: c.tStar, cost: null, series: 'T*' },
  ])
  return {
    title: {
      text: 'Total cost against local steps T (Zhang & Li, Sec. 4)',
      subtitle: `each curve over its minimum; beta = ${beta.toFixed(4)}; red rule: T* (corrected)`,
    },
    data: { values: rows },
    facet: { field: 'r', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 200,
      height: 180,
      layer: [
        {
          transform: [{ filter: "datum.series != 'T*'" }],
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'T', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'local steps T' },
            y: { field: 'cost', type: 'quantitative', scale: { type: 'log' }, title: 'cost / minimum' },
            color: { field: 'series', type: 'nominal', legend: { orient: 'bottom', title: null, labelLimit: 400 } },
          },
        },
        {
          transform: [{ filter: "datum.series == 'T*'" }],
          mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] },
          encoding: { x: { field: 'T', type: 'quantitative' } },
        },
      ],
    },
  } as TopLevelSpec
}

function distanceFigure(runs: readonly LocalRun[], shown: readonly number[]): TopLevelSpec {
  const rows = runs
    .filter((x) => shown.includes(x.T))
    .flatMap((x) =>
      Array.from(x.distance, (d, n) => ({ n, d, T: Number.isFinite(x.T) ? `T = ${x.T}` : 'T = infinity' })).filter(
        (p) => p.n <= 400 && p.d > 0,
      ),
    )
  return {
    title: {
      text: 'Lemma 1: d(x_n, S) never increases, and falls faster for larger T (Zhang & Li)',
      subtitle: 'relative to |x*|, first 400 communication rounds',
    },
    width: 440,
    height: 260,
    data: { values: rows },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'n', type: 'quantitative', title: 'communication round n' },
      y: { field: 'd', type: 'quantitative', scale: { type: 'log' }, title: 'd(x_n, S) / |x*|' },
      color: { field: 'T', type: 'nominal', sort: null, legend: { orient: 'right', title: null } },
    },
  } as TopLevelSpec
}

export const LOCAL_STEPS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, Infinity]
export const COST_RATIOS = [0.01, 0.1, 1]

/** Write both figures of this paper into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const { beta, runs } = roundsAgainstT(LOCAL_STEPS)
  progress(`${PAPER}: beta ${beta.toFixed(4)}; rounds n*(T): ${runs.map((x) => `T=${x.T}: ${x.rounds}`).join(', ')}`)
  const curves = costAgainstT(beta, runs, COST_RATIOS)
  for (const c of curves) {
    const best = c.points.reduce((a, b) => (b.measured < a.measured ? b : a))
    progress(
      `${PAPER}: r=${c.r}: T* ${c.tStar.toFixed(2)} (printed asymptotic ${c.printedAsymptotic.toFixed(2)}), measured cost least at T=${best.T}`,
    )
  }
  await writeFigure(outDir, 'cost-vs-T', costFigure(beta, curves))
  progress(`${PAPER}: cost-vs-T written`)
  await writeFigure(outDir, 'lemma1-distance', distanceFigure(runs, [1, 2, 4, 16, 64, Infinity]))
  progress(`${PAPER}: lemma1-distance written`)
}
