/**
 * Ma, Bassily & Belkin (2018), "The Power of Interpolation: Understanding the Effectiveness of SGD in Modern
 * Over-parametrized Learning", regenerated at reduced scale on planted data (the MNIST and kernel experiments of
 * Sec. 5 are left out: no MNIST here).
 *
 * Figure iterations-vs-m: iterations of mini-batch SGD with the optimal step eta*(m) of Theorem 4 to reach
 * |w - w*| <= 1e-4 |w*|, against m: measured by the simulator (mean over seeds) and Theorem 4's bound
 * t(m) = log(1e8) / log(1 / g*(m)); linear scaling t(m) ~ t(1)/m up to m* = beta / lambda_1, saturation past it.
 * Figure eta-star-vs-m: eta*(m) of Eq. 9, linear in m up to m* and flat past it.
 */
import { dataProblem } from '../../src/problems/index.js'
import { makeDigits } from './mnist.js'
import type { TopLevelSpec } from 'vega-lite'
import { mbbTheory, sampleSpectrum } from '../../src/theory/sgd.js'
import { loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '002-ma-bassily-belkin'
const TARGET = 1e-4

export interface BatchPoint {
  m: number
  eta: number
  gStar: number
  /** Theorem 4's bound on the iterations: E|w_t - w*|^2 <= g*(m)^t |w_0 - w*|^2 reaches TARGET^2 */
  predicted: number
  /** measured iterations to TARGET, mean over seeds (null if a seed did not reach it) */
  measured: number | null
}

export interface BatchSweep {
  samples: number
  mStar: number
  mStarEq14: number
  points: BatchPoint[]
}

/** Iterations to 1e-4 against the batch size m, each m with its own eta*(m). */
export function iterationsAgainstBatch(ms: readonly number[], seeds: number): BatchSweep {
  const base = loadResolved(PAPER, 'sgd.yaml')
  const spectrum = sampleSpectrum(dataProblem(base.problem).shards)
  const points = ms.map((m) => {
    const t = mbbTheory(spectrum, m)
    let total = 0
    let reached = true
    for (let seed = 1; seed <= seeds; seed++) {
      const run = simulateResolved(
        loadResolved(PAPER, 'sgd.yaml', [`algorithm.sampling.size=${m}`, `run.seed=${seed}`]),
      )
      reached &&= run.converged
      total += run.rounds
    }
    return {
      m,
      eta: t.eta_star,
      gStar: t.g_star,
      predicted: (2 * Math.log(1 / TARGET)) / Math.log(1 / t.g_star),
      measured: reached ? total / seeds : null,
    }
  })
  const any = mbbTheory(spectrum, 1)
  return { samples: spectrum.samples, mStar: any.m_star, mStarEq14: any.m_star_eq14, points }
}

function iterationsFigure(s: BatchSweep): TopLevelSpec {
  const t1 = s.points.find((p) => p.m === 1)?.measured ?? null
  const rows = s.points.flatMap((p) => [
    { m: p.m, iterations: p.predicted, series: 'Theorem 4 bound' },
    ...(p.measured === null ? [] : [{ m: p.m, iterations: p.measured, series: 'measured (simulator)' }]),
    ...(t1 === null ? [] : [{ m: p.m, iterations: t1 / p.m, series: 'linear scaling t(1)/m' }]),
  ])
  return {
    title: {
      text: 'Iterations to |w - w*| <= 1e-4 |w*| against batch size (Ma, Bassily & Belkin 2018)',
      subtitle: `N = ${s.samples}, step eta*(m) of Theorem 4; red rule: m* = beta/lambda_1 = ${s.mStar.toFixed(1)}`,
    },
    width: 440,
    height: 280,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'm', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'batch size m' },
          y: { field: 'iterations', type: 'quantitative', scale: { type: 'log' }, title: 'iterations' },
          color: { field: 'series', type: 'nominal', legend: { orient: 'bottom', title: null, labelLimit: 400 } },
        },
      },
      {
        data: { values: [{ m: s.mStar }] },
        mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] },
        encoding: { x: { field: 'm', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec
}

function etaFigure(s: BatchSweep): TopLevelSpec {
  return {
    title: {
      text: 'Optimal step eta*(m) of Theorem 4 (Eq. 9)',
      subtitle: `linear in m up to m* = ${s.mStar.toFixed(1)} (red rule), then saturating`,
    },
    width: 440,
    height: 240,
    layer: [
      {
        data: { values: s.points.map((p) => ({ m: p.m, eta: p.eta })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'm', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'batch size m' },
          y: { field: 'eta', type: 'quantitative', scale: { type: 'log' }, title: 'eta*(m)' },
        },
      },
      {
        data: { values: [{ m: s.mStar }] },
        mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] },
        encoding: { x: { field: 'm', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec
}

/** Write both figures of this paper into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const sweep = iterationsAgainstBatch([1, 2, 4, 8, 16, 32, 64, 128, 256, 512], 3)
  for (const p of sweep.points)
    progress(
      `${PAPER}: m=${p.m}: eta* ${p.eta.toFixed(3)}, bound ${p.predicted.toFixed(0)}, measured ${p.measured?.toFixed(0)} iterations`,
    )
  await writeFigure(outDir, 'iterations-vs-m', iterationsFigure(sweep))
  progress(`${PAPER}: iterations-vs-m written (m* ${sweep.mStar.toFixed(2)}, Eq. 14's ${sweep.mStarEq14.toFixed(2)})`)
  await writeFigure(outDir, 'eta-star-vs-m', etaFigure(sweep))
  progress(`${PAPER}: eta-star-vs-m written`)
  await makeDigits(outDir, progress)
}
