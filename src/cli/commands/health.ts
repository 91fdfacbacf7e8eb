/**
 * `meshgd health`: exit 0 when this container's meshgd process has written its heartbeat file within `--max-age`
 * seconds (a Docker HEALTHCHECK; the file is MESHGD_HEALTH_FILE, written every 5 s while the event loop runs, see
 * heartbeat in ../process.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXIT_FAILED, EXIT_OK, type Exit } from '../process.js'

export function commandHealth(opts: { file?: string; maxAge: string }): number {
  const file = opts.file ?? process.env.MESHGD_HEALTH_FILE
  if (!file) throw new ConfigError('meshgd health: no heartbeat file (set MESHGD_HEALTH_FILE or pass --file)')
  const maxAge = Number(opts.maxAge)
  if (!existsSync(file)) {
    console.error(`meshgd: ${file}: no heartbeat yet`)
    return EXIT_FAILED
  }
  const age = (Date.now() - statSync(file).mtimeMs) / 1000
  if (!(age <= maxAge)) {
    console.error(`meshgd: ${file}: last heartbeat ${age.toFixed(0)} s ago (more than ${maxAge} s): ${readFileSync(file, 'utf8').trim()}`)
    return EXIT_FAILED
  }
  return EXIT_OK
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
