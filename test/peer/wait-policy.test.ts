/**
 * The neighbour wait (src/peer/wait-policy.ts), case by case on a fake clock: a real NeighbourBook, `now` passed by
 * hand, and the runtime's part (marking down) done by the test. Timeout 1000 ms, start-up timeout 5000 ms, 4 peers
 * (so rounds 0..3 after a start count as starting), unless a case says otherwise.
 */
import { describe, expect, it } from 'vitest'
import { NeighbourBook } from '../../src/peer/neighbours.js'
import { WAIT, WaitPolicy, type WaitSettings } from '../../src/peer/wait-policy.js'

const SETTINGS: WaitSettings = { timeoutMs: 1000, startupTimeoutMs: 5000, peers: 4, strict: false }
const v = (x: number): Float64Array => Float64Array.of(x)
const always = (): boolean => true
const never = (): boolean => false

function setup(settings: Partial<WaitSettings> = {}, firstRound = 0): { book: NeighbourBook; policy: WaitPolicy } {
  const all = { ...SETTINGS, ...settings }
  // as src/peer/context.ts builds it: where no neighbour may be left out, no other round's vector stands in
  const book = new NeighbourBook(2, { mode: 'sync', maxStaleness: 0, standIns: !all.strict })
  return { book, policy: new WaitPolicy(all, firstRound, 0) }
}

describe('the neighbour wait', () => {
  it('combines as soon as every round-t vector is in, polling meanwhile', () => {
    const { book, policy } = setup({}, 10)
    const wait = policy.round(20, 0) // not starting: 20 - 10 >= 4 peers
    expect(wait.patienceMs).toBe(1000)
    expect(wait.next(0, book, never)).toEqual({ do: 'wait', ms: WAIT.pollMs })
    book.receive(0, 20, v(1), 20, 100)
    expect(wait.next(900, book, never)).toEqual({ do: 'wait', ms: 100 })
    book.receive(1, 20, v(2), 20, 950)
    expect(wait.next(950, book, never)).toEqual({ do: 'combine' })
  })

  it('marks the silent ones down at the timeout, then combines without them', () => {
    const { book, policy } = setup({}, 10)
    const wait = policy.round(20, 0)
    book.receive(1, 20, v(2), 20, 10)
    expect(wait.next(999, book, always)).toEqual({ do: 'wait', ms: 1 })
    expect(wait.next(1000, book, always)).toEqual({ do: 'markDown', positions: [0], patienceMs: 1000 })
    book.markDown(0)
    expect(wait.next(1000, book, always)).toEqual({ do: 'combine' })
  })

  it('waits the start-up timeout in the first rounds after a (re)start, as many as there are peers', () => {
    const { policy } = setup({}, 7)
    expect([7, 10, 11].map((t) => policy.round(t, 0).patienceMs)).toEqual([5000, 5000, 1000])
  })

  it('keeps waiting on connected neighbours while the swarm starts, within the start-up window only', () => {
    const { book, policy } = setup()
    const window = WAIT.startingWindowStartups * 5000
    const wait = policy.round(0, 0)
    expect(wait.next(5000, book, always)).toEqual({ do: 'wait', ms: WAIT.pollMs })
    expect(wait.next(window - 1, book, always)).toEqual({ do: 'wait', ms: WAIT.pollMs })
    expect(wait.next(window + 1000, book, always)).toEqual({ do: 'markDown', positions: [0, 1], patienceMs: 5000 })
  })

  it('does not wait on a neighbour that dropped its connection, even while starting', () => {
    const { book, policy } = setup()
    const wait = policy.round(0, 0)
    book.receive(0, 0, v(1), 0, 1)
    expect(wait.next(5000, book, (k) => k === 0)).toEqual({ do: 'markDown', positions: [1], patienceMs: 5000 })
  })

  it('fails where no neighbour may be left out, and never jumps there', () => {
    const { book, policy } = setup({ strict: true }, 10)
    book.receive(0, 40, v(1), 20, 0)
    book.receive(1, 40, v(2), 20, 0)
    const wait = policy.round(20, 0)
    expect(wait.next(1000, book, always)).toEqual({
      do: 'fail',
      code: 'NEIGHBOUR_TIMEOUT',
      positions: [0, 1],
      patienceMs: 1000,
    })
  })

  it('jumps to the slowest neighbour when every live one is well ahead', () => {
    const { book, policy } = setup({}, 10)
    book.receive(0, 40, v(1), 20, 0)
    book.receive(1, 35, v(2), 20, 0)
    expect(policy.round(20, 0).next(0, book, always)).toEqual({ do: 'jump', to: 35 })
  })

  it('waits for a neighbour while all are down, says so once, fails past the limit', () => {
    const { book, policy } = setup({ timeoutMs: 1000, startupTimeoutMs: 2000 }, 10)
    expect(policy.isolatedLimitMs).toBe(WAIT.isolatedTimeouts * 1000)
    const wait = policy.round(20, 0)
    book.markDown(0)
    book.markDown(1)
    expect(wait.next(100, book, never)).toEqual({ do: 'wait', ms: WAIT.pollMs, isolated: true })
    expect(wait.next(100 + policy.isolatedLimitMs, book, never)).toEqual({ do: 'wait', ms: WAIT.pollMs })
    expect(wait.next(101 + policy.isolatedLimitMs, book, never)).toEqual({
      do: 'fail',
      code: 'ISOLATED',
      limitMs: policy.isolatedLimitMs,
    })
  })

  it('gives a fresh timeout when a neighbour comes back to an isolated peer', () => {
    const { book, policy } = setup({}, 10)
    const wait = policy.round(20, 0)
    book.markDown(0)
    book.markDown(1)
    expect(wait.next(3000, book, never)).toMatchObject({ do: 'wait', isolated: true })
    book.receive(0, 20, v(1), 20, 6000) // back, and with its round-20 vector; 1 is still down
    expect(wait.next(6000, book, never)).toEqual({ do: 'combine' })
    book.restarted(1, 0, 6000) // 1 is back too but has sent nothing of round 20
    const again = policy.round(20, 6000)
    expect(again.next(6999, book, never)).toEqual({ do: 'wait', ms: 1 })
  })

  it('after an isolation, measures the timeout from the return, not from the round start', () => {
    const { book, policy } = setup({}, 10)
    const wait = policy.round(20, 0)
    book.markDown(0)
    book.markDown(1)
    wait.next(0, book, never)
    book.restarted(0, 0, 8000) // 0 returns at 8 s, long past the round's first deadline
    expect(wait.next(8000, book, never)).toEqual({ do: 'wait', ms: WAIT.pollMs })
    expect(wait.next(8999, book, never)).toEqual({ do: 'wait', ms: 1 })
    expect(wait.next(9000, book, never)).toEqual({ do: 'markDown', positions: [0], patienceMs: 1000 })
  })
})
