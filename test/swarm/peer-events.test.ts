/**
 * How `meshgd swarm` follows its peers' start (src/swarm/peer-events.ts, src/swarm/children.ts): from the JSON
 * events a peer writes on stdout, not its log text. Real child processes stand in for peers: each announces
 * `listening` after a moment, then `joined`, and stays until told to stop; the launcher starts at most a wave of
 * them before one listens, and counts them joining.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { PeerEvent } from '../../src/peer/types.js'
import { Children, startInWaves, startingWave } from '../../src/swarm/children.js'
import { eventLine, parseEvent } from '../../src/swarm/peer-events.js'

describe('peer events', () => {
  it('are one JSON line each, and anything else is no event', () => {
    const listening: PeerEvent = { event: 'listening', peer: 3, peer_id: '12D3KooW', addrs: ['/ip4/127.0.0.1/tcp/1'] }
    expect(eventLine(listening).endsWith('\n')).toBe(true)
    expect(parseEvent(eventLine(listening).trim())).toEqual(listening)
    expect(parseEvent('{"event":"joined","peer":0}')).toEqual({ event: 'joined', peer: 0 })
    for (const line of [
      'peer 3: 12D3KooW listening on /ip4/127.0.0.1/tcp/1',
      '{"event":"gone","peer":1}',
      '{"event":"joined"}',
      '{broken',
    ])
      expect(parseEvent(line)).toBeNull()
  })

  it('let the launcher start peers in waves and count them joining', async () => {
    const n = startingWave() + 3
    const started: number[] = []
    const joined: number[] = []
    const children = new Children()
    // a peer: listening after 400 ms (noise on stderr and stdout first), joined 100 ms later, then it waits
    const fake = (i: number): ChildProcess => {
      started.push(Date.now())
      const script = `
        process.stderr.write('peer ${i}: some log line\\n'); process.stdout.write('not an event\\n')
        setTimeout(() => process.stdout.write(JSON.stringify({ event: 'listening', peer: ${i}, peer_id: 'x', addrs: [] }) + '\\n'), 400)
        setTimeout(() => process.stdout.write(JSON.stringify({ event: 'joined', peer: ${i} }) + '\\n'), 500)
        setInterval(() => {}, 1000)`
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
      return children.add(child)
    }
    try {
      const first = Date.now()
      const indices = Array.from({ length: n }, (_, i) => i)
      const { peers } = await startInWaves(indices, fake, new AbortController().signal, (count) => joined.push(count))
      expect(peers).toHaveLength(n)
      // the first wave starts at once; the rest only after the first of it listened (400 ms in)
      const wave = startingWave()
      expect(started.slice(0, wave).every((t) => t - first < 300)).toBe(true)
      expect(started.slice(wave).every((t) => t - first >= 350)).toBe(true)
      await expect.poll(() => joined.length, { timeout: 10_000 }).toBe(n)
      expect(joined).toEqual(Array.from({ length: n }, (_, k) => k + 1))
    } finally {
      await children.stopAll()
    }
    expect(children.all.every((c) => c.exitCode !== null || c.signalCode !== null)).toBe(true)
  }, 30_000)
})
