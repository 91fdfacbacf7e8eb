/**
 * The meshgd command: argument parsing and output, nothing else (every command and option is in the README and the
 * guides in docs/). This file only wires the commands together (each with its options and handler in
 * commands/<name>.ts) and maps errors to exit statuses: 0 the run did what was asked; 1 it ran but did not
 * (diverged, target not reached, a failure); 2 bad configuration or input; 130 interrupted.
 */
import { Command, CommanderError } from 'commander'
import { MeshgdError } from '../util/errors.js'
import { located } from './options.js'
import { EXIT_CONFIG, EXIT_OK, exitStatusOf, type Exit } from './process.js'

export { EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './process.js'

type Register = (program: Command, exit: Exit) => void

/**
 * Every command, in the order `meshgd --help` lists them, each loaded only when registered: a command's module
 * brings its layers (libp2p for the network ones), and loading all of them cost 0.4 s before any command ran.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['sim', async () => (await import('./commands/sim.js')).registerSimCommand],
  ['theory', async () => (await import('./commands/theory.js')).registerTheoryCommand],
  ['swarm', async () => (await import('./commands/swarm.js')).registerSwarmCommand],
  ['sweep', async () => (await import('./commands/sweep.js')).registerSweepCommand],
  ['watch', async () => (await import('./commands/watch.js')).registerWatchCommand],
  ['compose', async () => (await import('./commands/compose.js')).registerComposeCommand],
  ['k8s', async () => (await import('./commands/k8s.js')).registerK8sCommand],
  ['health', async () => (await import('./commands/health.js')).registerHealthCommand],
  ['report', async () => (await import('./commands/report.js')).registerReportCommand],
  ['demo', async () => (await import('./commands/demo.js')).registerDemoCommand],
  ['node', async () => (await import('./commands/node.js')).registerNodeCommand],
  ['identity', async () => (await import('./commands/identity.js')).registerIdentityCommand],
  ['keygen', async () => (await import('./commands/keygen.js')).registerKeygenCommand],
  ['bootstrap', async () => (await import('./commands/bootstrap.js')).registerBootstrapCommand],
  ['web', async () => (await import('./commands/web.js')).registerWebCommand],
]

/** What a command handler throws to end the program with an exit status (caught in main). */
class ExitCode extends Error {
  override readonly name = 'ExitCode'
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/**
 * The program with every command, or with `only` that one (what `meshgd NAME ...` needs: its own options, help and
 * handler); everything else (no command, --help, --version, a misspelt name) gets them all.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('meshgd')
    .description('peer-to-peer distributed optimizer: elastic graph penalty, quorum, EASGD, local steps, QSGD')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  const exit: Exit = (code) => new ExitCode(code)
  const chosen = COMMANDS.filter(([name]) => only === undefined || name === only)
  const registers = await Promise.all(chosen.map(([, load]) => load()))
  for (const register of registers) register(program, exit)
  return program
}

/** Run the CLI; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const named = COMMANDS.some(([name]) => name === argv[0]) ? argv[0] : undefined
  const program = await buildProgram(named)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof ExitCode) return err.code
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return EXIT_OK
      return EXIT_CONFIG
    }
    // meshgd's own errors are one line (an input error's field with the file and line it came from); others are bugs
    if (!(err instanceof MeshgdError)) throw err
    console.error(`meshgd: ${located(err)}`)
    return exitStatusOf(err)
  }
}
