/**
 * `meshgd identity --index I --out DIR`: prints a peer's libp2p peer ID, creating its identity key
 * (DIR/peers/<i>/state/identity.key) when absent; how pinned peers ([{index, peer_id, addr}]) are written down
 * before the swarm starts.
 */
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { ConfigError } from '../../config/errors.js'
import { EXIT_OK, type Exit } from '../process.js'

export async function commandIdentity(opts: { index: string; out: string }): Promise<number> {
  if (!/^\d+$/.test(opts.index))
    throw new ConfigError('CONFIG_INVALID', `--index ${opts.index}: must be a non-negative integer`)
  const { loadOrCreateIdentity } = await import('../../net/identity.js')
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
  const key = await loadOrCreateIdentity(join(resolve(opts.out), 'peers', opts.index, 'state'))
  console.log(peerIdFromPrivateKey(key).toString())
  return EXIT_OK
}

/** Adds `meshgd identity` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerIdentityCommand(program: Command, exit: Exit): void {
  program
    .command('identity')
    .description(
      "print a peer's libp2p peer ID (for pinned peers: [{index, peer_id, addr}]), creating its identity key when absent",
    )
    .requiredOption('--index <i>', "the peer's index")
    .requiredOption('--out <dir>', 'its run directory (the key is <dir>/peers/<i>/state/identity.key)')
    .action(async (opts: { index: string; out: string }) => {
      throw exit(await commandIdentity(opts))
    })
}
