/**
 * `meshgd watch --bootstrap ADDR [--swarm-key FILE] [--swarm ID] [--json] [--exit-when-done] [--dashboard [PORT]]
 * [--experiment FILE]`: the status of a running swarm, from any machine that reaches its bootstrap (an operator with
 * only SSH). A table refreshed in place (peer, round, loss, relative error, state, rounds per second), with `--json`
 * one JSON line per status update for scripts, or with `--dashboard` a live web page (src/swarm/dashboard.ts; with
 * `--experiment` it draws the graph and the predicted rate). It listens only (src/swarm/watch.ts). Ctrl-C ends it
 * (exit 0); so does every peer done with `--exit-when-done`, which also gives up (exit 1, one line) when no peer has
 * said anything for 15 s, as behind a swarm that has already finished. A bootstrap that cannot be reached (or that refuses an
 * observer without the swarm key) is one line and exit 1.
 */
import { performance } from 'node:perf_hooks'
import type { Command } from 'commander'
import type { ResolvedExperiment } from '../../exchange/resolve.js'
import { ConfigError } from '../../config/errors.js'
import { DASHBOARD_PORT } from '../../dashboard/dashboard-server.js'
import type { LiveDashboard } from '../../swarm/dashboard.js'
import { checkMultiaddrs, dashboardAddressOf, loadForCommand, repeatableOption, setOption } from '../options.js'
import { abortOnSignals, EXIT_FAILED, EXIT_OK, type Exit } from '../process.js'

export interface WatchCommandOptions {
  bootstrap: string[]
  swarmKey?: string
  swarm?: string
  json?: boolean
  exitWhenDone?: boolean
  connectTimeout: string
  dashboard?: string | true
  experiment?: string
  set: string[]
}

export async function commandWatch(opts: WatchCommandOptions): Promise<number> {
  const timeoutS = await checkWatchOptions(opts)
  const { readSwarmKey } = await import('../../net/identity.js')
  const { SwarmWatch, watchSwarms, watchTable } = await import('../../swarm/watch.js')
  const swarmKey = opts.swarmKey ? readSwarmKey(opts.swarmKey) : null
  const resolved = opts.experiment === undefined ? undefined : await resolvedExperiment(opts.experiment, opts.set)
  const swarm = opts.swarm ?? resolved?.experiment.swarm.id
  const dashboard = opts.dashboard === undefined ? null : await openWatchDashboard(opts.dashboard, resolved)
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  const state = new SwarmWatch(10_000)
  let observer: Awaited<ReturnType<typeof watchSwarms>>
  let lastHeard = performance.now()
  try {
    observer = await watchSwarms({
      bootstrap: opts.bootstrap,
      swarmKey,
      ...(swarm !== undefined ? { swarm } : {}),
      connectTimeoutMs: 1000 * timeoutS,
      signal: controller.signal,
      onStatus: (swarm, status) => {
        lastHeard = performance.now()
        const view = state.update(swarm, status, lastHeard)
        dashboard?.onStatus(swarm, status)
        if (opts.json) process.stdout.write(JSON.stringify(view) + '\n')
        if (opts.exitWhenDone && state.allDone()) controller.abort()
      },
    })
  } catch (err) {
    release()
    await dashboard?.close()
    return controller.signal.aborted ? EXIT_OK : cannotConnect(opts, timeoutS, swarmKey !== null, err as Error)
  }
  const table = (): void => drawTable(watchTable(state.rows(performance.now()), (s) => state.unheard(s)))
  const redraw = opts.json || dashboard ? null : setInterval(table, 1000)
  lastHeard = performance.now()
  const quiet = opts.exitWhenDone ? whenQuiet(() => lastHeard, 1000 * Math.max(QUIET_S, timeoutS), controller) : null
  await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))
  if (redraw) clearInterval(redraw)
  if (!opts.json) table()
  release()
  await observer.stop()
  await dashboard?.close()
  if (!quiet?.stop()) return EXIT_OK
  const why = state.allDone()
    ? ''
    : state.rows(0).length === 0
      ? ': no swarm is running behind this bootstrap (or it has finished)'
      : ': the swarm stopped before every peer was done'
  console.error(`meshgd: no status from any peer for ${Math.max(QUIET_S, timeoutS)} s${why}`)
  return EXIT_FAILED
}

