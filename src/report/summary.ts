/**
 * A run's summary as the reports read it: the simulator's (src/sim/run.ts) or a swarm's, launched or gathered from
 * the peers' folders (src/swarm/gather.ts). `meshgd report` reads a simulator's back from its summary.json, which a
 * run of an older meshgd wrote without some of today's fields; what reads a summary here says what it does then.
 */
import type { RunSummary } from '../sim/run.js'
import type { SwarmSummary } from '../swarm/gather.js'
import type { SwarmTimeSplit } from '../swarm/time-split.js'

export type Summary = RunSummary | SwarmSummary

/** Where a swarm's peers spent their round time; null for a simulated run, or peers that did not say. */
export function timeSplitOf(s: Summary): SwarmTimeSplit | null {
  return s.mode === 'sim' ? null : (s.time ?? null)
}
