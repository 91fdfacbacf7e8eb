/**
 * What the commands print and how a finished run is judged: the run summary (sim, swarm, report), the theory
 * report, and the exit status of a run's outcome (diverged, target reached or not).
 */
import { fmt, summaryRows, type Summary } from '../report/summary.js'
import type { RunSummary } from '../sim/run.js'
import type { MixingTheory } from '../theory/mixing.js'
import type { TheoryReport } from '../theory/predict.js'
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './process.js'

/** The summary's rows (src/report/summary.ts, the table of report.html too) under the run directory, aligned. */
export function printSummary(summary: Summary, out: string): void {
  const lines = [['run directory', out] as const, ...summaryRows(summary)].map(
    ([label, value]) => `${label.padEnd(17)} ${value}`,
  )
  // a predicted rate of 0 is exact averaging (plain gossip): the few rounds above the floor have no rate to compare
  if (summary.rate_measured !== null && summary.rate_predicted !== null && summary.rate_predicted > 0) {
    const gap = Math.abs(1 - summary.rate_measured - (1 - summary.rate_predicted)) / (1 - summary.rate_predicted)
    lines.push(`1-R measured vs predicted: ${(100 * gap).toFixed(2)}% apart`)
  }
  console.log(lines.join('\n'))
}

/** `eta < 1.32`, or in words where the range is empty or unbounded. */
export function stableRange(name: string, max: number): string {
  if (max === 0) return `no ${name} is stable`
  if (!Number.isFinite(max)) return `any ${name} is stable (it has no effect here)`
  return `${name} < ${fmt(max)}`
}

export function printTheory(report: TheoryReport): void {
  const e = report.experiment
  const g = report.graph
  const lines = [
    `experiment        ${e.swarm}: ${e.peers} peers, ${e.topology}, ${e.algorithm}, ${e.loss === 'module' ? 'a problem module' : `${e.loss} loss`}, d = ${e.dim}`,
    `graph             ${g.edges} ${g.changing ? 'links held (the union of its rounds)' : 'edges'}, degree ${g.degree.min}..${g.degree.max} (mean ${fmt(g.degree.mean, 3)})`,
    `laplacian         ${g.changing ? 'of the union: ' : ''}algebraic connectivity ${fmt(g.algebraic_connectivity)}, lambda_max ${fmt(g.laplacian_lambda_max)}`,
  ]
  if (report.mixing) lines.push(...mixingLines(report.mixing))
  const t = report.elastic
  if (t) {
    lines.push(
      `predicted rate    R = ${fmt(t.rate, 8)} per round (${t.method}); 1 - R = ${fmt(1 - t.rate)}`,
      ...(t.rate_excited !== null && t.rate_excited < t.rate - 1e-9
        ? [
            `excited modes     R = ${fmt(t.rate_excited, 8)} for a start common to every peer (w^0 = 0): the slowest modes lie off the samples' span`,
          ]
        : []),
      `Mitra's bound     R >= 1 - eta lambda_min^+(H) = ${fmt(t.mitra_lower_bound, 8)} (Mitra 2018, Sec. III, corrected)`,
      `stable            ${t.stable ? 'yes' : 'NO'}: ${stableRange('eta', t.eta_max)} at mu = ${t.mu}; ${stableRange('mu', t.mu_max)} at eta = ${t.eta}`,
      `sufficient        eta max_i lambda_max(H_i) + mu lambda_max(L) = ${fmt(t.sufficient.eta_times_lambda_max_hi)} + ${fmt(t.sufficient.mu_times_lambda_max_l)} = ${fmt(t.sufficient.sum)} (< 2 guarantees stability)`,
    )
    if (t.mu_optimal)
      lines.push(`best mu           ${fmt(t.mu_optimal.mu)} gives R = ${fmt(t.mu_optimal.rate, 8)} at eta = ${t.eta}`)
  }
  if (report.sgd) {
    const g = report.sgd
    lines.push(
      `SGD (Ma, Bassily & Belkin 2017, Th. 4) over all ${g.samples} samples: beta = ${fmt(g.beta)}, lambda_1 = ${fmt(g.lambda_1)}, lambda_n = ${fmt(g.lambda_n)}`,
      `                  m = ${g.m}: eta* = ${fmt(g.eta_star)}, g* = ${fmt(g.g_star, 8)}; eta_hat = ${fmt(g.eta_hat)}; critical batch m* = beta/lambda_1 = ${fmt(g.m_star, 2)}`,
    )
  }
  if (report.bernoulli)
    lines.push(
      `Bernoulli SGD     (Mitra 2018, Eqs. 11-12) m = ${report.bernoulli.m}: eta* = ${fmt(report.bernoulli.eta_star)}, g* = ${fmt(report.bernoulli.g_star, 8)}`,
    )
  if (report.local) {
    lines.push(
      `local steps       (Zhang & Li 2022, Sec. 4) local decay beta = ${fmt(report.local.beta)}; T* = ${report.local.t_star.map((x) => `${fmt(x.t_star, 1)} at r = ${x.r}`).join(', ')}`,
    )
  }
  if (report.quorum) {
    const q = report.quorum
    lines.push(
      `quorum noise      (Boffi & Slotine 2020) stationary loss of the mean eta Tr(H)/(4 b p) = ${fmt(q.mean_loss)}${q.agent_deviation_variance === null ? '' : `; agent deviation variance ${fmt(q.agent_deviation_variance)}`}`,
    )
  }
  if (report.qsgd)
    lines.push(
      `QSGD              ${report.qsgd.map((q) => `s = ${q.levels}: variance x${fmt(q.variance_factor, 3)}, ${q.bits_per_message} bits`).join('; ')}`,
    )
  if (report.note) lines.push(`note              ${report.note}`)
  console.log(lines.join('\n'))
}

