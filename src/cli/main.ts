/**
 * The meshgd command: argument parsing and output, nothing else (DESIGN.md "Interface contract"). This file only
 * wires the commands together (each with its options and handler in commands/<name>.ts) and maps errors to exit
 * statuses: 0 the run did what was asked; 1 it ran but did not (diverged, target not reached, a failure);
 * 2 bad configuration or input; 130 interrupted.
 */
import { Command, CommanderError } from 'commander'
import { ConfigError } from '../config/errors.js'
import { registerBootstrapCommand } from './commands/bootstrap.js'
import { registerComposeCommand } from './commands/compose.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerHealthCommand } from './commands/health.js'
import { registerIdentityCommand } from './commands/identity.js'
import { registerK8sCommand } from './commands/k8s.js'
import { registerKeygenCommand } from './commands/keygen.js'
import { registerNodeCommand } from './commands/node.js'
import { registerReportCommand } from './commands/report.js'
import { registerSimCommand } from './commands/sim.js'
import { registerSwarmCommand } from './commands/swarm.js'
import { registerSweepCommand } from './commands/sweep.js'
import { registerTheoryCommand } from './commands/theory.js'
import { registerWatchCommand } from './commands/watch.js'
import { withLocation } from './options.js'
import { EXIT_CONFIG, EXIT_OK, type Exit } from './process.js'

export { EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './process.js'
export { shippedExperiment } from './commands/demo.js'

/** Errors from the pure layers that are the user's input, not a bug: printed as one line, exit 2. */
const INPUT_ERROR_NAMES = new Set(['ConfigError', 'TopologyError', 'ProblemError', 'AlgorithmError', 'SwarmKeyError'])

/** What a command handler throws to end the program with an exit status (caught in main). */
class ExitCode extends Error {
  override readonly name = 'ExitCode'
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/** The program: every command, registered in the order `meshgd --help` lists them. */
export function buildProgram(): Command {
  const program = new Command('meshgd')
    .description('peer-to-peer distributed optimizer: elastic graph penalty, quorum, EASGD, local steps, QSGD')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  const exit: Exit = (code) => new ExitCode(code)
  registerSimCommand(program, exit)
  registerTheoryCommand(program, exit)
  registerSwarmCommand(program, exit)
  registerSweepCommand(program, exit)
  registerWatchCommand(program, exit)
  registerComposeCommand(program, exit)
  registerK8sCommand(program, exit)
  registerHealthCommand(program, exit)
  registerReportCommand(program, exit)
  registerDemoCommand(program, exit)
  registerNodeCommand(program, exit)
  registerIdentityCommand(program, exit)
  registerKeygenCommand(program, exit)
  registerBootstrapCommand(program, exit)
  return program
}

/** Run the CLI; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof ExitCode) return err.code
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK
      return EXIT_CONFIG
    }
    if (err instanceof ConfigError || (err instanceof Error && INPUT_ERROR_NAMES.has(err.name))) {
      console.error(`meshgd: ${withLocation(err.message)}`)
      return EXIT_CONFIG
    }
    throw err
  }
}
