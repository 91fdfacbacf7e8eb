/**
 * What several commands share: repeatable flags, `--set` (one definition, one help text), multiaddr flags checked
 * by name, loading the experiment so that later errors can say where a field came from, the default run directory
 * and the swarm key file.
 */
import { join, resolve } from 'node:path'
import { Option } from 'commander'
import { ConfigError } from '../config/errors.js'
import { loadExperiment, type LoadedExperiment } from '../config/load.js'
import type { ExperimentInput } from '../config/schema.js'
import { latticeWarning } from '../topology/index.js'
import {
  parseDashboardAddress,
  parseMetricsAddress,
  type DashboardAddress,
  type MetricsAddress,
} from '../observe/addresses.js'
import type { MeshgdError } from '../util/errors.js'

const collect = (value: string, previous: string[]): string[] => [...previous, value]

/**
 * A flag that may be given several times, collected into a list. `shownDefault` is what the help says when it is
 * left out (commander would print the empty list as `(default: [])`).
 */
export function repeatableOption(flags: string, description: string, shownDefault = 'none'): Option {
  return new Option(flags, `${description} (repeatable)`).argParser(collect).default([], shownDefault)
}

/** `--set key=value`: override a field of the experiment by its dotted path. */
export function setOption(): Option {
  return repeatableOption('--set <key=value>', 'override a field by its dotted path', 'none')
}

/** Multiaddr flags (--listen, --announce, --bootstrap): each parsed here, so a bad one is refused naming its flag. */
export async function checkMultiaddrs(flag: string, values: readonly string[]): Promise<void> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  for (const value of values) {
    try {
      multiaddr(value)
    } catch (err) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `${flag} ${value}: not a multiaddr (${(err as Error).message}); e.g. /ip4/0.0.0.0/tcp/4001`,
      )
    }
  }
}

let locateLast: ((dotted: string) => string) | null = null

/** loadExperiment for a command: remembers where the fields came from, for `located`. */
export function loadForCommand(file: string, sets: readonly string[]): LoadedExperiment {
  const loaded = loadExperiment(file, sets)
  locateLast = loaded.locate
  return loaded
}

/** One line on stderr when the experiment's grid or torus degenerates (a side of 1 or 2): what it is instead. */
export function warnDegenerateTopology(experiment: ExperimentInput): void {
  const warning = latticeWarning(experiment.topology, experiment.swarm.peers)
  if (warning) console.error(`meshgd: warning: ${warning}`)
}

/**
 * An input error from a later stage (building the graph or the problem) names its field but not where it came
 * from: `topology.degree: ...` becomes `ring.yaml:3: topology.degree: ...` (or `--set: ...`).
 */
export function located(err: MeshgdError): string {
  return err.field && locateLast ? `${locateLast(err.field)}: ${err.message}` : err.message
}

/** `runs/<swarm id>-<time>`: the run directory when `--out` is left out. */
export function defaultOutDir(id: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  return join('runs', `${id}-${stamp}`)
}

/** The swarm key file: `--swarm-key`, else the experiment's `swarm.key_file` (relative to the experiment file). */
export function keyFileOf(
  flag: string | undefined,
  loaded: { experiment: { swarm: { key_file: string | null } }; baseDir: string },
): string | null {
  if (flag) return resolve(flag)
  const file = loaded.experiment.swarm.key_file
  return file ? resolve(loaded.baseDir, file) : null
}

/** `--metrics PORT` or `--metrics /ip4/HOST/tcp/PORT`, as a configuration error when it is neither. */
export function metricsAddressOf(text: string): MetricsAddress {
  try {
    return parseMetricsAddress(text)
  } catch (err) {
    throw new ConfigError('CONFIG_INVALID', (err as Error).message)
  }
}

/** `--dashboard [PORT | HOST:PORT]`, a bad value as a config error (exit 2). */
export function dashboardAddressOf(value: string | true): DashboardAddress {
  try {
    return parseDashboardAddress(value)
  } catch (err) {
    throw new ConfigError('CONFIG_INVALID', (err as Error).message)
  }
}
