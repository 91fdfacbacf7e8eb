/**
 * A swarm's outputs gathered into one run directory: every peer's `info.json`, records and final parameters read
 * back, merged into `metrics.jsonl`, and judged into `summary.json` against the reference and the theory; for a
 * launched swarm (local.ts), one stopped by Ctrl-C, and one whose peers ran elsewhere (`meshgd report`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { messageLength } from '../algorithms/peer-step.js'
import type { ExperimentInput } from '../config/schema.js'
import { summaryEvaluation, type RoundRecord } from '../exchange/records.js'
import { runReference } from '../exchange/reference.js'
import { resolveExperiment } from '../exchange/resolve.js'
import { distance, maxPairwiseDistance, norm } from '../linalg/kernels.js'
import { maxErrorByRound, measuredRateFromPoints } from '../observe/measured-rate.js'
import { readFloat64Le } from '../util/float-bytes.js'
import { RunDirectory } from '../observe/run-dir.js'
import type { PeerInfo } from '../peer/runtime.js'
import { wireAccounting, type RunSummary } from '../sim/run.js'
import { predictRate } from '../theory/predict.js'
import { topologyName } from '../topology/index.js'
import { summariseTimes, type SwarmTimeSplit } from './time-split.js'
import { MeshgdError, type Outcome } from '../util/errors.js'

export interface SwarmSummary extends Omit<RunSummary, 'mode'> {
  /** `swarm`: launched here; `report`: gathered afterwards from peers' folders (`meshgd report`) */
  mode: 'swarm' | 'report'
  peer_addrs: string[]
  /** the bootstrap the launcher started (`meshgd watch --bootstrap` follows the swarm there); null for a report */
  bootstrap: string | null
  rejected_messages: number
  /** where the peers' round time went (compute, waiting on neighbours, sending); null for peers without it */
  time: SwarmTimeSplit | null
}

export class SwarmError extends MeshgdError<'BOOTSTRAP_FAILED' | 'PEER_FAILED' | 'INTERRUPTED' | 'MISSING_OUTPUT'> {
  override readonly name = 'SwarmError'
  constructor(code: SwarmError['code'], message: string) {
    super(code, message, { outcome: SWARM_OUTCOMES[code] ?? 'failure' })
  }
}

/** `meshgd report` on a folder without a run's outputs is the user's input; a stopped swarm was interrupted. */
const SWARM_OUTCOMES: Partial<Record<SwarmError['code'], Outcome>> = {
  INTERRUPTED: 'interrupted',
  MISSING_OUTPUT: 'input',
}

/**
 * After Ctrl-C: every peer stopped between rounds and wrote its outputs (info.json marks it interrupted), so the
 * summary and merged metrics of the rounds done are written as for a finished run. A peer that wrote nothing (killed
 * before its first round) leaves no summary to write.
 */
export function gatherInterrupted(
  out: string,
  resolved: ReturnType<typeof resolveExperiment>,
  wallS: number,
  bootstrap: string,
): SwarmSummary {
  const missing = Array.from({ length: resolved.graph.n }, (_, i) => i).filter(
    (i) => !existsSync(join(out, 'peers', String(i), 'info.json')) || !existsSync(join(out, 'params', `${i}.f64`)),
  )
  if (missing.length > 0)
    throw new SwarmError(
      'INTERRUPTED',
      `interrupted: every peer was stopped; no summary (peer ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', ...' : ''} wrote no outputs yet)`,
    )
  return gather(out, resolved, wallS, 'swarm', true, bootstrap)
}

/**
 * `meshgd report EXPERIMENT DIR`: the summary and merged metrics of a run whose peers ran elsewhere (VMs,
 * containers), from their `peers/<i>/` and `params/<i>.f64` copied into DIR. Wall time: the slowest peer's.
 */
export function report(out: string, experiment: ExperimentInput, baseDir: string): SwarmSummary {
  const resolved = resolveExperiment(experiment, baseDir)
  const missing: string[] = []
  for (let i = 0; i < resolved.graph.n; i++) {
    for (const f of [join('peers', String(i), 'info.json'), join('params', `${i}.f64`)])
      if (!existsSync(join(out, f))) missing.push(f)
  }
  if (missing.length > 0) {
    throw new SwarmError(
      'MISSING_OUTPUT',
      `${out}: missing ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ` and ${missing.length - 4} more` : ''} (copy every peer's peers/<i>/ and params/<i>.f64 here)`,
    )
  }
  const wall = Math.max(
    ...Array.from(
      { length: resolved.graph.n },
      (_, i) => (JSON.parse(readFileSync(join(out, 'peers', String(i), 'info.json'), 'utf8')) as PeerInfo).wall_s,
    ),
  )
  // a launcher's own summary keeps its wall time (start to finish, start-up included) and its bootstrap
  const launched = launcherSummary(out)
  return gather(out, resolved, launched?.wall_s ?? wall, 'report', false, launched?.bootstrap ?? null)
}

