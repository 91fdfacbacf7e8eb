/**
 * Boffi & Slotine (2020), "A continuous-time analysis of distributed stochastic gradient", regenerated at reduced
 * scale: the noise of a quorum-coupled swarm (Eq. 7) at a quadratic minimum f = (h/2)|x|^2 with gradient noise
 * sigma per coordinate.
 *
 * Figure stationary-variance-vs-p: against the number of agents p, for couplings k = 0, 2, 8: (left) the stationary
 * variance per coordinate of the swarm mean, which falls as 1/p whatever k (prediction: eta sigma^2 / (p h (2 - eta h)),
 * the discrete form of the Ornstein-Uhlenbeck variance eta sigma^2 / (2 h p)); (right) each agent's fluctuation about
 * the mean, which the coupling shrinks (prediction: eta sigma^2 (1 - 1/p) / ((h + k)(2 - eta (h + k)))), both from
 * src/theory/quorum.ts. Measured over run seeds: the final states of independent runs, every coordinate a sample.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import { quorumStationaryNoise } from '../../src/theory/quorum.js'
import { loadResolved, paperDir, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '004-boffi-slotine'
export const DIM = 16
/** rows of isotropic.csv: DIM blocks of DIM rows, enough for p = 1, 2, 4, 8, 16 agents of equal isotropic H_i */
const COPIES = 16
const H = 1

/** isotropic.csv: row r is sqrt(DIM h) e_{r mod DIM} with target 0, so any DIM consecutive rows give H_i = h I. */
export function isotropicCsv(): string {
  const header = [...Array.from({ length: DIM }, (_, k) => `x${k}`), 'y'].join(',')
  const scale = Math.sqrt(DIM * H)
  const rows = Array.from({ length: DIM * COPIES }, (_, r) =>
    [...Array.from({ length: DIM }, (_, k) => (k === r % DIM ? scale : 0)), 0].join(','),
  )
  return [header, ...rows].join('\n') + '\n'
}

export interface NoisePoint {
  p: number
  k: number
  meanVariance: { measured: number; predicted: number }
  agentVariance: { measured: number; predicted: number }
}

/** Stationary variances for p agents and coupling k, over `seeds` independent runs. */
export function stationaryNoise(p: number, k: number, seeds: number): NoisePoint {
  let meanSq = 0
  let devSq = 0
  let eta = 0
  let sigma = 0
  for (let seed = 1; seed <= seeds; seed++) {
    const resolved = loadResolved(PAPER, 'quorum.yaml', [`swarm.peers=${p}`, `algorithm.k=${k}`, `run.seed=${seed}`])
    const a = resolved.experiment.algorithm
    eta = a.eta
    sigma = a.gradient_noise
    const { params } = simulateResolved(resolved)
    for (let c = 0; c < DIM; c++) {
      let mean = 0
      for (const w of params) mean += w[c]! / p
      meanSq += mean * mean
      for (const w of params) devSq += (w[c]! - mean) ** 2
    }
  }
  const theory = quorumStationaryNoise({ eta, h: H, k, sigma, b: 1, p })
  return {
    p,
    k,
    meanVariance: { measured: meanSq / (seeds * DIM), predicted: theory.meanVariance.discrete },
    agentVariance: { measured: devSq / (seeds * DIM * p), predicted: theory.agentDeviationVariance.discrete },
  }
}

/** The sweep over p and k. */
export function noiseAgainstAgents(ps: readonly number[], ks: readonly number[], seeds: number): NoisePoint[] {
  return ks.flatMap((k) => ps.map((p) => stationaryNoise(p, k, seeds)))
}

function noisePanel(title: string, rows: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const x = {
    field: 'p',
    type: 'quantitative',
    scale: { type: 'log', base: 2, domain: [1, 16] },
    axis: { values: [1, 2, 4, 8, 16] },
    title: 'agents p',
  }
  const y = {
    field: 'value',
    type: 'quantitative',
    scale: { type: 'log' },
    title: 'stationary variance per coordinate',
  }
  const color = { field: 'k', type: 'nominal', legend: { orient: 'bottom', title: 'coupling' } }
  return {
    title,
    width: 260,
    height: 220,
    data: { values: rows },
    layer: [
      { transform: [{ filter: "datum.kind == 'predicted'" }], mark: { type: 'line' }, encoding: { x, y, color } },
      {
        transform: [{ filter: "datum.kind == 'measured'" }],
        mark: { type: 'point', filled: true, size: 40 },
        encoding: { x, y, color },
      },
    ],
  }
}

function noiseFigure(points: readonly NoisePoint[]): TopLevelSpec {
  const row = (q: NoisePoint, kind: string, value: number): Record<string, unknown> => ({
    p: q.p,
    k: `k = ${q.k}`,
    kind,
    value,
  })
  const mean = points.flatMap((q) => [
    row(q, 'measured', q.meanVariance.measured),
    row(q, 'predicted', q.meanVariance.predicted),
  ])
  const agent = points
    .filter((q) => q.p > 1)
    .flatMap((q) => [row(q, 'measured', q.agentVariance.measured), row(q, 'predicted', q.agentVariance.predicted)])
  return {
    title: {
      text: 'Quorum coupling at a quadratic minimum (Boffi & Slotine 2020)',
      subtitle: [
        'lines: predicted (discrete-time Ornstein-Uhlenbeck); dots: measured by the simulator (40 runs each)',
        'the variance of the mean does not depend on k: the three couplings lie on one line',
      ],
    },
    hconcat: [
      noisePanel('variance of the swarm mean', mean),
      noisePanel("each agent's fluctuation about the mean", agent),
    ],
  } as unknown as TopLevelSpec
}

/** Write isotropic.csv and the figure of this paper into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  writeFileSync(join(paperDir(PAPER), 'isotropic.csv'), isotropicCsv())
  const points = noiseAgainstAgents([1, 2, 4, 8, 16], [0, 2, 8], 40)
  for (const q of points) {
    progress(
      `${PAPER}: p=${q.p} k=${q.k}: mean variance ${q.meanVariance.measured.toExponential(3)} (predicted ${q.meanVariance.predicted.toExponential(3)}), agent ${q.agentVariance.measured.toExponential(3)} (predicted ${q.agentVariance.predicted.toExponential(3)})`,
    )
  }
  await writeFigure(outDir, 'stationary-variance-vs-p', noiseFigure(points))
  progress(`${PAPER}: stationary-variance-vs-p written`)
}
