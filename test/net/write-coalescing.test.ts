/**
 * joinSends hands the connection under Noise one buffer per message, with the same bytes in the same order (every
 * swarm test then checks that peers still reach the simulator's parameters bit for bit through it).
 */
import { describe, expect, it } from 'vitest'
import { joinSends } from '../../src/net/write-coalescing.js'
import type { MessageStream } from '@libp2p/interface'

type List = Parameters<MessageStream['send']>[0]

/** What the Noise stream passes for a message in parts (a Uint8ArrayList): its length, its parts, and them joined. */
function listOf(...parts: Uint8Array[]): List {
  const joined = Buffer.concat(parts)
  return { byteLength: joined.byteLength, length: joined.byteLength, [Symbol.iterator]: () => parts[Symbol.iterator](), subarray: () => joined } as unknown as List
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
