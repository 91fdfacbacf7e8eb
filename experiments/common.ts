/**
 * What every paper's experiment shares: load an experiment file of experiments/<paper>/ with overrides, run it
 * through the in-process simulator without writing a run directory, and write a vega-lite figure as SVG and PNG.
 *
 * The simulator here is the same one `meshgd sim` runs (src/sim/engine.ts), fed the same resolved experiment and
 * the same reference solution and the same lossy channel (compression); only the run directory is left out, so a sweep of hundreds of runs stays fast.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import { loadExperiment } from '../src/config/load.js'
import { runReference } from '../src/exchange/reference.js'
import { resolveExperiment, type ResolvedExperiment } from '../src/exchange/resolve.js'
import { svgToPng, vegaLiteToSvg } from '../src/report/plots/render.js'
import { createChannel } from '../src/sim/channel.js'
import { measuredRate, simulate } from '../src/sim/engine.js'

/** The repository root: the nearest folder above this module holding package.json (works from src and dist). */
export function repoRoot(): string {
  let dir = import.meta.dirname
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('experiments: no package.json above ' + import.meta.dirname)
    dir = up
  }
  return dir
}

/** The source folder of one paper's experiments, experiments/<paper>/, whether run from src or from dist. */
export function paperDir(paper: string): string {
  return join(repoRoot(), 'experiments', paper)
}

/** An experiment file of experiments/<paper>/ with `--set`-style overrides, resolved (graph and data built). */
export function loadResolved(paper: string, file: string, sets: readonly string[] = []): ResolvedExperiment {
  const loaded = loadExperiment(join(paperDir(paper), file), sets)
  return resolveExperiment(loaded.experiment, loaded.baseDir)
}

export interface TrajectoryResult {
  /** max_i |w_i^t - w_ref| / |w_ref| for t = 0..rounds */
  relativeError: Float64Array
  /** the geometric-mean contraction per round (src/sim/engine.ts measuredRate), null if too short */
  rateMeasured: number | null
  rounds: number
  converged: boolean
  diverged: boolean
  params: readonly Float64Array[]
  reference: Float64Array
}

/** Run a resolved experiment through the simulator, in memory, and return its error trajectory. */
export function simulateResolved(resolved: ResolvedExperiment): TrajectoryResult {
  const reference = runReference(resolved)
  if (!reference) throw new Error(`experiments: ${resolved.experiment.swarm.id} has no reference solution`)
  const channel = createChannel(resolved.experiment, resolved.graph.n, resolved.problem.paramDim)
  const result = simulate({ ...resolved, reference: reference.w, channel, messageBytes: () => 0 })
  let refNorm = 0
  for (const v of reference.w) refNorm += v * v
  refNorm = Math.sqrt(refNorm) || 1
  return {
    relativeError: result.maxErrorHistory.map((e) => e / refNorm),
    rateMeasured: measuredRate(result.maxErrorHistory, refNorm),
    rounds: result.rounds,
    converged: result.converged,
    diverged: result.diverged,
    params: result.params,
    reference: reference.w,
  }
}

/** Write one figure as `<name>.svg` and `<name>.png` into outDir; returns the two paths. */
export async function writeFigure(outDir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  mkdirSync(outDir, { recursive: true })
  const svg = await vegaLiteToSvg(spec)
  const svgPath = join(outDir, `${name}.svg`)
  const pngPath = join(outDir, `${name}.png`)
  writeFileSync(svgPath, svg)
  writeFileSync(pngPath, svgToPng(svg))
  return [svgPath, pngPath]
}

/** Least-squares slope and intercept of y against x (for log-log law fits). */
export function lineFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  const n = x.length
  const mx = x.reduce((s, v) => s + v, 0) / n
  const my = y.reduce((s, v) => s + v, 0) / n
  let sxy = 0
  let sxx = 0
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my)
    sxx += (x[i]! - mx) ** 2
  }
  const slope = sxy / sxx
  return { slope, intercept: my - slope * mx }
}

/** Progress callback of a make: one line per figure written. */
export type Progress = (line: string) => void

/** One point of an error curve: round `t`, error `e`, the curve it belongs to, and optionally its kind (dashed). */
export interface ErrorPoint {
  t: number
  e: number
  run: string
  kind?: string
}

/** Error against round on a log scale, a line per `run` (dashed by `kind` when the points have one). */
export function errorChart(
  title: { text: string; subtitle: string },
  yTitle: string,
  values: readonly ErrorPoint[],
  yDomain?: readonly [number, number],
): TopLevelSpec {
  return {
    title,
    width: 460,
    height: 280,
    data: { values },
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'round' },
      y: {
        field: 'e',
        type: 'quantitative',
        scale: { type: 'log', ...(yDomain ? { domain: yDomain } : {}) },
        title: yTitle,
      },
      color: { field: 'run', type: 'nominal', title: null, legend: { labelLimit: 320 } },
      ...(values.some((p) => p.kind) ? { strokeDash: { field: 'kind', type: 'nominal', title: null } } : {}),
    },
  } as unknown as TopLevelSpec
}
