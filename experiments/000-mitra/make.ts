/**
 * Mitra (2018), "Fast Convergence for Stochastic and Distributed Gradient Descent in the Interpolation Limit",
 * regenerated at reduced scale.
 *
 * Figure rate-vs-mu: the linear rate R of the elastic graph-penalty update (Eq. 14) against the coupling mu on six
 * topologies, as the theory predicts it (largest |eigenvalue| of the iteration matrix, src/theory/elastic.ts) and
 * as the simulator measures it (contraction of max_i |w_i - w*| per round), with the rate-optimal mu marked.
 * Figure bernoulli-rate-vs-m: Bernoulli mini-batch SGD (Eqs. 7-8) with the step eta*(m) of Eq. 11: the per-step
 * contraction of |w - w*|^2 measured against the bound g*(m) of Eq. 12, and the batch m that minimises the
 * computation m / log(1 / g*(m)) to a fixed error (Sec. II).
 */
import { dataProblem } from '../../src/problems/index.js'
import type { TopLevelSpec } from 'vega-lite'
import { mitraBernoulli, sampleSpectrum } from '../../src/theory/sgd.js'
import { elasticTheory } from '../../src/theory/elastic.js'
import { loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '000-mitra'
export const TOPOLOGY_FILES = [
  'ring.yaml',
  'torus.yaml',
  'hypercube.yaml',
  'star.yaml',
  'complete.yaml',
  'small-world.yaml',
]

export interface MuPoint {
  topology: string
  mu: number
  predicted: number
  measured: number | null
}

export interface MuSweep {
  topology: string
  eta: number
  muMax: number
  muOptimal: { mu: number; rate: number }
  /** 1 - eta lambda_min^+(H), Sec. III's bound in its corrected form (docs/algorithms.md "Corrections to the papers") */
  lowerBound: number
  points: MuPoint[]
}

/** Rounds enough to see a rate R decay by 1e-10, capped so a slow rate still costs little. */
function roundsFor(rate: number, cap: number): number {
  return Math.min(cap, Math.max(200, Math.ceil(Math.log(1e-10) / Math.log(Math.min(rate, 0.999999)))))
}

/**
 * R against mu for one experiment file: `count` values of mu spread over (0, muMax) and packed towards muMax, where
 * the rate turns back up (the mode 1 - eta lambda - mu lambda_max(L) nears -1), plus the optimal mu itself.
 */
export function rateAgainstMu(file: string, count: number, maxRounds: number): MuSweep {
  const base = loadResolved(PAPER, file)
  const a = base.experiment.algorithm
  if (a.kind !== 'elastic') throw new Error(`${file}: the mu sweep needs algorithm.kind: elastic`)
  const theory = elasticTheory(base.graph, dataProblem(base.problem).shards, a.eta, a.mu, { optimiseMu: true })
  if (!theory.muOptimal) throw new Error(`${file}: no optimal mu (muMax ${theory.muMax})`)
  const topology = base.experiment.topology.kind
  const mus = Array.from({ length: count }, (_, k) => theory.muMax * (1 - ((count - k - 0.5) / count) ** 2))
  mus.push(theory.muOptimal.mu)
  mus.sort((x, y) => x - y)
  const points = mus.map((mu) => {
    const predicted = elasticTheory(base.graph, dataProblem(base.problem).shards, a.eta, mu, { ranges: false }).rate
    const run = loadResolved(PAPER, file, [`algorithm.mu=${mu}`, `run.rounds=${roundsFor(predicted, maxRounds)}`])
    return { topology, mu, predicted, measured: simulateResolved(run).rateMeasured }
  })
  return {
    topology,
    eta: a.eta,
    muMax: theory.muMax,
    muOptimal: theory.muOptimal,
    lowerBound: theory.mitra.lowerBound,
    points,
  }
}

export interface BernoulliPoint {
  m: number
  eta: number
  /** g*(m) of Eq. 12: the bound on the per-step contraction of E|w - w*|^2 */
  predicted: number
  /** rate_measured^2: the measured per-step contraction of |w - w*|^2 */
  measured: number | null
  /** m / log(1 / g*(m)): computation to a fixed error, up to a constant (Sec. II) */
  cost: number
}

/** Bernoulli SGD with eta*(m) for each expected batch m: measured contraction against Eq. 12. */
export function bernoulliAgainstM(
  ms: readonly number[],
  seeds: number,
  maxRounds: number,
): { samples: number; mOptimal: number; points: BernoulliPoint[] } {
  const base = loadResolved(PAPER, 'bernoulli.yaml')
  const spectrum = sampleSpectrum(dataProblem(base.problem).shards)
  const points = ms.map((m) => {
    const t = mitraBernoulli(spectrum, m)
    const rounds = roundsFor(Math.sqrt(t.g_star), maxRounds)
    let logSum = 0
    let count = 0
    for (let seed = 1; seed <= seeds; seed++) {
      const run = loadResolved(PAPER, 'bernoulli.yaml', [
        `algorithm.sampling.size=${m}`,
        `run.rounds=${rounds}`,
        `run.seed=${seed}`,
      ])
      const r = simulateResolved(run).rateMeasured
      if (r !== null) {
        logSum += Math.log(r * r)
        count++
      }
    }
    return {
      m,
      eta: t.eta_star,
      predicted: t.g_star,
      measured: count > 0 ? Math.exp(logSum / count) : null,
      cost: m / Math.log(1 / t.g_star),
    }
  })
  // The batch that minimises the computation m / log(1/g*(m)), over every integer m (not only the swept ones).
  let mOptimal = 1
  for (let m = 1; m <= spectrum.samples; m++) {
    const g = mitraBernoulli(spectrum, m).g_star
    const best = mitraBernoulli(spectrum, mOptimal).g_star
    if (m / Math.log(1 / g) < mOptimal / Math.log(1 / best)) mOptimal = m
  }
  return { samples: spectrum.samples, mOptimal, points }
}

function muFigure(sweeps: readonly MuSweep[]): TopLevelSpec {
  const rows = sweeps.flatMap((s) => [
    ...s.points.map((p) => ({ topology: s.topology, mu: p.mu, rate: p.predicted, series: 'predicted' })),
    ...s.points
      .filter((p) => p.measured !== null)
      .map((p) => ({ topology: s.topology, mu: p.mu, rate: p.measured, series: 'measured' })),
    { topology: s.topology, mu: s.muOptimal.mu, rate: s.muOptimal.rate, series: 'optimal mu' },
  ])
  return {
    title: {
      text: 'Elastic graph penalty (Mitra 2018, Eq. 14): rate R against mu',
      subtitle: 'line: predicted (eigen-solve); dots: measured by the simulator; red rule: optimal mu',
    },
    data: { values: rows },
    facet: { field: 'topology', type: 'nominal', title: null },
    columns: 3,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 200,
      height: 140,
      layer: [
        {
          transform: [{ filter: "datum.series == 'predicted'" }],
          mark: { type: 'line', color: '#4c78a8' },
          encoding: {
            x: { field: 'mu', type: 'quantitative', title: 'mu' },
            y: { field: 'rate', type: 'quantitative', title: 'rate R', scale: { zero: false } },
          },
        },
        {
          transform: [{ filter: "datum.series == 'measured'" }],
          mark: { type: 'point', color: '#f58518', filled: true, size: 30 },
          encoding: { x: { field: 'mu', type: 'quantitative' }, y: { field: 'rate', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.series == 'optimal mu'" }],
          mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] },
          encoding: { x: { field: 'mu', type: 'quantitative' } },
        },
      ],
    },
  } as TopLevelSpec
}

