/**
 * A network-lab analogue of Table 2 of Kalan, Soltanolkotabi & Avestimehr (2019): the time of an iteration split
 * into communication and computation, for SGD with float64 gradients and for QSGD with b bits, when the links are
 * slow. Each case is a real swarm (`meshgd swarm --netns`): 4 workers, each in a network namespace of its own,
 * behind emulated links of `rate_mbit` Mbit/s, exchanging their gradients (allreduce-sgd on the complete graph).
 * The split is the peers' own clocks (src/peer/round-times.ts): compute (gradient, quantizer, update) against
 * waiting on the neighbours' gradients. Needs root, `ip netns` and python3 (the link emulator); without them the
 * figure is left as committed and the reason printed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import { paperDir, repoRoot, writeFigure, type Progress } from '../common.js'

export const LAB_FIGURE = 'lab-time-per-iteration'

export interface LabCase {
  label: string
  /** bits per coordinate of QSGD, null for float64 SGD */
  bits: number | null
}

export interface LabRow extends LabCase {
  /** parameter bytes every worker sent per iteration (summary bytes_sent / rounds / workers) */
  bytesPerIteration: number
  computeMs: number
  waitMs: number
  sendMs: number
}

export interface LabSettings {
  dim: number
  rounds: number
  rateMbit: number
}

/** Why the lab cannot run here, or null when it can. */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root'
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'no ip netns'
  if (spawnSync('python3', ['--version']).status !== 0) return 'no python3'
  return null
}

/** One case as a real swarm in the lab; its summary's time split and bytes. */
async function runCase(c: LabCase, s: LabSettings, out: string): Promise<LabRow> {
  const sets = [
    `problem.dim=${s.dim}`,
    `algorithm.eta=${8 / s.dim}` /* m/d, Sec. 4, total batch m = 8 */,
    `run.rounds=${s.rounds}`,
    'run.target=null',
    `run.record_every=${s.rounds}`,
    `network.rate_mbit=${s.rateMbit}`,
    ...(c.bits === null ? [] : ['compression.kind=qsgd', `compression.levels=${2 ** (c.bits - 1) - 1}`]),
  ]
  const args = [
    'swarm',
    join(paperDir('003-kalan-relu-qsgd'), 'relu.yaml'),
    '--netns',
    '--quiet',
    '--out',
    out,
    ...sets.flatMap((x) => ['--set', x]),
  ]
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'meshgd.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((done) => child.once('exit', done))
  if (code !== 0)
    throw new Error(`${c.label}: meshgd swarm --netns exited ${code}: ${stderr.trim().split('\n').at(-1)}`)
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    rounds: number
    peers: number
    bytes_sent: number
    time: { per_round: { compute_ms: number; wait_ms: number; send_ms: number } }
  }
  const t = summary.time.per_round
  return {
    ...c,
    bytesPerIteration: summary.bytes_sent / summary.rounds / summary.peers,
    computeMs: t.compute_ms,
    waitMs: t.wait_ms,
    sendMs: t.send_ms,
  }
}

/** Every case, one swarm after another (they would share the machine's two cores otherwise). */
export async function labTimes(cases: readonly LabCase[], s: LabSettings, progress: Progress): Promise<LabRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgd-kalan-lab-'))
  const rows: LabRow[] = []
  for (const [k, c] of cases.entries()) {
    const row = await runCase(c, s, join(dir, `case-${k}`))
    progress(
      `003 lab: ${c.label}: ${(row.bytesPerIteration / 1000).toFixed(1)} kB sent per worker and iteration; compute ${row.computeMs.toFixed(1)} ms, waiting ${row.waitMs.toFixed(1)} ms per iteration`,
    )
    rows.push(row)
  }
  return rows
}

function labFigure(rows: readonly LabRow[], s: LabSettings): TopLevelSpec {
  const values = rows.flatMap((r) => {
    const name = `${r.label} (${(r.bytesPerIteration / 1000).toFixed(1)} kB)`
    return [
      { case: name, part: 'computation', ms: r.computeMs },
      { case: name, part: 'communication (waiting on the others)', ms: r.waitMs },
    ]
  })
  return {
    title: {
      text: 'Time per iteration on slow links (a network-lab analogue of Kalan et al. 2019, Table 2)',
      subtitle: `4 workers in network namespaces, ${s.rateMbit} Mbit/s links, d = ${s.dim}, ${s.rounds} iterations; kB each worker sends per iteration; the peers' own clocks`,
    },
    width: 420,
    height: 220,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'case', type: 'nominal', sort: null, title: null },
      x: { field: 'ms', type: 'quantitative', title: 'ms per iteration (mean over workers)', stack: 'zero' },
      color: { field: 'part', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 400 } },
    },
  } as TopLevelSpec
}

export const LAB_CASES: readonly LabCase[] = [
  { label: 'SGD, float64', bits: null },
  { label: 'QSGD, b = 7', bits: 7 },
  { label: 'QSGD, b = 3', bits: 3 },
]
export const LAB_SETTINGS: LabSettings = { dim: 10_000, rounds: 40, rateMbit: 10 }

/** The lab figure, when the lab can run here. */
export async function makeLab(outDir: string, progress: Progress): Promise<void> {
  const why = labUnavailable()
  if (why)
    return progress(
      `003 lab: ${LAB_FIGURE} left as committed: the network lab needs root, ip netns and python3 (${why})`,
    )
  const rows = await labTimes(LAB_CASES, LAB_SETTINGS, progress)
  await writeFigure(outDir, LAB_FIGURE, labFigure(rows, LAB_SETTINGS))
  progress(`003 lab: ${LAB_FIGURE} written`)
}
