/**
 * Noise's cipher with a key object per session (src/net/noise-crypto.ts) seals to the same bytes as the library's
 * default, opens what either seals, takes lists as arrays, and refuses a message whose tag or bytes were changed.
 */
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { NATIVE_FROM_BYTES, noiseCrypto } from '../../src/net/noise-crypto.js'
import { Rng } from '../../src/util/rng.js'

function bytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let k = 0; k < n; k++) out[k] = rng.nextUint32() & 0xff
  return out
}
const hex = (b: Uint8Array | Uint8ArrayList): string => Buffer.from(b.subarray()).toString('hex')

describe('noiseCrypto', () => {
  const rng = Rng.derive(5, 0, 'test')
  const k = bytes(rng, 32)
  const sizes = [0, 1, NATIVE_FROM_BYTES - 1, NATIVE_FROM_BYTES, 8192, 65_519]

  it('seals as the library does, and each opens the other, for every size around the threshold', () => {
    for (const [m, size] of sizes.entries()) {
      const nonce = bytes(rng, 12)
      const ad = bytes(rng, m % 2 === 0 ? 0 : 32)
      const plain = bytes(rng, size)
      const ours = noiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k)
      const theirs = defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k)
      expect(hex(ours)).toBe(hex(theirs))
      expect(hex(noiseCrypto.chaCha20Poly1305Decrypt(theirs.subarray(), nonce, ad, k))).toBe(hex(plain))
      expect(hex(defaultCrypto.chaCha20Poly1305Decrypt(ours.subarray(), nonce, ad, k))).toBe(hex(plain))
      // a list in three parts seals and opens to the same bytes
      const third = Math.floor(size / 3)
      const list = new Uint8ArrayList(
        plain.subarray(0, third),
        plain.subarray(third, 2 * third),
        plain.subarray(2 * third),
      )
      expect(hex(noiseCrypto.chaCha20Poly1305Encrypt(list, nonce, ad, k))).toBe(hex(theirs))
      const sealed = theirs.subarray()
      const sealedList = new Uint8ArrayList(sealed.subarray(0, 5), sealed.subarray(5))
      expect(hex(noiseCrypto.chaCha20Poly1305Decrypt(sealedList, nonce, ad, k))).toBe(hex(plain))
    }
  })

  it('refuses a changed byte or tag, and a different key, above and below the threshold', () => {
    for (const size of [100, 8192]) {
      const nonce = bytes(rng, 12)
      const sealed = Uint8Array.from(
        noiseCrypto.chaCha20Poly1305Encrypt(bytes(rng, size), nonce, new Uint8Array(0), k).subarray(),
      )
      const flipped = (at: number): Uint8Array => {
        const copy = Uint8Array.from(sealed)
        copy[at] = copy[at]! ^ 1
        return copy
      }
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(flipped(3), nonce, new Uint8Array(0), k)).toThrow()
      expect(() =>
        noiseCrypto.chaCha20Poly1305Decrypt(flipped(sealed.length - 1), nonce, new Uint8Array(0), k),
      ).toThrow()
      expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, new Uint8Array(0), bytes(rng, 32))).toThrow()
    }
  })
})
