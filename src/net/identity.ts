/** A peer's persistent Ed25519 identity: `<dir>/identity.key` (protobuf-encoded private key, mode 0600). */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { MeshgdError } from '../util/errors.js'
import { toHex } from '../util/hex.js'

export async function loadOrCreateIdentity(dir: string): Promise<PrivateKey> {
  return loadOrCreateKeyFile(join(dir, 'identity.key'))
}

/** The key at `path`, created (atomically, mode 0600) when absent. */
export async function loadOrCreateKeyFile(path: string): Promise<PrivateKey> {
  const dir = dirname(path)
  try {
    return privateKeyFromProtobuf(readFileSync(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${path}: cannot read the peer identity: ${(err as Error).message}`, { cause: err })
    }
  }
  mkdirSync(dir, { recursive: true })
  const key = await generateKeyPair('Ed25519')
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  renameSync(tmp, path)
  return key
}

/** Read and check a libp2p private-network key file (`/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits). */
export function readSwarmKey(path: string): Uint8Array {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new SwarmKeyError(
      `${path}: cannot read the swarm key: ${code === 'ENOENT' ? 'no such file (create one with meshgd keygen -o FILE)' : (code ?? (err as Error).message)}`,
    )
  }
  const lines = text.trim().split(/\r?\n/)
  if (
    lines.length !== 3 ||
    lines[0] !== '/key/swarm/psk/1.0.0/' ||
    lines[1] !== '/base16/' ||
    !/^[0-9a-fA-F]{64}$/.test(lines[2]!)
  ) {
    throw new SwarmKeyError(
      `${path}: not a swarm key: expected the lines /key/swarm/psk/1.0.0/, /base16/ and 64 hex digits`,
    )
  }
  return new TextEncoder().encode(lines.join('\n') + '\n')
}

export class SwarmKeyError extends MeshgdError<'BAD_SWARM_KEY'> {
  override readonly name = 'SwarmKeyError'
  constructor(message: string) {
    super('BAD_SWARM_KEY', message, { outcome: 'input' })
  }
}

/** A new swarm key file's text: the libp2p private-network format with 32 random bytes. */
export function newSwarmKeyText(): string {
  const bytes = new Uint8Array(32)
  crypto.getRandomValues(bytes)
  return `/key/swarm/psk/1.0.0/\n/base16/\n${toHex(bytes)}\n`
}
