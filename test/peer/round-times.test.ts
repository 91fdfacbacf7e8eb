/**
 * The round time split: RoundTimes (compute = round minus waiting), the outbox's busy clock (time frames were
 * queued or being written), and the swarm summary's totals and means, each against hand-worked figures.
 */
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Outbox } from '../../src/net/params-protocol.js'
import { RoundTimes } from '../../src/peer/round-times.js'
import { summariseTimes, timeSplitLine } from '../../src/swarm/time-split.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('RoundTimes', () => {
  it('splits each round into waiting and the rest, and counts rounds', async () => {
    const times = new RoundTimes()
    times.beginRound()
    await sleep(30) // work
    times.beginWait()
    await sleep(60) // blocked
    times.endWait()
    times.endRound()
    const s = times.split(7)
    expect(times.rounds).toBe(1)
    expect(s.wait_ms).toBeGreaterThanOrEqual(58)
    expect(s.wait_ms).toBeLessThan(200)
    expect(s.compute_ms).toBeGreaterThanOrEqual(28)
    expect(s.compute_ms).toBeLessThan(s.wait_ms)
    expect(s.send_ms).toBe(7)
  })

  it('a jumped round (closed without combining) still counts its wait', () => {
    const times = new RoundTimes()
    times.beginRound()
    times.beginWait()
    times.endWait()
    times.endRound()
    times.beginRound()
    times.endRound()
    expect(times.rounds).toBe(2)
  })
})

describe('Outbox busy clock', () => {
  it('counts the time frames wait to leave, and stops when every queue is empty', async () => {
    const target = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    let release: (() => void) | null = null
    const transport = { send: (): Promise<void> => new Promise<void>((r) => (release = r)) }
    const outbox = new Outbox(transport, new AbortController().signal)
    expect(outbox.busyMs()).toBe(0)
    outbox.push(target.toString(), target, new Uint8Array(4))
    await sleep(50)
    expect(outbox.busyMs()).toBeGreaterThanOrEqual(45)
    release!()
    await sleep(5)
    const busy = outbox.busyMs()
    expect(outbox.pending()).toBe(0)
    await sleep(40)
    expect(outbox.busyMs()).toBe(busy) // idle: the clock stands still
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
    expect(timeSplitLine(split)).toBe('compute 2.500 ms (50%), waiting 2.500 ms (50%), sending 0.350 ms per round (mean over peers)')
  })

  it('is null when a peer has no split (an info.json from before it)', () => {
    expect(summariseTimes([{ time: { compute_ms: 1, wait_ms: 1, send_ms: 1, rounds: 1 } }, {} as never])).toBeNull()
  })
})
