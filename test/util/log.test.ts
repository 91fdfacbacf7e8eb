import { describe, expect, it } from 'vitest'
import { RejectLog } from '../../src/observe/log.js'

describe('RejectLog', () => {
  it('writes once per (peer, reason), at most `burst` lines per window, then sums up what it held back', () => {
    const lines: string[] = []
    const log = new RejectLog((l) => lines.push(l), { burst: 3, windowMs: 1000 })
    for (let k = 0; k < 100; k++) log.note('A', 'NON_FINITE', 0)
    expect(lines).toHaveLength(1)
    log.note('A', 'BAD_LENGTH', 10)
    log.note('B', 'NON_FINITE', 20)
    log.note('C', 'NON_FINITE', 30) // over the burst: held back
    log.note('D', 'NON_FINITE', 40) // held back
    expect(lines).toHaveLength(3)
    log.note('E', 'NON_FINITE', 1500) // new window: summary first, then the line
    expect(lines).toHaveLength(5)
    expect(lines[3]).toMatch(/^2 further rejection line\(s\) suppressed/)
    expect(lines[4]).toMatch(/from E \(NON_FINITE\)/)
    log.note('C', 'NON_FINITE', 1600) // C was held back, not written, but its key is seen: stays quiet
    expect(lines).toHaveLength(5)
  })
})
