/**
 * The program around the commands: a commander program with the commands it is given, and the run that maps how a
 * command ended to the exit status (0 the run did what was asked; 1 it ran but did not: diverged, target not
 * reached, a failure; 2 bad configuration or input; 130 interrupted). Shared by the whole CLI (main.ts) and the
 * Node peer's own entry (node-main.ts).
 */
import { Command, CommanderError } from 'commander'
import { MeshgdError } from '../util/errors.js'
import { located } from './options.js'
import { EXIT_CONFIG, EXIT_OK, exitStatusOf, type Exit } from './process.js'

export type Register = (program: Command, exit: Exit) => void

/** A command's name and how to load its `register` function. */
export type CommandEntry = readonly [string, () => Promise<Register>]

/** What a command handler throws to end the program with an exit status (caught in runCommands). */
class ExitCode extends Error {
  override readonly name = 'ExitCode'
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

/** The program with the given commands registered, in their order. */
export async function programWith(commands: readonly CommandEntry[]): Promise<Command> {
  const program = new Command('meshgd')
    .description('peer-to-peer distributed optimizer: elastic graph penalty, quorum, EASGD, local steps, QSGD')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  const exit: Exit = (code) => new ExitCode(code)
  const registers = await Promise.all(commands.map(([, load]) => load()))
  for (const register of registers) register(program, exit)
  return program
}

/**
 * Run argv against `commands` (only the named one is loaded; no command, --help, --version or a misspelt name load
 * them all); resolves to the exit status.
 */
export async function runCommands(argv: readonly string[], commands: readonly CommandEntry[]): Promise<number> {
  const named = commands.find(([name]) => name === argv[0])
  const program = await programWith(named ? [named] : commands)
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