/**
 * The `mixing` section: the rate of one period's product of round matrices (docs/algorithms.md "Graphs that
 * change, graphs that point one way"), whether it averages exactly, and to what.
 */
function mixingLines(m: MixingTheory): string[] {
  const matrices = m.weights === 'mixing' ? 'W(t) row-stochastic' : 'push shares P(t) column-stochastic'
  const period =
    m.period === null ? 'never repeats' : m.period === 1 ? 'the same every round' : `period ${m.period} rounds`
  const lines = [`mixing            ${matrices}, ${period}${mixingRate(m)}`]
  if (m.doubly_stochastic !== null) lines.push(`                  doubly stochastic: ${stochasticNote(m)}`)
  if (m.note && m.limit_weight_ratio === null) lines.push(`                  ${m.note}`)
  return lines
}

/** `: second eigenvalue modulus ..., R = ... per round`, exact averaging, or a random matching's mean-square rate. */
function mixingRate(m: MixingTheory): string {
  if (m.exact_after !== null)
    return `: exact average after ${m.exact_after} rounds, the product is 11^T / n (Ying et al. 2021); R = 0`
  if (m.contraction !== null && m.rate_per_round !== null)
    return `: second eigenvalue modulus ${fmt(m.contraction, 8)} (one period's product), R = ${fmt(m.rate_per_round, 8)} per round; 1 - R = ${fmt(1 - m.rate_per_round)}`
  if (m.mean_square_rate !== null)
    return `: root-mean-square rate ${fmt(m.mean_square_rate, 8)} per round (Boyd, Ghosh, Prabhakar & Shah 2006)`
  return ''
}

/** Whether gossip by these weights averages to the mean, and to what when not. */
function stochasticNote(m: MixingTheory): string {
  if (m.doubly_stochastic) return 'yes, gossip keeps the mean'
  if (m.weights === 'push') return 'no; push-sum and push-diging divide by their weights s_i and still reach the mean'
  const ratio = m.limit_weight_ratio === null ? '' : ` (largest weight ${fmt(m.limit_weight_ratio, 3)} x the smallest)`
  return `no; plain gossip (dsgd) goes to a weighted mean of the starts${ratio}, not the mean`
}

export function simExitCode(summary: RunSummary): number {
  if (summary.interrupted) {
    console.error(
      `meshgd: interrupted at round ${summary.rounds} of ${summary.experiment.run.rounds}; the outputs are of the rounds done`,
    )
    return EXIT_INTERRUPTED
  }
  if (summary.diverged) {
    console.error(
      `meshgd: the run diverged by round ${summary.rounds} (a parameter grew past 1e150 in magnitude, or became NaN); lower algorithm.eta or algorithm.mu (\`meshgd theory\` gives the stable ranges)`,
    )
    return EXIT_FAILED
  }
  return targetExitCode(summary)
}

/**
 * `run.target` is a bound on the relative error against the reference solution: judged only where there is one
 * (a logistic or softmax problem has none, so the target is reported as not judged, not as missed).
 */
export function targetExitCode(summary: Pick<RunSummary, 'experiment' | 'converged' | 'rounds' | 'final'>): number {
  const target = summary.experiment.run.target
  if (target === null || summary.converged) return EXIT_OK
  if (summary.final.max_error === null) {
    console.error(
      `meshgd: run.target ${target} not judged: this problem has no reference solution to measure the error against`,
    )
    return EXIT_OK
  }
  console.error(`meshgd: run.target ${target} not reached in ${summary.rounds} rounds`)
  return EXIT_FAILED
}
