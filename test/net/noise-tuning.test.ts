/**
 * Noise as meshgd runs it (src/net/noise-tuning.ts): joinSends hands the connection under Noise one buffer per
 * message, with the same bytes in the same order; the quiet length decoder splits received bytes into the same
 * messages as the library's throwing one. (Every swarm test then checks that peers still reach the simulator's
 * parameters bit for bit through both.)
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { joinSends, quietLengthDecoder } from '../../src/net/noise-tuning.js'
import type { MessageStream } from '@libp2p/interface'

type List = Parameters<MessageStream['send']>[0]

/** What the Noise stream passes for a message in parts (a Uint8ArrayList): its length, its parts, and them joined. */
function listOf(...parts: Uint8Array[]): List {
  const joined = Buffer.concat(parts)
  return {
    byteLength: joined.byteLength,
    length: joined.byteLength,
    [Symbol.iterator]: () => parts[Symbol.iterator](),
    subarray: () => joined,
  } as unknown as List
}

describe('joinSends', () => {
  it('passes a list of buffers on as one buffer with the same bytes', () => {
    const seen: unknown[] = []
    const connection = { send: (data: unknown) => (seen.push(data), true) } as unknown as MessageStream
    joinSends(connection)
    const a = Uint8Array.of(0, 3)
    const b = Uint8Array.of(7, 8, 9)
    expect(connection.send(listOf(a, b))).toBe(true)
    connection.send(b)
    expect(seen[0]).toBeInstanceOf(Uint8Array)
    expect([...(seen[0] as Uint8Array)]).toEqual([0, 3, 7, 8, 9])
    expect(seen[1]).toBe(b)
  })
})

describe('quietLengthDecoder', () => {
  it('splits a stream of Noise messages as the throwing decoder does, however it is chunked, without throwing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 20 }),
        (messages, cuts) => {
          const wire = Buffer.concat(messages.flatMap((m) => [Uint8Array.of(m.length >> 8, m.length & 0xff), m]))
          const decoder = new LengthPrefixedDecoder({
            lengthDecoder: quietLengthDecoder,
            encodingLength: () => 2,
            maxBufferSize: 1 << 24,
          })
          const out: Uint8Array[] = []
          for (let at = 0, c = 0; at < wire.length; c++) {
            const end = Math.min(wire.length, at + cuts[c % cuts.length]!)
            for (const m of decoder.decode(wire.subarray(at, end))) out.push(m.subarray())
            at = end
          }
          expect(out.map((m) => Buffer.from(m).toString('hex'))).toEqual(
            messages.map((m) => Buffer.from(m).toString('hex')),
          )
        },
      ),
    )
  })

  it('reads the big-endian length from an array or a list, and says "the largest" below two bytes', () => {
    expect(quietLengthDecoder(Uint8Array.of(0x12, 0x34, 9))).toBe(0x1234)
    expect(quietLengthDecoder(new Uint8ArrayList(Uint8Array.of(0xff), Uint8Array.of(0x01)))).toBe(0xff01)
    expect(quietLengthDecoder(Uint8Array.of(7))).toBe(0xffff)
    expect(quietLengthDecoder(new Uint8ArrayList())).toBe(0xffff)
  })
})
