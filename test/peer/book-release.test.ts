/**
 * NeighbourBook lets go of received vectors (src/peer/neighbours.ts `release`, which gives their buffers back to the
 * peer's BodyPool for later frames): under any sequence of arrivals, rounds, restarts and silences, a vector is
 * released once, never while the book could still hand it out, and every vector is released once the book no longer
 * holds it. A vector released too early would be overwritten by the next frame while a round still reads it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NeighbourBook, type BookOptions } from '../../src/peer/neighbours.js'

type Op =
  | { kind: 'receive'; k: number; ahead: number; final: boolean }
  | { kind: 'combine' }
  | { kind: 'restart'; k: number; ahead: number }
  | { kind: 'down'; k: number }

const NEIGHBOURS = 2

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      k: fc.nat(NEIGHBOURS - 1),
      ahead: fc.integer({ min: -2, max: 4 }),
      final: fc.nat(4).map((x) => x === 0),
    }),
  },
  { weight: 4, arbitrary: fc.constant({ kind: 'combine' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('restart' as const),
      k: fc.nat(NEIGHBOURS - 1),
      ahead: fc.integer({ min: -2, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('down' as const), k: fc.nat(NEIGHBOURS - 1) }) },
)

const options: fc.Arbitrary<Omit<BookOptions, 'release'>> = fc.oneof(
  fc.constant({ mode: 'sync' as const, maxStaleness: 0 }),
  fc.constant({ mode: 'sync' as const, maxStaleness: 0, standIns: false }),
  fc.constant({ mode: 'sync' as const, maxStaleness: 0, period: 3 }),
  fc.constant({ mode: 'async' as const, maxStaleness: 2 }),
)

/** Every vector the book could hand out now: the inboxes of the next rounds and the newest ones. */
function handedOut(book: NeighbourBook, own: number): Float64Array[] {
  const out: Float64Array[] = []
  for (let t = own; t < own + 5; t++) for (const v of book.inbox(t).vectors) if (v) out.push(v)
  for (const v of book.newest()) if (v) out.push(v)
  return out
}

describe('NeighbourBook releases what it lets go of', () => {
  it('once, never while it can still hand it out, and all of it in the end', () => {
    fc.assert(
      fc.property(options, fc.array(op, { maxLength: 60 }), (opts, ops) => {
        const released: Float64Array[] = []
        const book = new NeighbourBook(NEIGHBOURS, { ...opts, release: (v) => released.push(v) })
        const received: Float64Array[] = []
        let own = 0
        for (const o of ops) {
          if (o.kind === 'receive') {
            const v = Float64Array.of(received.length)
            received.push(v)
            book.receive(o.k, Math.max(0, own + o.ahead), v, own, 0, o.final)
          } else if (o.kind === 'combine') {
            book.inbox(own)
            book.prune(++own)
          } else if (o.kind === 'restart') book.restarted(o.k, Math.max(0, own + o.ahead), 0)
          else book.markDown(o.k)
          expect(new Set(released).size).toBe(released.length)
          const gone = new Set(released)
          expect(handedOut(book, own).filter((v) => gone.has(v))).toEqual([])
        }
        // a newer vector from everyone replaces each one's newest, and dropping every slot empties the book
        for (let k = 0; k < NEIGHBOURS; k++) book.receive(k, 1e9, Float64Array.of(-1), own, 0)
        book.prune(Infinity)
        expect(new Set(released).size).toBe(released.length)
        expect(released.length).toBe(received.length)
      }),
      { seed: 26, numRuns: 500 },
    )
  })
})