/** The flags that must hold before anything connects; returns --connect-timeout in seconds. */
async function checkWatchOptions(opts: WatchCommandOptions): Promise<number> {
  if (opts.bootstrap.length === 0)
    throw new ConfigError(
      'CONFIG_INVALID',
      "meshgd watch: --bootstrap ADDR is required (the swarm bootstrap's multiaddr, as meshgd bootstrap prints it)",
    )
  await checkMultiaddrs('--bootstrap', opts.bootstrap)
  const timeoutS = Number(opts.connectTimeout)
  if (!(timeoutS > 0))
    throw new ConfigError(
      'CONFIG_INVALID',
      `--connect-timeout ${opts.connectTimeout}: must be a positive number of seconds`,
    )
  if (opts.set.length > 0 && opts.experiment === undefined)
    throw new ConfigError(
      'CONFIG_INVALID',
      `--set ${opts.set[0]}: watch applies --set to --experiment FILE; give the file (the swarm's own run.rounds is learnt from its statuses)`,
    )
  return timeoutS
}

/** The bootstrap could not be reached: one line, with the swarm key hint when no key was given. */
function cannotConnect(opts: WatchCommandOptions, timeoutS: number, keyed: boolean, err: Error): number {
  const hint = keyed ? '' : ' (a keyed swarm refuses observers without its key: pass --swarm-key FILE)'
  console.error(`meshgd: cannot connect to ${opts.bootstrap.join(', ')} within ${timeoutS} s${hint}: ${err.message}`)
  return EXIT_FAILED
}

/**
 * With --exit-when-done: a swarm that has already finished (or never started) publishes nothing, so silence this
 * long ends the watch (peers publish at least every max(1 s, 25 ms n): a swarm of any size is heard within seconds).
 */
const QUIET_S = 15

/** Aborts `controller` once `lastHeard()` is older than `quietMs`; stop() says whether that is why it ended. */
function whenQuiet(lastHeard: () => number, quietMs: number, controller: AbortController): { stop: () => boolean } {
  let fired = false
  const timer = setInterval(() => {
    if (performance.now() - lastHeard() <= quietMs) return
    fired = true
    controller.abort()
  }, 500)
  return {
    stop: () => {
      clearInterval(timer)
      return fired
    },
  }
}

/** `--experiment FILE` (and its `--set`s): the swarm's graph and theory for the dashboard, and the swarm to follow. */
async function resolvedExperiment(file: string, sets: readonly string[]): Promise<ResolvedExperiment> {
  const loaded = loadForCommand(file, sets)
  const { resolveExperiment } = await import('../../exchange/resolve.js')
  return resolveExperiment(loaded.experiment, loaded.baseDir)
}

/** The dashboard, its address on stderr (the first line a script reads). */
async function openWatchDashboard(
  value: string | true,
  resolved: ResolvedExperiment | undefined,
): Promise<LiveDashboard> {
  const address = dashboardAddressOf(value)
  const { openDashboard } = await import('../../swarm/dashboard.js')
  const dashboard = await openDashboard({ address, ...(resolved ? { resolved } : {}) })
  console.error(`meshgd: dashboard at ${dashboard.url}`)
  return dashboard
}

/** In place on a terminal (cursor home, clear), else one block after another. */
function drawTable(table: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\x1b[H\x1b[2J${table}\n`)
  else process.stdout.write(`${table}\n\n`)
}

/** Adds `meshgd watch` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerWatchCommand(program: Command, exit: Exit): void {
  program
    .command('watch')
    .description("follow a running swarm's status from anywhere its bootstrap is reachable: a table, or JSON lines")
    .addOption(repeatableOption('--bootstrap <multiaddr>', "the swarm's bootstrap (as meshgd bootstrap prints it)"))
    .option('--swarm-key <file>', 'the swarm key of a private swarm')
    .option('--swarm <id>', 'follow only this swarm (default: every swarm the bootstrap relays)')
    .option('--json', 'one JSON line per status update instead of the table')
    .option(
      '--exit-when-done',
      'exit once every peer of every swarm followed has finished (exit 1 after 15 s without any status)',
    )
    .option('--connect-timeout <s>', 'give up connecting to the bootstrap after this many seconds', '15')
    .option(
      '--dashboard [port]',
      `serve a live web page of the swarm instead of the table, on PORT or HOST:PORT (default 127.0.0.1:${DASHBOARD_PORT})`,
    )
    .option(
      '--experiment <file>',
      'the experiment the swarm runs: the dashboard draws its graph and predicted rate, and only its swarm is followed',
    )
    .addOption(setOption())
    .action(async (opts: WatchCommandOptions) => {
      throw exit(await commandWatch(opts))
    })
}
