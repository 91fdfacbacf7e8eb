/**
 * A neural network trained peer to peer (examples/mnist-mlp): 16 peers each holding a shard of handwritten
 * digits train a 784-64-10 perceptron by D-PSGD (Lian et al. 2017), on a ring and on the complete graph, with IID
 * shards and with shards dealt by label; beside them one machine trains on all the data with the batch of one peer
 * and with the batch of the whole swarm.
 *
 * Figures accuracy-iid and accuracy-by-label: held-out accuracy against round, the mean over the peers of each
 * peer's own accuracy (records' `evaluation`, the figure a swarm reports too), with the worst peer dashed.
 * The claim: on the ring with IID shards the peers reach 95% within 1.5 times the rounds of the complete graph.
 */
import { join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import { loadExperiment } from '../../src/config/load.js'
import type { RoundRecord } from '../../src/exchange/records.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { simulate } from '../../src/sim/engine.js'
import { repoRoot, writeFigure, type Progress } from '../common.js'

export const PAPER = '008-mnist-mlp'

/** The example's experiment files, from the repository root. */
const EXAMPLE = join('examples', 'mnist-mlp')

export interface AccuracyPoint {
  round: number
  /** mean over the peers of each peer's held-out accuracy */
  mean: number
  /** the worst peer's */
  worst: number
}

/** One simulated run of an example file with `--set`-style overrides: held-out accuracy at every record. */
export function accuracyRun(file: string, sets: readonly string[] = []): AccuracyPoint[] {
  const loaded = loadExperiment(join(repoRoot(), EXAMPLE, file), sets)
  const resolved = resolveExperiment(loaded.experiment, loaded.baseDir)
  const byRound = new Map<number, number[]>()
  const onRecord = (records: readonly RoundRecord[]): void => {
    for (const r of records) {
      const accuracy = r.evaluation?.test_accuracy
      if (accuracy === undefined) throw new Error(`${file}: a record without evaluation.test_accuracy`)
      const atRound = byRound.get(r.round) ?? []
      atRound.push(accuracy)
      byRound.set(r.round, atRound)
    }
  }
  simulate({ ...resolved, reference: null, messageBytes: () => 0 }, { onRecord })
  return [...byRound].map(([round, a]) => ({
    round,
    mean: a.reduce((s, x) => s + x, 0) / a.length,
    worst: Math.min(...a),
  }))
}

/** The first recorded round at which the peers' mean accuracy is at least `target`, or null. */
export function roundsTo(points: readonly AccuracyPoint[], target: number): number | null {
  return points.find((p) => p.mean >= target)?.round ?? null
}

const SINGLE = ['swarm.peers=1', 'topology.kind=complete']

/** The runs of one kind of shard: ring and complete graph, and, for IID, one machine at two batch sizes. */
function runsOf(shards: 'iid' | 'by-label', progress: Progress): Array<{ label: string; points: AccuracyPoint[] }> {
  const runs: Array<[string, string, string[]]> = [
    ['16 peers, ring', `ring-${shards}.yaml`, []],
    ['16 peers, complete graph', `complete-${shards}.yaml`, []],
  ]
  if (shards === 'iid')
    runs.push(
      ['one machine, batch 32 (one peer’s)', 'ring-iid.yaml', SINGLE],
      ['one machine, batch 512 (the swarm’s)', 'ring-iid.yaml', [...SINGLE, 'algorithm.sampling.size=512']],
    )
  return runs.map(([label, file, sets]) => {
    const points = accuracyRun(file, [...sets, 'run.rounds=3000'])
    const last = points.at(-1)!
    progress(
      `  ${label} (${shards}): 95% first at round ${roundsTo(points, 0.95) ?? 'never'}; ${(100 * last.mean).toFixed(1)}% (worst peer ${(100 * last.worst).toFixed(1)}%) at round ${last.round}`,
    )
    return { label, points }
  })
}

function accuracyChart(title: string, runs: ReturnType<typeof runsOf>, floor: number): TopLevelSpec {
  const values = runs.flatMap(({ label, points }) =>
    points.flatMap((p) => [
      { round: p.round, accuracy: p.mean, run: label, of: 'mean over the peers' },
      ...(label.startsWith('one machine') ? [] : [{ round: p.round, accuracy: p.worst, run: label, of: 'worst peer' }]),
    ]),
  )
  return {
    title: { text: title, subtitle: 'held-out accuracy (1,000 digits); D-PSGD, eta 0.5, batch 32 per peer' },
    width: 460,
    height: 280,
    data: { values },
    layer: [
      {
        mark: { type: 'line', clip: true },
        encoding: {
          x: { field: 'round', type: 'quantitative', title: 'round' },
          y: { field: 'accuracy', type: 'quantitative', scale: { domain: [floor, 1] }, title: 'held-out accuracy' },
          color: { field: 'run', type: 'nominal', title: null, legend: { labelLimit: 320 } },
          strokeDash: { field: 'of', type: 'nominal', title: null },
        },
      },
      { mark: { type: 'rule', strokeDash: [2, 2], color: 'gray' }, encoding: { y: { datum: 0.95 } } },
    ],
  } as unknown as TopLevelSpec
}

export async function make(outDir: string, progress: Progress): Promise<void> {
  const iid = runsOf('iid', progress)
  const [ring, complete] = [roundsTo(iid[0]!.points, 0.95), roundsTo(iid[1]!.points, 0.95)]
  progress(`  95%: ring at round ${ring}, complete graph at ${complete}`)
  await writeFigure(outDir, 'accuracy-iid', accuracyChart('16 peers, IID shards, and one machine', iid, 0.8))
  const byLabel = runsOf('by-label', progress)
  await writeFigure(outDir, 'accuracy-by-label', accuracyChart('16 peers, shards dealt by label', byLabel, 0.2))
}
