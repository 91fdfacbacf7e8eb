/**
 * `meshgd watch --bootstrap ADDR [--swarm-key FILE] [--swarm ID] [--json] [--exit-when-done]`: the status of a
 * running swarm, from any machine that reaches its bootstrap (an operator with only SSH). A table refreshed in place
 * (peer, round, loss, relative error, state, rounds per second), or with `--json` one JSON line per status update
 * for scripts. It listens only (src/swarm/watch.ts). Ctrl-C ends it (exit 0); so does every peer done with
 * `--exit-when-done`. A bootstrap that cannot be reached (or that refuses an observer without the swarm key) is one
 * line and exit 1.
 */
import { performance } from 'node:perf_hooks'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { checkMultiaddrs, repeatableOption } from '../options.js'
import { abortOnSignals, EXIT_FAILED, EXIT_OK, type Exit } from '../process.js'

export interface WatchCommandOptions {
  bootstrap: string[]
  swarmKey?: string
  swarm?: string
  json?: boolean
  exitWhenDone?: boolean
  connectTimeout: string
}

export async function commandWatch(opts: WatchCommandOptions): Promise<number> {
  if (opts.bootstrap.length === 0) throw new ConfigError('meshgd watch: --bootstrap ADDR is required (the swarm bootstrap\'s multiaddr, as meshgd bootstrap prints it)')
  await checkMultiaddrs('--bootstrap', opts.bootstrap)
  const timeoutS = Number(opts.connectTimeout)
  if (!(timeoutS > 0)) throw new ConfigError(`--connect-timeout ${opts.connectTimeout}: must be a positive number of seconds`)
  const { readSwarmKey } = await import('../../net/identity.js')
  const { SwarmWatch, watchSwarms, watchTable } = await import('../../swarm/watch.js')
  const swarmKey = opts.swarmKey ? readSwarmKey(opts.swarmKey) : null
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  const state = new SwarmWatch(10_000)
  let observer: Awaited<ReturnType<typeof watchSwarms>>
  try {
    observer = await watchSwarms({
      bootstrap: opts.bootstrap,
      swarmKey,
      ...(opts.swarm !== undefined ? { swarm: opts.swarm } : {}),
      connectTimeoutMs: 1000 * timeoutS,
      signal: controller.signal,
      onStatus: (swarm, status) => {
        const view = state.update(swarm, status, performance.now())
        if (opts.json) process.stdout.write(JSON.stringify(view) + '\n')
        if (opts.exitWhenDone && state.allDone()) controller.abort()
      },
    })
  } catch (err) {
    release()
    if (controller.signal.aborted) return EXIT_OK
    const hint = swarmKey ? '' : ' (a keyed swarm refuses observers without its key: pass --swarm-key FILE)'
    console.error(`meshgd: cannot connect to ${opts.bootstrap.join(', ')} within ${timeoutS} s${hint}: ${(err as Error).message}`)
    return EXIT_FAILED
  }
  const redraw = opts.json ? null : setInterval(() => drawTable(watchTable(state.rows(performance.now()), (s) => state.unheard(s))), 1000)
  await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))
  if (redraw) clearInterval(redraw)
  if (!opts.json) drawTable(watchTable(state.rows(performance.now()), (s) => state.unheard(s)))
  release()
  await observer.stop()
  return EXIT_OK
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
    .description('follow a running swarm\'s status from anywhere its bootstrap is reachable: a table, or JSON lines')
    .addOption(repeatableOption('--bootstrap <multiaddr>', 'the swarm\'s bootstrap (as meshgd bootstrap prints it)'))
    .option('--swarm-key <file>', 'the swarm key of a private swarm')
    .option('--swarm <id>', 'follow only this swarm (default: every swarm the bootstrap relays)')
    .option('--json', 'one JSON line per status update instead of the table')
    .option('--exit-when-done', 'exit once every peer of every swarm followed has finished')
    .option('--connect-timeout <s>', 'give up connecting to the bootstrap after this many seconds', '15')
    .action(async (opts: WatchCommandOptions) => {
      throw exit(await commandWatch(opts))
    })
}
