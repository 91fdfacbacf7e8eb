/**
 * Noise's ChaCha20-Poly1305 at the cost of the cipher alone. `@chainsafe/libp2p-noise` seals messages of 1,200 bytes
 * or more with `crypto.createCipheriv(..., k, ...)`, handing Node the raw 32-byte session key each time: Node turns
 * it into a key object on every call, and that costs more than sealing an 8 kB message (about 33 us against 9 us
 * here; `npm run bench swarm` and BENCHMARKS.md). A session's key is one `Uint8Array` for its whole life (Noise's
 * cipher state keeps it), so its key object is made once and kept beside it in a WeakMap, gone with the session.
 * Messages below the threshold (Yamux window updates, small frames) go to the WebAssembly implementation, which is
 * faster there, as the library's own default does. Same bytes on the wire as the library's default (tested).
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import { asCrypto, defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'

const CHACHA = 'chacha20-poly1305'
export const TAG_BYTES = 16
/** Below this many bytes the WebAssembly cipher is faster than Node's (the library's default threshold too). */
export const NATIVE_FROM_BYTES = 1200

const keyObjects = new WeakMap<Uint8Array, KeyObject>()

function keyObjectOf(k: Uint8Array): KeyObject {
  let key = keyObjects.get(k)
  if (!key) keyObjects.set(k, (key = createSecretKey(k)))
  return key
}

function seal(
  plaintext: Uint8Array | Uint8ArrayList,
  nonce: Uint8Array,
  ad: Uint8Array,
  k: Uint8Array,
): Uint8Array | Uint8ArrayList {
  if (plaintext.byteLength < NATIVE_FROM_BYTES) return asCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
  const cipher = createCipheriv(CHACHA, keyObjectOf(k), nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
  // ciphertext and tag as a list, not joined: the connection joins each message's parts into one write anyway
  // (noise-tuning.ts), so joining here would copy every message twice
  const out = new Uint8ArrayList()
  if (plaintext instanceof Uint8Array) {
    out.append(cipher.update(plaintext))
    cipher.final() // a stream cipher: nothing held back
    out.append(cipher.getAuthTag())
    return out
  }
  for (const part of plaintext) out.append(cipher.update(part))
  cipher.final()
  out.append(cipher.getAuthTag())
  return out
}

function open(
  ciphertext: Uint8Array | Uint8ArrayList,
  nonce: Uint8Array,
  ad: Uint8Array,
  k: Uint8Array,
  dst?: Uint8Array,
): Uint8Array | Uint8ArrayList {
  if (ciphertext.byteLength < NATIVE_FROM_BYTES) return asCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
  const end = ciphertext.byteLength - TAG_BYTES
  const decipher = createDecipheriv(CHACHA, keyObjectOf(k), nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(ad, { plaintextLength: end })
  decipher.setAuthTag(ciphertext.subarray(end))
  if (ciphertext instanceof Uint8Array) {
    const opened = decipher.update(ciphertext.subarray(0, end))
    decipher.final() // throws when the tag does not match
    return opened
  }
  const out = new Uint8ArrayList()
  for (const part of ciphertext.sublist(0, end)) out.append(decipher.update(part))
  decipher.final()
  return out
}

/** The library's default crypto with the faster sealing and opening above. */
export const noiseCrypto: ICryptoInterface = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: seal,
  chaCha20Poly1305Decrypt: open,
}
