/**
 * The meshgd command: argument parsing and output, nothing else (every command and option is in the README and the
 * guides in docs/). This file only lists the commands (each with its options and handler in commands/<name>.ts);
 * program.ts builds the program and maps how a command ended to its exit status.
 */
import type { Command } from 'commander'
import { programWith, runCommands, type CommandEntry } from './program.js'

export { EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './process.js'

/**
 * Every command, in the order `meshgd --help` lists them, each loaded only when registered: a command's module
 * brings its layers (libp2p for the network ones), and loading all of them cost 0.4 s before any command ran.
 */
const COMMANDS: readonly CommandEntry[] = [
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

/**
 * The program with every command, or with `only` that one (what `meshgd NAME ...` needs: its own options, help and
 * handler); everything else (no command, --help, --version, a misspelt name) gets them all.
 */
export function buildProgram(only?: string): Promise<Command> {
  return programWith(COMMANDS.filter(([name]) => only === undefined || name === only))
}

/** Run the CLI; resolves to the exit status. */
export function main(argv: readonly string[]): Promise<number> {
  return runCommands(argv, COMMANDS)
}
