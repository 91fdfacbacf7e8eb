/**
 * The grid of `meshgd sweep` (pure): `--grid path=v1,v2` axes, `--plot` requests, and the cells they expand to (every
 * combination of the values, the first field outermost, each repeated with its own run.seed), each with a folder name.
 */
import { ConfigError } from '../../config/errors.js'
import { EVAL_PREFIX, SUMMARY_METRICS } from '../../report/sweep-rows.js'
import type { SweepPlotRequest } from '../../report/sweep-report.js'

export interface GridAxis {
  path: string
  values: string[]
}

/** One run of the sweep: its overrides (grid values, then the repeat's seed) and the folder it runs in. */
export interface SweepCell {
  key: string
  overrides: Array<readonly [string, string]>
  repeat: number
  seed: number
}

/** `--grid path=v1,v2,...` each, in order; a path given twice, or no value, is refused. */
export function parseGrid(specs: readonly string[]): GridAxis[] {
  if (specs.length === 0)
    throw new ConfigError('CONFIG_INVALID', '--grid: give at least one, e.g. --grid algorithm.mu=0.1,0.2,0.3')
  const axes: GridAxis[] = []
  for (const spec of specs) {
    const m = /^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)=(.+)$/.exec(spec)
    const values = m ? m[2]!.split(',').map((v) => v.trim()) : []
    if (!m || values.some((v) => v === ''))
      throw new ConfigError('CONFIG_INVALID', `--grid ${spec}: expected path=v1,v2,... (e.g. topology.kind=ring,torus)`)
    if (axes.some((a) => a.path === m[1]))
      throw new ConfigError('CONFIG_INVALID', `--grid ${spec}: ${m[1]} is swept twice`)
    if (new Set(values).size !== values.length)
      throw new ConfigError('CONFIG_INVALID', `--grid ${spec}: a value is given twice`)
    axes.push({ path: m[1]!, values })
  }
  return axes
}

/** `--plot field[:metric]` each (default: the first grid field against rate_measured). */
export function parsePlots(specs: readonly string[], axes: readonly GridAxis[]): SweepPlotRequest[] {
  const requests = specs.length > 0 ? specs : [axes[0]!.path]
  return requests.map((spec) => {
    const [field, metric = 'rate_measured', extra] = spec.split(':')
    if (extra !== undefined || !axes.some((a) => a.path === field))
      throw new ConfigError(
        'CONFIG_INVALID',
        `--plot ${spec}: expected FIELD[:METRIC] with FIELD one of the grid's (${axes.map((a) => a.path).join(', ')})`,
      )
    if (!(SUMMARY_METRICS as readonly string[]).includes(metric) && !metric.startsWith(EVAL_PREFIX))
      throw new ConfigError(
        'CONFIG_INVALID',
        `--plot ${spec}: unknown metric ${metric}; one of ${SUMMARY_METRICS.join(', ')}, or ${EVAL_PREFIX}NAME for a problem module's evaluate figure NAME`,
      )
    return { field: field!, metric }
  })
}

/** A folder name for a cell: `topology.kind-ring_algorithm.mu-0.1_r0` (other characters become `_`). */
export function cellKey(overrides: ReadonlyArray<readonly [string, string]>, repeat: number): string {
  return [...overrides.map(([path, value]) => `${path}-${value}`), `r${repeat}`]
    .join('_')
    .replace(/[^A-Za-z0-9._-]/g, '_')
}

/** Every combination of the grid's values (the first field outermost), each `repeat` times with seed `seed + r`. */
export function expandCells(axes: readonly GridAxis[], repeat: number, seed: number): SweepCell[] {
  let combos: Array<Array<readonly [string, string]>> = [[]]
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => [...c, [axis.path, v] as const]))
  const cells = combos.flatMap((overrides) =>
    Array.from({ length: repeat }, (_, r) => ({ key: cellKey(overrides, r), overrides, repeat: r, seed: seed + r })),
  )
  const keys = new Set<string>()
  for (const c of cells) {
    if (keys.has(c.key))
      throw new ConfigError(
        'CONFIG_INVALID',
        `--grid: two cells share the folder name ${c.key}; use values that differ in letters or digits`,
      )
    keys.add(c.key)
  }
  return cells
}

export function positiveInt(flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError('CONFIG_INVALID', `${flag} ${text}: expected a positive integer`)
  return n
}
