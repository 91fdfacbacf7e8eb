/**
 * `meshgd health`: exit 0 when this container's meshgd process has written its heartbeat file within `--max-age`
 * seconds (a Docker HEALTHCHECK; the file is MESHGD_HEALTH_FILE, written every 5 s while the event loop runs, see
 * heartbeat in ../process.ts). bin/meshgd.js answers the plain forms itself through ../health-check.ts, without
 * loading the program; this command is what parses and refuses anything else.
 */
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { heartbeatProblem } from '../health-check.js'
import { EXIT_FAILED, EXIT_OK, type Exit } from '../process.js'

export function commandHealth(opts: { file?: string; maxAge: string }): number {
  const file = opts.file ?? process.env.MESHGD_HEALTH_FILE
  if (!file)
    throw new ConfigError('CONFIG_INVALID', 'meshgd health: no heartbeat file (set MESHGD_HEALTH_FILE or pass --file)')
  const maxAge = Number(opts.maxAge)
  if (opts.maxAge.trim() === '' || !Number.isFinite(maxAge))
    throw new ConfigError('CONFIG_INVALID', `--max-age ${opts.maxAge}: must be a number of seconds`)
  const problem = heartbeatProblem(file, maxAge)
  if (problem) console.error(`meshgd: ${problem}`)
  return problem ? EXIT_FAILED : EXIT_OK
}

/** Adds `meshgd health` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerHealthCommand(program: Command, exit: Exit): void {
  program
    .command('health')
    .description("exit 0 when this machine's meshgd process is alive (a container healthcheck)")
    .option('--file <file>', 'heartbeat file (default: $MESHGD_HEALTH_FILE)')
    .option('--max-age <s>', 'how old the last heartbeat may be, in seconds', '60')
    .action((opts: { file?: string; maxAge: string }) => {
      throw exit(commandHealth(opts))
    })
}
