/**
 * Claiming a run directory before anything is written (`--out`): a folder holding a run of another experiment is
 * refused in one line (`--force` replaces it), so two runs never mix their files; a folder holding this
 * experiment's checkpoints is resumed, and says so. The claim writes `experiment.json` first (docs/design.md "The run directory").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../config/errors.js'
import { EXPERIMENT_FILE, experimentText, runDifference } from '../config/portable.js'
import type { ExperimentInput } from '../config/schema.js'
import { writeFileAtomic } from '../observe/run-dir.js'

/** What meshgd writes into a run directory; `--force` removes these and nothing else. */
const RUN_FILES = [EXPERIMENT_FILE, 'summary.json', 'metrics.jsonl', 'params', 'peers', 'lab.json']

export interface Claim {
  /** the folder held this experiment's run already */
  same: boolean
  /** the newest round every peer has a checkpoint of (0: none), when `same` */
  resumeFrom: number
  /** the folder holds a finished run of this experiment (its summary.json, no peer interrupted) */
  finished: boolean
  /** the folder held this experiment with fewer rounds: it goes on to the new run.rounds (null: not extended) */
  extended: { from: number; to: number } | null
}

/**
 * The rounds a recorded run is extended by, when `asked` is the same experiment but for a larger run.rounds (its
 * peers' checkpoints do not depend on run.rounds: they go on where they stopped), else null.
 */
function extension(recorded: unknown, asked: ExperimentInput): { from: number; to: number } | null {
  const run = (recorded as { run?: { rounds?: unknown } } | null)?.run
  if (typeof run?.rounds !== 'number' || !(asked.run.rounds > run.rounds)) return null
  const same =
    runDifference(recorded, { ...asked, run: { ...asked.run, rounds: run.rounds } } as ExperimentInput) === null
  return same ? { from: run.rounds, to: asked.run.rounds } : null
}

/** The recorded experiment of a run directory, or null when it has none. */
export function recordedExperiment(dir: string): unknown {
  const file = join(dir, EXPERIMENT_FILE)
  if (!existsSync(file)) return null
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch (err) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `${file}: not a readable experiment record (${(err as Error).message}); pass --force to replace the run`,
    )
  }
}

/**
 * Claim `dir` for `experiment` (already portable: paths absolute). Refuses a folder with another experiment's
 * run, or an unrecorded one, unless `force`, which removes meshgd's files there first (also when the run there is
 * of this experiment: `--force` starts over rather than resuming).
 */
export function claimRunDirectory(
  dir: string,
  experiment: ExperimentInput,
  opts: { force?: boolean; flag?: string } = {},
): Claim {
  const flag = opts.flag ?? '--out'
  const present = existsSync(dir) ? RUN_FILES.filter((f) => existsSync(join(dir, f))) : []
  const recorded = present.includes(EXPERIMENT_FILE) ? recordedExperiment(dir) : null
  const extended = recorded === null || opts.force ? null : extension(recorded, experiment)
  const difference =
    recorded === null
      ? present.length > 0
        ? 'no experiment.json'
        : null
      : extended
        ? null
        : runDifference(recorded, experiment)
  if (difference !== null && !opts.force) {
    const what =
      recorded === null
        ? `a run of an unrecorded experiment (${present.join(', ')}, no experiment.json)`
        : `a run of another experiment (${difference})`
    throw new ConfigError(
      'CONFIG_INVALID',
      `${flag} ${dir}: holds ${what}; pass --force to replace it, or choose another ${flag}`,
    )
  }
  // --force starts over: meshgd's files go, whether the run there is of another experiment or of this one
  const replace = difference !== null || (opts.force === true && present.length > 0)
  if (replace) for (const f of present) rmSync(join(dir, f), { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileAtomic(join(dir, EXPERIMENT_FILE), experimentText(experiment))
  const same = !replace && recorded !== null
  return {
    same,
    resumeFrom: same ? checkpointRound(dir, experiment.swarm.peers) : 0,
    finished: same && extended === null && finishedRun(dir),
    extended,
  }
}

/** The newest checkpoint round that every peer has (from the file names; the peers check the contents). */
function checkpointRound(dir: string, peers: number): number {
  let round = Infinity
  for (let i = 0; i < peers; i++) {
    const state = join(dir, 'peers', String(i), 'state')
    const names = existsSync(state) ? readdirSync(state) : []
    const rounds = names
      .map((n) => /^checkpoint-(\d{10})\.bin$/.exec(n))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
    round = Math.min(round, rounds.length > 0 ? Math.max(...rounds) : 0)
  }
  return Number.isFinite(round) ? round : 0
}

function finishedRun(dir: string): boolean {
  try {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { interrupted?: boolean }
    return summary.interrupted !== true
  } catch {
    return false
  }
}

/**
 * A peer's claim (`meshgd node --out DIR`): the folder may be shared with other peers of the swarm and hold their
 * files, so only a recorded experiment that differs is refused; an unrecorded folder gets this experiment's record.
 */
export function claimPeerDirectory(dir: string, experiment: ExperimentInput, index: number): void {
  const recorded = recordedExperiment(dir)
  const extended = recorded === null ? null : extension(recorded, experiment)
  const difference = recorded === null || extended ? null : runDifference(recorded, experiment)
  if (difference !== null) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `--out ${dir}: peer ${index}: the run there is of another experiment (${difference}); give this peer another --out, or remove that run`,
    )
  }
  mkdirSync(dir, { recursive: true })
  // a run given more rounds goes on from this peer's checkpoint (the record says the rounds it now runs)
  if (recorded === null || extended) writeFileAtomic(join(dir, EXPERIMENT_FILE), experimentText(experiment))
}
