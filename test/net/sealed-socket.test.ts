/**
 * The benchmark's cipher-only transport (bench/sealed-socket.ts): frames cut into Noise-sized messages, each one a
 * 2-byte length and a ChaCha20-Poly1305 ciphertext that node:crypto opens on its own, and the opener gives back the
 * same bytes however the stream is split into chunks.
 */
import { createDecipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Opener, Sealer } from '../../bench/sealed-socket.js'
import { Rng } from '../../src/util/rng.js'

function bytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let k = 0; k < n; k++) out[k] = rng.nextUint32() & 0xff
  return out
}

function joined(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

describe('sealed sockets (bench)', () => {
  const rng = Rng.derive(11, 0, 'test')
  const frames = [0, 1, 8_000, 65_519, 65_520, 200_000].map((n) => bytes(rng, n))

  it('cuts a frame into messages of at most 65,519 plaintext bytes, each opened by node:crypto with nonce n', () => {
    const wire = new Sealer().seal(frames[5]!)
    const key = new Uint8Array(32).fill(7)
    const opened: Uint8Array[] = []
    let at = 0
    for (let n = 0; at < wire.byteLength; n++) {
      const length = (wire[at]! << 8) | wire[at + 1]!
      const message = wire.subarray(at + 2, at + 2 + length)
      const nonce = new Uint8Array(12)
      nonce[4] = n
      const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
      decipher.setAuthTag(message.subarray(length - 16))
      opened.push(decipher.update(message.subarray(0, length - 16)))
      decipher.final()
      expect(length - 16).toBeLessThanOrEqual(65_519)
      at += 2 + length
    }
    expect(opened).toHaveLength(4) // 200,000 bytes: three full messages and one of 3,443
    expect(Buffer.from(joined(opened)).equals(frames[5]!)).toBe(true)
  })

  it('gives back every frame in order, whatever the chunks the stream arrives in', () => {
    const sealer = new Sealer()
    const wire = joined(frames.map((f) => sealer.seal(f)))
    for (const seed of [1, 2, 3]) {
      const cuts = Rng.derive(seed, 0, 'cuts')
      const got: Uint8Array[] = []
      const opener = new Opener((plaintext) => got.push(plaintext.slice()))
      for (let at = 0; at < wire.byteLength;) {
        const size = 1 + (cuts.nextUint32() % (seed === 1 ? 3 : 90_000))
        opener.push(wire.subarray(at, Math.min(wire.byteLength, at + size)))
        at += size
      }
      expect(Buffer.from(joined(got)).equals(joined(frames))).toBe(true)
    }
  })

  it('refuses a message whose ciphertext was changed', () => {
    const wire = new Sealer().seal(frames[2]!)
    wire[100] = wire[100]! ^ 1
    expect(() => new Opener(() => {}).push(wire)).toThrow()
  })
})
