/**
 * A local swarm's progress as the launcher shows it: each peer's newest round and relative error from the status
 * topic (an observer node that only listens), and, since every peer writes to this machine, from the newest line of
 * its metrics file. It moves the progress bar, the network lab's partition schedule and the live dashboard.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { ExperimentInput } from '../config/schema.js'
import type { Lab } from '../lab/netns.js'
import { connectBootstrap, createMeshNode } from '../net/node.js'
import { Roster } from '../net/roster.js'
import type { Progress } from '../observe/progress.js'
import type { LiveDashboard } from './dashboard.js'

export interface FeedOptions {
  readonly experiment: ExperimentInput
  readonly peers: number
  readonly bootAddr: string
  /** where the observer node listens */
  readonly listen: string
  readonly swarmKeyFile?: string
  readonly out: string
  readonly signal: AbortSignal
  readonly progress: Progress | null
  readonly lab: Lab | null
  readonly dashboard: LiveDashboard | null
}

export interface ProgressFeed {
  /** the largest relative error over the peers, once every peer has reported one */
  worstError(): number | null
  stop(): Promise<void>
}

export async function followProgress(o: FeedOptions): Promise<ProgressFeed> {
  const swarmKey = o.swarmKeyFile ? (await import('../net/identity.js')).readSwarmKey(o.swarmKeyFile) : null
  const observer = await createMeshNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [o.listen],
    bootstrap: [o.bootAddr],
    swarmKey,
  })
  await observer.start()
  await connectBootstrap(observer, [o.bootAddr], 30_000, o.signal)
  const reached = new Array<number>(o.peers).fill(0)
  // each peer's newest relative error; the bar shows the largest (n/a until every peer has reported one)
  const errors = new Array<number | null>(o.peers).fill(null)
  const worstError = (): number | null => (errors.every((e) => e !== null) ? Math.max(...(errors as number[])) : null)
  const moved = (): void => {
    o.progress?.update(Math.min(...reached), worstError())
    o.lab?.onRound(Math.max(...reached))
  }
  const roster = new Roster(observer, {
    swarm: o.experiment.swarm.id,
    peers: o.peers,
    self: null,
    onStatus: (s) => {
      reached[s.index] = Math.max(reached[s.index]!, s.round)
      if (s.relative_error !== undefined && s.relative_error !== null) errors[s.index] = s.relative_error
      moved()
      o.dashboard?.onStatus(o.experiment.swarm.id, s)
    },
  })
  roster.start()
  const poll = setInterval(() => {
    for (let i = 0; i < o.peers; i++) {
      reached[i] = Math.max(reached[i]!, lastRecordedRound(join(o.out, 'peers', String(i), 'metrics.jsonl')))
    }
    moved()
  }, 100)
  poll.unref()
  return {
    worstError,
    stop: async () => {
      clearInterval(poll)
      roster.stop()
      await Promise.resolve(observer.stop()).catch(() => undefined)
    },
  }
}

/** The round of the last complete line of a metrics.jsonl (reading its last 4 kB), or 0. */
export function lastRecordedRound(path: string): number {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return 0
  }
  try {
    const size = fstatSync(fd).size
    const length = Math.min(size, 4096)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    const lines = buffer.toString('utf8').split('\n')
    for (let k = lines.length - 2; k >= 0; k--) {
      const m = /^\{"round":(\d+),/.exec(lines[k]!)
      if (m) return Number(m[1])
    }
    return 0
  } finally {
    closeSync(fd)
  }
}
