/**
 * A run's summary as it is printed and shown: the simulator's (src/sim/run.ts) or a swarm's, launched or gathered
 * from the peers' folders (src/swarm/gather.ts), as the one list of labelled figures that `meshgd sim`, `swarm` and
 * `report` print (src/cli/output.ts) and report.html tabulates, with the one number format of both. `meshgd report`
 * reads a simulator's summary back from its summary.json, which a run of an older meshgd wrote without some of
 * today's fields; the rows say what they can of such a summary.
 */
import type { RunSummary } from '../sim/run.js'
import type { SwarmSummary } from '../swarm/gather.js'
import { timeSplitLine, type SwarmTimeSplit } from '../swarm/time-split.js'

export type Summary = RunSummary | SwarmSummary

/** A figure as meshgd prints it: `digits` decimals, or 3 significant in exponent form when tiny or huge; n/a when unknown. */
export function fmt(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a'
  return Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6) ? x.toExponential(3) : x.toFixed(digits)
}

/** Where a swarm's peers spent their round time; null for a simulated run, or peers that did not say. */
export function timeSplitOf(s: Summary): SwarmTimeSplit | null {
  return s.mode === 'sim' ? null : (s.time ?? null)
}

/** The summary's figures, label then value, in the order they are printed and shown. */
export function summaryRows(s: Summary): Array<readonly [string, string]> {
  const rows: Array<readonly [string, string]> = [
    ['peers', `${s.peers}${s.topology ? ` (${s.topology})` : ''}`],
    [
      'rounds',
      `${s.rounds}${s.interrupted ? ` (interrupted at round ${s.rounds} of ${s.experiment.run.rounds})` : ''}${s.converged ? targetNote(s) : ''}${s.diverged ? ' (diverged: the figures below are from the last round)' : ''}`,
    ],
    ['algorithm', algorithmLine(s.experiment.algorithm)],
    ['wall time', `${s.wall_s.toFixed(2)} s`],
    [
      'bytes sent',
      `${s.bytes_sent}${s.bits_per_coordinate === null ? '' : ` (${fmt(s.bytes_per_round, 0)} per round, ${fmt(s.bits_per_coordinate, 2)} bits per coordinate)`}`,
    ],
    ['rate measured', fmt(s.rate_measured)],
    ['rate predicted', `${fmt(s.rate_predicted)}${methodNote(s.theory)}${excitedNote(s.theory)}`],
    ['max error', `${fmt(s.final.max_error)} (relative ${fmt(s.final.relative_max_error)})`],
    ['disagreement', fmt(s.final.disagreement)],
    ['mean loss', fmt(s.final.mean_loss)],
  ]
  const time = timeSplitOf(s)
  if (time) rows.splice(4, 0, ['round time', timeSplitLine(time)])
  if (s.mode !== 'sim' && s.peer_addrs)
    rows.splice(1, 0, ['peer addresses', `${s.peer_addrs.length} peers, e.g. ${s.peer_addrs[0]}`])
  return rows
}

/** `elastic, eta = 1, mu = 0.3`: the values the run used (an `auto` one resolved: the theory's choice). */
function algorithmLine(a: Summary['experiment']['algorithm']): string {
  const short = (x: number): string => String(Number(x.toPrecision(6)))
  const coupling =
    a.kind === 'elastic'
      ? `, mu = ${short(a.mu)}`
      : a.kind === 'quorum'
        ? `, k = ${short(a.k)}`
        : a.kind === 'easgd'
          ? `, alpha = ${short(a.alpha)}`
          : ''
  return `${a.kind}, eta = ${short(a.eta)}${coupling}`
}

/** ` (target reached at round 683: every peer knew it 4 rounds later)`, or ` (target reached)` for older summaries. */
function targetNote(summary: { rounds: number; target_round?: number | null }): string {
  const at = summary.target_round
  if (at === undefined || at === null) return ' (target reached)'
  return at === summary.rounds
    ? ` (target reached at round ${at})`
    : ` (target reached at round ${at}; every peer knew it ${summary.rounds - at} rounds later)`
}

/** How the rate was predicted: the elastic theory with Mitra's bound beside it, or plain gossip's mixing rate. */
function methodNote(theory: Summary['theory']): string {
  if (!theory) return ''
  if (theory.method === 'mixing')
    return theory.rate === 0
      ? ' (mixing: the average is exact after one period, the error then at the floor)'
      : " (mixing: one period's second eigenvalue modulus, per round)"
  return ` (${theory.method}; Mitra's corrected bound ${fmt(theory.mitra_lower_bound)} <= R < 1)`
}

/** `; the modes w^0 excites: 0.97` where that rate is below the full one (the run should show it). */
function excitedNote(theory: { rate: number; rate_excited?: number | null } | null): string {
  const excited = theory?.rate_excited
  return excited === undefined || excited === null || !(excited < theory!.rate - 1e-9)
    ? ''
    : `; the modes w^0 excites: ${fmt(excited)}`
}
