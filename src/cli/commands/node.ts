/**
 * `meshgd node EXPERIMENT`: run one peer, what a container or VM runs. Its index comes from `--index`,
 * `--index-from-hostname` or `--index-from-env` (nodeIndexOf in ./k8s.ts); it writes peers/<i>/ and
 * params/<i>.f64 in its run directory and keeps the heartbeat file of `meshgd health` fresh while it runs.
 */
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { pinsOf } from '../../config/pins.js'
import { portableExperiment } from '../../config/portable.js'
import type { ExperimentInput } from '../../config/schema.js'
import {
  checkMultiaddrs,
  keyFileOf,
  loadForCommand,
  metricsAddressOf,
  repeatableOption,
  setOption,
} from '../options.js'
import { MeshgdError } from '../../util/errors.js'
import type { PeerEvent } from '../../peer/types.js'
import { eventLine, EVENTS_ENV } from '../../swarm/peer-events.js'
import { abortOnSignals, EXIT_INTERRUPTED, EXIT_OK, exitStatusOf, heartbeat, type Exit } from '../process.js'
import { claimPeerDirectory } from '../run-claim.js'
import { nodeIndexOf, type NodeIndexOptions } from './k8s.js'

export interface NodeCommandOptions extends NodeIndexOptions {
  listen: string[]
  announce: string[]
  bootstrap: string[]
  out?: string
  set: string[]
  swarmKey?: string
  quiet?: boolean
  logJson?: boolean
  delayMs?: string
  metrics?: string
}

export async function commandNode(file: string, opts: NodeCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  const index = nodeIndexOf(opts, loaded.experiment.swarm.peers) // --index, --index-from-hostname or --index-from-env
  await checkMultiaddrs('--listen', opts.listen)
  await checkMultiaddrs('--announce', opts.announce)
  await checkMultiaddrs('--bootstrap', opts.bootstrap)
  const metrics = opts.metrics === undefined ? undefined : metricsAddressOf(opts.metrics)
  const out = resolve(opts.out ?? join('runs', `${loaded.experiment.swarm.id}-node`))
  const experiment = portableExperiment(loaded.experiment, loaded.baseDir)
  claimPeerDirectory(out, experiment, index)
  const { runPeer } = await import('../../peer/runtime.js')
  const { nodePlatform } = await import('../../peer-node/platform.js')
  const { readSwarmKey } = await import('../../net/identity.js')
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  const stopBeat = heartbeat(`peer ${index}`)
  const log = await peerLog(opts, index, loaded.experiment.swarm.id)
  try {
    const metricsAt = metrics && {
      ...metrics,
      onListening: (url: string) => (log ?? console.error)(`peer ${index}: metrics at ${url}`),
    }
    const platform = nodePlatform({ baseDir: loaded.baseDir, out, index, ...(metricsAt ? { metrics: metricsAt } : {}) })
    const info = await runPeer({
      experiment,
      index,
      platform,
      listen: opts.listen.length > 0 ? opts.listen : defaultListen(loaded.experiment, index),
      announce: opts.announce,
      bootstrap: opts.bootstrap,
      swarmKey: keyFileOf(opts.swarmKey, loaded) ? readSwarmKey(keyFileOf(opts.swarmKey, loaded)!) : null,
      signal: controller.signal,
      log,
      // a launcher (`meshgd swarm`) follows the start through these lines, not the log (src/swarm/peer-events.ts)
      ...(process.env[EVENTS_ENV] === 'stdout'
        ? { onEvent: (event: PeerEvent) => void process.stdout.write(eventLine(event)) }
        : {}),
      ...(opts.delayMs !== undefined ? { delayMs: delayOf(opts.delayMs) } : {}),
    })
    if (!opts.quiet) {
      const line = info.interrupted ? `interrupted at round ${info.rounds}` : `done after ${info.rounds} rounds`
      log?.(`peer ${index}: ${line}, ${info.bytes_sent} bytes sent`)
    }
    return info.interrupted ? EXIT_INTERRUPTED : EXIT_OK
  } catch (err) {
    // with --log-json the error is a JSON line too (level error), so a log collector sees one stream
    if (!(err instanceof MeshgdError && opts.logJson && log)) throw err
    log(`meshgd: ${err.message}`, 'error')
    return exitStatusOf(err)
  } finally {
    stopBeat()
    release()
  }
}

/** The peer's log lines: none with `--quiet`, JSON objects with `--log-json`, else plain lines; all on stderr. */
async function peerLog(
  opts: Pick<NodeCommandOptions, 'quiet' | 'logJson'>,
  index: number,
  swarm: string,
): Promise<((line: string, level?: 'info' | 'error') => void) | undefined> {
  if (opts.logJson) {
    // one JSON object per line on stderr (pino), for log collectors on VMs and in containers: every line the peer
    // writes, its last one and its errors included
    const { pino } = await import('pino')
    const logger = pino({ base: { peer: index, swarm } }, pino.destination({ fd: 2, sync: true }))
    return (line, level = 'info') => logger[level](line)
  }
  return opts.quiet ? undefined : (line) => console.error(line)
}

function delayOf(text: string): number {
  const ms = Number(text)
  if (!Number.isFinite(ms) || ms < 0 || ms > 600_000)
    throw new ConfigError('CONFIG_INVALID', `--delay-ms ${text}: must be a number of milliseconds in 0..600000`)
  return ms
}

/**
 * A pinned peer listens on its pinned address (without /p2p/...); others on any port of every interface; and where
 * browser tabs hold some indices (`swarm.browser_peers`), on WebSockets too, where tabs reach Node peers.
 */
function defaultListen(experiment: ExperimentInput, index: number): string[] {
  const pin = pinsOf(experiment).get(index)
  const browsers = experiment.swarm.browser_peers.length > 0 ? ['/ip4/0.0.0.0/tcp/0/ws'] : []
  return [pin ? pin.addr.replace(/\/p2p\/[^/]+$/, '') : '/ip4/0.0.0.0/tcp/0', ...browsers]
}

/** Adds `meshgd node` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerNodeCommand(program: Command, exit: Exit): void {
  program
    .command('node')
    .description('run one peer (what a container or VM runs)')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('--index <i>', "this peer's index in the graph")
    .option(
      '--index-from-hostname',
      'the index is the number after the last - of the hostname (a Kubernetes StatefulSet pod, meshgd-demo-3)',
    )
    .option(
      '--index-from-env <var>',
      'the index is in this environment variable (a number, or a name ending in -<index>)',
    )
    .addOption(repeatableOption('--listen <multiaddr>', 'address to listen on', '/ip4/0.0.0.0/tcp/0'))
    .addOption(repeatableOption('--announce <multiaddr>', 'address to tell the others', 'the listening addresses'))
    .addOption(repeatableOption('--bootstrap <multiaddr>', 'bootstrap node'))
    .option('--out <dir>', 'run directory: writes peers/<i>/ and params/<i>.f64')
    .option('--swarm-key <file>', 'libp2p private-network key (/key/swarm/psk/1.0.0/)')
    .option('--quiet', 'no log lines')
    .option('--log-json', 'log lines as JSON objects (pino) on stderr')
    .option('--delay-ms <ms>', 'sleep this long after every round: a deliberately slow peer (straggler experiments)')
    .option(
      '--metrics <addr>',
      'serve Prometheus metrics at /metrics on this port or multiaddr (/ip4/0.0.0.0/tcp/9464); off by default',
    )
    .addOption(setOption())
    .action(async (file: string, opts: NodeCommandOptions) => {
      throw exit(await commandNode(file, opts))
    })
}
