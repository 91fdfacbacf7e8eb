/**
 * Ying et al. 2021, "Exponential Graph is Provably Efficient for Decentralized Deep Training", at 16 peers
 * (gossip.yaml): on the one-peer exponential graph, where each peer talks to one other a round, the product of the
 * log2 n = 4 rounds of a period is exactly 11^T / n, so gossip averages exactly in 4 rounds; the static exponential
 * graph (every neighbour every round) and the ring only approach the mean geometrically, at the rate `meshgd theory`
 * predicts from the second largest eigenvalue modulus of the period's product (src/theory/mixing.ts).
 *
 * Figure gossip-vs-round: max_i |w_i^t - mean| / |mean| against the round for the three graphs, measured (lines)
 * and predicted (dashed: the error of round 20 times rate_per_round^(t - 20)).
 */
import type { TopLevelSpec } from 'vega-lite'
import { mixingTheory } from '../../src/theory/mixing.js'
import { errorChart, loadResolved, simulateResolved, writeFigure, type Progress } from '../common.js'

export const PAPER = '005-ying-exponential'

export interface GossipRun {
  topology: string
  /** relative max error against the mean of the starts, every round */
  error: Float64Array
  /** the measured per-round rate over the rounds the error stays above 1e-13 (rounding takes over below) */
  measured: number | null
  /** the theory: per-round rate, and the round after which averaging is exact (null: never) */
  predicted: number
  exactAfter: number | null
}

/** Gossip on one topology kind. */
export function gossipRun(topology: string): GossipRun {
  const resolved = loadResolved(PAPER, 'gossip.yaml', [`topology.kind=${topology}`])
  const theory = mixingTheory(resolved.graph, 'mixing')
  const run = simulateResolved(resolved)
  return {
    topology,
    error: run.relativeError,
    measured: fittedRate(run.relativeError),
    predicted: theory.rate_per_round ?? NaN,
    exactAfter: theory.exact_after,
  }
}

export const TOPOLOGIES = ['one-peer-exponential', 'exponential', 'ring']

export function gossipRuns(): GossipRun[] {
  return TOPOLOGIES.map(gossipRun)
}

/**
 * The per-round rate of a geometric decay: (e_b / e_a)^(1 / (b - a)) between the 20th round and the last round whose
 * error is above 1e-13 (past the start's transient, before rounding). Null when fewer than 10 rounds qualify.
 */
export function fittedRate(error: Float64Array): number | null {
  const a = 20
  let b = a
  while (b + 1 < error.length && error[b + 1]! > 1e-13) b++
  if (b - a < 10) return null
  return (error[b]! / error[a]!) ** (1 / (b - a))
}

/** The round the predicted lines start from: past the start's transient. */
const ANCHOR = 20

function figure(runs: readonly GossipRun[]): TopLevelSpec {
  const values = runs.flatMap((x) =>
    Array.from(x.error, (e, t) => [
      { t, e: Math.max(e, 1e-17), run: x.topology, kind: 'measured' },
      ...(x.exactAfter === null
        ? [{ t, e: x.error[ANCHOR]! * x.predicted ** (t - ANCHOR), run: x.topology, kind: 'predicted' }]
        : []),
    ]).flat(),
  )
  const title = {
    text: 'Gossip averaging on 16 peers: the one-peer exponential graph is exact after log2 n = 4 rounds',
    subtitle: 'dsgd with eta = 0 from a Gaussian start per peer; dashed: the rate of the period product from round 20',
  }
  return errorChart(title, 'max_i |w_i - mean| / |mean|', values, [1e-17, 10])
}

/** The figure of this experiment into outDir. */
export async function make(outDir: string, progress: Progress): Promise<void> {
  const runs = gossipRuns()
  for (const x of runs) {
    const exact = x.exactAfter === null ? 'never exact' : `exact after ${x.exactAfter} rounds`
    progress(
      `${PAPER}: ${x.topology}: error at round 4 ${x.error[4]!.toExponential(2)}, rate measured ${x.measured?.toFixed(4) ?? 'n/a'}, predicted ${x.predicted.toFixed(4)} (${exact})`,
    )
  }
  await writeFigure(outDir, 'gossip-vs-round', figure(runs))
  progress(`${PAPER}: gossip-vs-round written`)
}
