/**
 * The swarm key's cipher (src/net/pnet-chunks.ts): `xsalsa20`'s WebAssembly instances share one memory, and two of
 * them writing a megabyte in turn grew it to its cap within 30 writes (each found its view of the memory detached
 * by the other's growth and grew it again). With writes split into 64 kB pieces the memory never grows, and the
 * bytes are XSalsa20's, as `@noble/ciphers` computes them, whatever the split.
 */
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import { describe, expect, it } from 'vitest'
import { boundedXorWrites, pnetXsalsa20, XOR_PIECE_BYTES } from '../../src/net/pnet-chunks.js'
import { Rng } from '../../src/util/rng.js'

function bytes(rng: Rng, n: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4))
  for (let k = 0; k < words.length; k++) words[k] = rng.nextUint32()
  return new Uint8Array(words.buffer, 0, n)
}

describe('XSalsa20 writes of the swarm key (pnet)', () => {
  it('two streams writing a megabyte in turn keep going, and each stream is XSalsa20 whatever the write sizes', () => {
    boundedXorWrites()
    const XSalsa20 = pnetXsalsa20()
    const rng = Rng.derive(11, 0, 'test')
    const streams = [0, 1].map(() => ({
      key: bytes(rng, 32),
      nonce: bytes(rng, 24),
      sent: [] as Uint8Array[],
      got: [] as Uint8Array[],
    }))
    const ciphers = streams.map((s) => XSalsa20(s.nonce, s.key))
    // a megabyte each in turn (the crash), then odd sizes: a partial 64-byte block carries over between writes
    const odd = [65_537, 3, 1_000_001, 131_072 + 5, 64]
    for (let w = 0; w < 60; w++) {
      for (const [i, s] of streams.entries()) {
        const plain = bytes(rng, w < 40 ? 1_000_000 : odd[(w + i) % odd.length]!)
        s.sent.push(plain)
        s.got.push(ciphers[i]!.update(plain))
      }
    }
    for (const s of streams) {
      const plain = Buffer.concat(s.sent)
      const reference = xsalsa20(s.key, s.nonce, plain)
      expect(Buffer.concat(s.got).equals(reference)).toBe(true)
    }
    expect(XOR_PIECE_BYTES).toBe(65_536)
  })
})
