/**
 * Kalan, Soltanolkotabi & Avestimehr (2019), "Fitting ReLUs via SGD and Quantized SGD", regenerated at reduced
 * scale (d = 100, n = 1000 in place of d = 1000, n = 10000).
 *
 * Figure relu-sgd-batch (Fig. 1a): relative error |w - w*| / |w*| against the iteration for several total batch sizes
 * m, step eta = m/d (Sec. 4): linear convergence, faster for larger m.
 * Figure relu-qsgd-bits (Fig. 1b): the same for QSGD (Eq. 2.2, the quantizer Q_s of Sec. 2.2 on every worker's
 * gradient) with b bits per coordinate (s = 2^(b-1) - 1 levels, which fit with the sign in b bits) at the reduced
 * batch m = 80 (the paper's m = 800 scaled with d), step eta = m b / (9 d) as in Sec. 4, beside unquantized SGD.
 * Figure lab-time-per-iteration (Table 2): communication against computation per iteration on slow links, as real
 * swarms in the network lab (./lab.ts; root only).
 */
import type { TopLevelSpec } from 'vega-lite'
import { loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'
import { makeLab } from './lab.js'

export const PAPER = '003-kalan-relu-qsgd'
const WORKERS = 4
const DIM = 100

export interface ErrorCurve {
  label: string
  m: number
  /** bits per coordinate, null for unquantized SGD */
  bits: number | null
  eta: number
  rateMeasured: number | null
  relativeError: Float64Array
}

function runCurve(label: string, m: number, bits: number | null, eta: number, rounds: number): ErrorCurve {
  const sets = [`algorithm.sampling.size=${m / WORKERS}`, `algorithm.eta=${eta}`, `run.rounds=${rounds}`]
  if (bits !== null) sets.push('compression.kind=qsgd', `compression.levels=${2 ** (bits - 1) - 1}`)
  const run = simulateResolved(loadResolved(PAPER, 'relu.yaml', sets))
  return { label, m, bits, eta, rateMeasured: run.rateMeasured, relativeError: run.relativeError }
}

/** Fig. 1a: SGD for each total batch m (a multiple of the 4 workers), eta = m/d. */
export function errorAgainstBatch(ms: readonly number[], rounds: number): ErrorCurve[] {
  return ms.map((m) => runCurve(`m = ${m}`, m, null, m / DIM, rounds))
}

/** Fig. 1b: QSGD with b bits at batch m, eta = m b / (9 d), and unquantized SGD at eta = m / d. */
export function errorAgainstBits(m: number, bits: readonly number[], rounds: number): ErrorCurve[] {
  return [
    ...bits.map((b) => runCurve(`QSGD, b = ${b}`, m, b, (m * b) / (9 * DIM), rounds)),
    runCurve('SGD (unquantized)', m, null, m / DIM, rounds),
  ]
}

function curveFigure(title: string, subtitle: string, curves: readonly ErrorCurve[]): TopLevelSpec {
  const rows = curves.flatMap((c) =>
    Array.from(c.relativeError, (e, t) => ({ t, e, curve: c.label })).filter(
      (p) => p.e > 0 && (p.t % 2 === 0 || p.t < 20),
    ),
  )
  return {
    title: { text: title, subtitle },
    width: 440,
    height: 260,
    data: { values: rows },
    mark: { type: 'line' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'iteration' },
      y: {
        field: 'e',
        type: 'quantitative',
        scale: { type: 'log' },
        axis: { format: '.0e' },
        title: '|w - w*| / |w*|',
      },
      color: { field: 'curve', type: 'nominal', sort: null, legend: { orient: 'right', title: null, labelLimit: 400 } },
    },
  } as TopLevelSpec
}

/** Write both figures of this paper into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const batch = errorAgainstBatch([8, 16, 32, 64], 600)
  for (const c of batch)
    progress(
      `${PAPER}: SGD ${c.label}: eta ${c.eta}, rate ${c.rateMeasured?.toFixed(4)}, final error ${c.relativeError[c.relativeError.length - 1]!.toExponential(2)}`,
    )
  await writeFigure(
    outDir,
    'relu-sgd-batch',
    curveFigure(
      'Fitting a planted ReLU with mini-batch SGD (Kalan et al. 2019, Fig. 1a)',
      'd = 100, n = 1000, 4 workers, step eta = m/d',
      batch,
    ),
  )
  progress(`${PAPER}: relu-sgd-batch written`)
  const bits = errorAgainstBits(80, [3, 5, 7], 300)
  for (const c of bits)
    progress(
      `${PAPER}: ${c.label}: eta ${c.eta.toFixed(4)}, rate ${c.rateMeasured?.toFixed(4)}, final error ${c.relativeError[c.relativeError.length - 1]!.toExponential(2)}`,
    )
  await writeFigure(
    outDir,
    'relu-qsgd-bits',
    curveFigure(
      'Fitting a planted ReLU with QSGD (Kalan et al. 2019, Fig. 1b)',
      'batch m = 80, step eta = m b / (9 d) for b bits, eta = m/d for SGD',
      bits,
    ),
  )
  progress(`${PAPER}: relu-qsgd-bits written`)
  await makeLab(outDir, progress)
}
