/**
 * Progress without a terminal (issue 25 item 15): a line every 10% of the rounds and, between those, at least one
 * every 5 s while the rounds go on (a 200,000-round run was silent for 20 s), none while nothing moves; a sweep
 * says it is still running every 5 s between finished cells. Fake clocks, a fake stream.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createProgress, LINE_EVERY_MS } from '../../src/observe/progress.js'
import { createSweepProgress } from '../../src/report/sweep-progress.js'

function fakeStream(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = []
  return {
    stream: { isTTY: false, write: (s: string) => lines.push(s.trimEnd()) } as unknown as NodeJS.WriteStream,
    lines,
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('createProgress without a terminal', () => {
  it('writes at each 10% and at least every 5 s of rounds, never more often in between', () => {
    const { stream, lines } = fakeStream()
    let now = 0
    const p = createProgress('sim', 200_000, stream, () => now)
    // 1,000 rounds a second: 10% takes 20 s
    for (let round = 100; round <= 200_000; round += 100) {
      now += 100
      p.update(round, 1e-3)
    }
    const rounds = lines.map((l) => Number(/round (\d+)\//.exec(l)![1]))
    expect(rounds.filter((r) => r % 20_000 === 0)).toEqual([
      20_000, 40_000, 60_000, 80_000, 100_000, 120_000, 140_000, 160_000, 180_000, 200_000,
    ])
    // between two lines, at most 5 s of rounds (5,000 here), and never closer than that except at a 10% mark
    for (let k = 1; k < rounds.length; k++) expect(rounds[k]! - rounds[k - 1]!).toBeLessThanOrEqual(LINE_EVERY_MS)
    expect(lines.length).toBeLessThanOrEqual(200_000 / 5000 + 10)
    expect(lines[0]).toBe('sim: round 5000/200000, relative error 1.00e-3')
  })

  it('is silent while the round does not move (a swarm waiting on a peer), and a status line counts as a line', () => {
    const { stream, lines } = fakeStream()
    let now = 0
    const p = createProgress('swarm', 1000, stream, () => now)
    p.update(5, null)
    for (let k = 0; k < 10; k++) {
      now += 6000
      p.update(5, null)
    }
    expect(lines).toEqual(['swarm: round 5/1000, relative error n/a'])
    p.status('8/8 peers joined')
    now += 4000
    p.update(6, null)
    expect(lines.at(-1)).toBe('swarm: 8/8 peers joined')
  })
})

describe('createSweepProgress without a terminal', () => {
  it('says the sweep is still running every 5 s between finished cells, and stops saying so when stopped', () => {
    vi.useFakeTimers()
    const { stream, lines } = fakeStream()
    const p = createSweepProgress(4, 1, stream)
    vi.advanceTimersByTime(4000)
    expect(lines).toEqual([])
    vi.advanceTimersByTime(2000)
    expect(lines).toEqual(['sweep: 1/4 cells, still running (5 s)'])
    p.finished('a=1', 'rate 0.9')
    vi.advanceTimersByTime(3000)
    expect(lines.at(-1)).toBe('sweep: 2/4 cells, a=1: rate 0.9')
    vi.advanceTimersByTime(3000)
    expect(lines.at(-1)).toBe('sweep: 2/4 cells, still running (11 s)')
    p.stop()
    vi.advanceTimersByTime(60_000)
    expect(lines).toHaveLength(3)
  })
})
