/**
 * `meshgd keygen [-o FILE]`: a new libp2p private-network key (swarm.key_file / --swarm-key), printed or written
 * to FILE with mode 0600; an existing file is never overwritten.
 */
import { existsSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXIT_OK, type Exit } from '../process.js'

export async function commandKeygen(opts: { out?: string }): Promise<number> {
  const { newSwarmKeyText } = await import('../../net/identity.js')
  const text = newSwarmKeyText()
  if (!opts.out) {
    process.stdout.write(text)
    return EXIT_OK
  }
  if (existsSync(opts.out))
    throw new ConfigError('CONFIG_INVALID', `${opts.out}: already exists; not overwriting a swarm key`)
  try {
    writeFileSync(opts.out, text, { mode: 0o600 })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError(
      'CONFIG_INVALID',
      `-o ${opts.out}: cannot write the key: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`,
    )
  }
  console.error(`meshgd: wrote a swarm key to ${opts.out}`)
  return EXIT_OK
}

/** Adds `meshgd keygen` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerKeygenCommand(program: Command, exit: Exit): void {
  program
    .command('keygen')
    .description('write a new libp2p private-network key (swarm.key_file / --swarm-key); keep it secret')
    .option('-o, --out <file>', 'where to write it (mode 0600); default: print it')
    .action(async (opts: { out?: string }) => {
      throw exit(await commandKeygen(opts))
    })
}
