/**
 * SwarmWatch (pure): pace from two statuses, live/silent/done, who is not heard yet, when every peer is done, and
 * the table's rows, on hand-made statuses and times.
 */
import { describe, expect, it } from 'vitest'
import { SwarmWatch, watchTable } from '../../src/swarm/watch.js'

const status = (
  index: number,
  round: number,
  done = false,
): {
  index: number
  round: number
  loss: number
  disagreement: number
  relative_error: number
  done: boolean
  peers: number
} => ({
  index,
  round,
  loss: 0.5,
  disagreement: 0.1,
  relative_error: 0.25,
  done,
  peers: 3,
})

describe('SwarmWatch', () => {
  it('rounds per second from two statuses; silent after the limit; done when a peer says so', () => {
    const w = new SwarmWatch(5000)
    expect(w.update('s', status(0, 10), 1000).rounds_per_second).toBeNull()
    expect(w.update('s', status(0, 60), 3000).rounds_per_second).toBe(25) // 50 rounds in 2 s
    expect(w.view('s', 0, 7000)!.state).toBe('live')
    expect(w.view('s', 0, 8001)!.state).toBe('silent')
    expect(w.unheard('s')).toEqual([1, 2])
    expect(w.allDone()).toBe(false)
    w.update('s', status(1, 100, true), 9000)
    w.update('s', status(2, 100, true), 9000)
    expect(w.allDone()).toBe(false) // peer 0 is not done
    w.update('s', status(0, 100, true), 9500)
    expect(w.allDone()).toBe(true)
    expect(w.rows(9500).map((r) => [r.peer, r.state])).toEqual([
      [0, 'done'],
      [1, 'done'],
      [2, 'done'],
    ])
  })

  it('the table: a header, one aligned row per peer, and who is not heard yet', () => {
    const w = new SwarmWatch(5000)
    w.update('ring', status(2, 7), 0)
    const lines = watchTable(w.rows(0), (s) => w.unheard(s)).split('\n')
    expect(lines[0]).toMatch(/^swarm\s+peer\s+round\s+loss\s+rel\. error\s+state\s+rounds\/s$/)
    expect(lines[1]).toMatch(/^ring\s+2\s+7\s+5\.00e-1\s+2\.50e-1\s+live\s+n\/a$/)
    expect(lines[0]!.length).toBe(lines[1]!.length)
    expect(lines[2]).toBe('ring: not heard yet from peer(s) 0, 1')
    // issue 25 item 16: one format for loss and error, a converged peer's exact 0 and its tiny error alike
    w.update('ring', { ...status(0, 9), loss: 0, relative_error: 8.87e-31 }, 0)
    expect(watchTable(w.rows(0), (s) => w.unheard(s)).split('\n')[1]).toMatch(/^ring\s+0\s+9\s+0\s+8\.87e-31\s+live/)
  })
})
