/** A peer's persistent Ed25519 identity: `<dir>/identity.key` (protobuf-encoded private key, mode 0600). */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'

export async function loadOrCreateIdentity(dir: string): Promise<PrivateKey> {
  const path = join(dir, 'identity.key')
  try {
    return privateKeyFromProtobuf(readFileSync(path))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path}: cannot read the peer identity: ${(err as Error).message}`)
  }
  mkdirSync(dir, { recursive: true })
  const key = await generateKeyPair('Ed25519')
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, privateKeyToProtobuf(key), { mode: 0o600 })
  renameSync(tmp, path)
  return key
}
