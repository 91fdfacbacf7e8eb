/** The rule for a claim on a neighbour's index by another identity (src/peer/rebind.ts), case by case. */
import { describe, expect, it } from 'vitest'
import { judgeClaim, Rebinder, type Neighbourhood } from '../../src/peer/rebind.js'

const entry = (index: number, peerId: string) => ({ swarm: 's', index, peerId, addrs: [] })

function hood(over: Partial<{ connected: boolean; ms: number; down: boolean; pinned: boolean }> = {}): Neighbourhood {
  const o = { connected: false, ms: 0, down: false, pinned: false, ...over }
  return {
    position: new Map([
      [1, 0],
      [3, 1],
    ]),
    holder: (j) => (j === 1 ? 'OLD' : j === 3 ? 'THREE' : undefined),
    pinned: () => o.pinned,
    connected: () => o.connected,
    silence: () => ({ ms: o.ms, down: o.down }),
    timeoutMs: 800,
  }
}

describe('a claim on a neighbour index by another identity', () => {
  it('is taken only when the old identity has no connection and is silent past the timeout (or down)', () => {
    expect(judgeClaim(entry(1, 'NEW'), hood({ ms: 801 }))).toBe('taken')
    expect(judgeClaim(entry(1, 'NEW'), hood({ down: true }))).toBe('taken')
    expect(judgeClaim(entry(1, 'NEW'), hood({ ms: 799 }))).toBe('refused-live') // heard from lately
    expect(judgeClaim(entry(1, 'NEW'), hood({ connected: true, down: true }))).toBe('refused-live') // still connected
    expect(judgeClaim(entry(1, 'NEW'), hood({ down: true, pinned: true }))).toBe('refused-pinned')
    expect(judgeClaim(entry(1, 'OLD'), hood())).toBe('same')
    expect(judgeClaim(entry(2, 'NEW'), hood())).toBe('not-a-neighbour')
  })

  it('rebinds, counts the refusals, and logs a foreign claim once', () => {
    const taken: string[] = []
    const rejects: string[] = []
    const lines: string[] = []
    const r = new Rebinder({
      index: 0,
      hood: hood({ down: true }),
      rebind: (k, e, previous) => taken.push(`${k}:${previous}->${e.peerId}`),
      reject: (why) => rejects.push(why),
      log: (l) => lines.push(l),
    })
    r.claim(entry(1, 'NEW'))
    r.claim(entry(2, 'X'))
    r.claim(entry(2, 'X'))
    expect(taken).toEqual(['0:OLD->NEW'])
    expect(r.rebound).toBe(1)
    expect(rejects).toEqual([
      'roster: claim on another index than a neighbour',
      'roster: claim on another index than a neighbour',
    ])
    expect(lines).toHaveLength(1)
    const live = new Rebinder({
      index: 0,
      hood: hood({ connected: true }),
      rebind: () => expect.unreachable(),
      reject: (why) => rejects.push(why),
      log: () => undefined,
    })
    expect(live.claim(entry(3, 'NEW'))).toBe('refused-live')
    expect(rejects.at(-1)).toBe('roster: claim on live neighbour 3')
  })
})
