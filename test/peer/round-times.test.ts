/**
 * The round time split: RoundTimes (compute = round minus waiting), the outbox's busy clock (time frames were
 * queued or being written), and the swarm summary's totals and means, each against hand-worked figures on a clock
 * the test moves by hand.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Outbox } from '../../src/net/params-protocol.js'
import { RoundTimes } from '../../src/peer/round-times.js'
import { summariseTimes, timeSplitLine } from '../../src/swarm/time-split.js'

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000
  return { now: () => t, advance: (ms) => void (t += ms) }
}

describe('RoundTimes', () => {
  it('splits each round into waiting and the rest, and counts rounds', () => {
    const clock = fakeClock()
    const times = new RoundTimes(clock.now)
    times.beginRound()
    clock.advance(30) // work
    times.beginWait()
    clock.advance(60) // blocked
    times.endWait()
    clock.advance(5) // combine
    times.endRound()
    times.beginRound()
    times.beginWait()
    clock.advance(20)
    times.endWait()
    times.beginWait() // a second wait in the same round (a jump re-waits)
    clock.advance(2)
    times.endWait()
    clock.advance(1)
    times.endRound()
    expect(times.rounds).toBe(2)
    expect(times.split(7)).toEqual({ compute_ms: 36, wait_ms: 82, send_ms: 7 })
  })

  it('a jumped round (closed without combining) still counts, with its wait', () => {
    const clock = fakeClock()
    const times = new RoundTimes(clock.now)
    times.beginRound()
    times.beginWait()
    clock.advance(40)
    times.endWait()
    times.endRound()
    times.beginRound()
    clock.advance(3)
    times.endRound()
    expect(times.rounds).toBe(2)
    expect(times.split(0)).toEqual({ compute_ms: 3, wait_ms: 40, send_ms: 0 })
  })
})

describe('Outbox busy clock', () => {
  it('counts the time frames wait to leave, and stands still while every queue is empty', async () => {
    const clock = fakeClock()
    const target = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const releases: Array<() => void> = []
    const transport = { send: (): Promise<void> => new Promise<void>((r) => releases.push(r)) }
    const outbox = new Outbox(transport, new AbortController().signal, 8, clock.now)
    clock.advance(100)
    expect(outbox.busyMs()).toBe(0)
    outbox.push(target.toString(), target, new Uint8Array(4))
    clock.advance(50)
    expect(outbox.busyMs()).toBe(50)
    releases.shift()!()
    await new Promise((r) => setImmediate(r))
    expect(outbox.pending()).toBe(0)
    clock.advance(40) // idle: the clock stands still
    expect(outbox.busyMs()).toBe(50)
    outbox.push(target.toString(), target, new Uint8Array(4))
    clock.advance(7)
    expect(outbox.busyMs()).toBe(57)
  })
})

describe('summariseTimes', () => {
  it('totals, per-peer means and per-round means, by hand', () => {
    const split = summariseTimes([
      { time: { compute_ms: 100, wait_ms: 300, send_ms: 50, rounds: 100 } },
      { time: { compute_ms: 200, wait_ms: 100, send_ms: 10, rounds: 50 } },
    ])!
    expect(split.total).toEqual({ compute_ms: 300, wait_ms: 400, send_ms: 60 })
    expect(split.per_peer).toEqual({ compute_ms: 150, wait_ms: 200, send_ms: 30 })
    // peer 0: 1, 3, 0.5 ms per round; peer 1: 4, 2, 0.2 ms per round
    expect(split.per_round).toEqual({ compute_ms: 2.5, wait_ms: 2.5, send_ms: 0.35 })
    expect(timeSplitLine(split)).toBe(
      'compute 2.500 ms (50%), waiting 2.500 ms (50%), sending 0.350 ms per round (mean over peers)',
    )
  })

  it('is null when a peer has no split (an info.json from before it)', () => {
    expect(summariseTimes([{ time: { compute_ms: 1, wait_ms: 1, send_ms: 1, rounds: 1 } }, {} as never])).toBeNull()
  })
})