/** The summary `meshgd swarm` wrote into `out`, if that is what is there. */
function launcherSummary(out: string): { wall_s: number; bootstrap: string | null } | null {
  try {
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      mode?: unknown
      wall_s?: unknown
      bootstrap?: unknown
    }
    if (s.mode !== 'swarm' || typeof s.wall_s !== 'number') return null
    return { wall_s: s.wall_s, bootstrap: typeof s.bootstrap === 'string' ? s.bootstrap : null }
  } catch {
    return null
  }
}

export function gather(
  out: string,
  resolved: ReturnType<typeof resolveExperiment>,
  wallS: number,
  mode: SwarmSummary['mode'] = 'swarm',
  stopped = false,
  bootstrap: string | null = null,
): SwarmSummary {
  const outputs = readPeerOutputs(out, resolved.graph.n)
  const dir = new RunDirectory(out, 0)
  try {
    dir.appendRecords(outputs.records)
    const summary = swarmSummary(resolved, outputs, { wallS, mode, stopped, bootstrap })
    dir.writeSummary(summary)
    return summary
  } finally {
    dir.close()
  }
}

/** What every peer left in the run directory: its info.json, its records (merged in round order), its parameters. */
interface PeerOutputs {
  infos: PeerInfo[]
  records: RoundRecord[]
  params: Float64Array[]
}

function readPeerOutputs(out: string, n: number): PeerOutputs {
  const outputs: PeerOutputs = { infos: [], records: [], params: [] }
  for (let i = 0; i < n; i++) {
    const dir = join(out, 'peers', String(i))
    outputs.infos.push(JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as PeerInfo)
    const text = existsSync(join(dir, 'metrics.jsonl')) ? readFileSync(join(dir, 'metrics.jsonl'), 'utf8') : ''
    for (const line of text.split('\n')) if (line.trim()) outputs.records.push(JSON.parse(line) as RoundRecord)
    outputs.params.push(readFloat64Le(readFileSync(join(out, 'params', `${i}.f64`))))
  }
  outputs.records.sort((a, b) => a.round - b.round || a.peer - b.peer)
  return outputs
}

function swarmSummary(
  resolved: ReturnType<typeof resolveExperiment>,
  { infos, records, params }: PeerOutputs,
  run: { wallS: number; mode: SwarmSummary['mode']; stopped: boolean; bootstrap: string | null },
): SwarmSummary {
  const { experiment, graph } = resolved
  const n = graph.n
  const reference = runReference(resolved)
  const refNorm = reference ? norm(reference.w) : 0
  const rounds = Math.min(...infos.map((x) => x.rounds))
  const finals = records.filter((r) => r.round === rounds)
  const maxError = reference ? Math.max(...params.map((w) => distance(w, reference.w))) : null
  const relative = maxError === null ? null : maxError / (refNorm > 0 ? refNorm : 1)
  const theory = predictRate(resolved)
  const total = (of: (x: PeerInfo) => number): number => infos.reduce((s, x) => s + of(x), 0)
  return {
    mode: run.mode,
    swarm: experiment.swarm.id,
    peers: n,
    topology: topologyName(experiment.topology, n),
    rounds,
    converged: experiment.run.target !== null && relative !== null && relative <= experiment.run.target,
    target_round: infos.every((x) => typeof x.target_round === 'number')
      ? Math.max(...infos.map((x) => x.target_round!))
      : null,
    interrupted: run.stopped || infos.some((x) => x.interrupted),
    diverged: false,
    wall_s: run.wallS,
    bytes_sent: total((x) => x.bytes_sent),
    bytes_received: total((x) => x.bytes_received),
    ...wireAccounting(
      total((x) => x.bytes_sent),
      rounds,
      total((x) => x.messages_sent),
      messageLength(experiment.algorithm, resolved.problem.paramDim),
    ),
    rate_measured: reference ? measuredRateFromPoints(maxErrorByRound(records), refNorm) : null,
    rate_predicted: theory?.rate ?? null,
    theory,
    reference: reference?.kind ?? null,
    final: {
      max_error: maxError,
      relative_max_error: relative,
      disagreement: maxPairwiseDistance(params),
      mean_loss: finals.reduce((s, r) => s + r.loss, 0) / Math.max(1, finals.length),
      ...summaryEvaluation(resolved.problem, finals, params),
    },
    experiment: resolved.experiment,
    peer_addrs: infos.map((x) => x.addrs[0] ?? ''),
    bootstrap: run.bootstrap,
    rejected_messages: total((x) => Object.values(x.rejects).reduce((a, b) => a + b, 0)),
    time: summariseTimes(infos),
  }
}