function bernoulliFigure(b: ReturnType<typeof bernoulliAgainstM>): TopLevelSpec {
  const rows = b.points.flatMap((p) => [
    { m: p.m, value: p.predicted, series: 'g*(m), Eq. 12 (bound)' },
    ...(p.measured === null ? [] : [{ m: p.m, value: p.measured, series: 'measured contraction of |w - w*|^2' }]),
  ])
  return {
    title: {
      text: 'Bernoulli SGD with eta*(m) (Mitra 2018, Eqs. 10-12)',
      subtitle: `N = ${b.samples} samples; red rule: m minimising m / log(1/g*(m)) = ${b.mOptimal}`,
    },
    width: 420,
    height: 260,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'm', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'expected batch m' },
          y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: 'per-step contraction' },
          color: { field: 'series', type: 'nominal', legend: { orient: 'bottom', title: null, labelLimit: 400 } },
        },
      },
      {
        data: { values: [{ m: b.mOptimal }] },
        mark: { type: 'rule', color: '#e45756', strokeDash: [4, 3] },
        encoding: { x: { field: 'm', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec
}

/** Write both figures of this paper into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const sweeps = TOPOLOGY_FILES.map((f) => rateAgainstMu(f, 12, 20000))
  for (const s of sweeps) {
    const worst = Math.max(...s.points.map((p) => (p.measured === null ? 0 : Math.abs(p.measured - p.predicted))))
    progress(
      `${PAPER}: ${s.topology}: optimal mu ${s.muOptimal.mu.toFixed(4)} (R ${s.muOptimal.rate.toFixed(5)}), max |measured - predicted| ${worst.toExponential(2)}`,
    )
  }
  await writeFigure(outDir, 'rate-vs-mu', muFigure(sweeps))
  progress(`${PAPER}: rate-vs-mu written`)
  const bern = bernoulliAgainstM([1, 2, 4, 8, 16, 32, 64], 3, 4000)
  for (const p of bern.points)
    progress(
      `${PAPER}: bernoulli m=${p.m}: eta* ${p.eta.toFixed(3)}, g* ${p.predicted.toFixed(5)}, measured ${p.measured?.toFixed(5)}`,
    )
  await writeFigure(outDir, 'bernoulli-rate-vs-m', bernoulliFigure(bern))
  progress(`${PAPER}: bernoulli-rate-vs-m written (optimal m ${bern.mOptimal})`)
}
