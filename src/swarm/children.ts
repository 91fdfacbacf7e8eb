/**
 * The processes of a local swarm (`meshgd swarm`): starting peers in waves, following their start through the events
 * they write on stdout (peer-events.ts), their exit codes, the bootstrap's first line, and stopping every one.
 */
import type { ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { SwarmError } from './gather.js'
import { parseEvent } from './peer-events.js'

/** The first line a child prints on stdout (the bootstrap's first multiaddr). */
export async function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return (await firstLines(child, 1, timeoutMs))[0]!
}

/** The first `count` lines a child prints on stdout (the bootstrap's multiaddrs, one per address it listens on). */
export function firstLines(child: ChildProcess, count: number, timeoutMs: number): Promise<string[]> {
  return new Promise((resolveLines, reject) => {
    let buffer = ''
    let stderr = ''
    const timer = setTimeout(
      () =>
        reject(
          new SwarmError(
            'BOOTSTRAP_FAILED',
            `the bootstrap printed no address within ${timeoutMs} ms ${stderr.trim()}`,
          ),
        ),
      timeoutMs,
    )
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      if (lines.length > count) {
        clearTimeout(timer)
        resolveLines(lines.slice(0, count).map((l) => l.trim()))
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(
        new SwarmError(
          'BOOTSTRAP_FAILED',
          `the bootstrap exited (${code}) before printing its address: ${stderr.trim().split('\n').at(-1) ?? ''}`,
        ),
      )
    })
  })
}

const exits = new WeakMap<ChildProcess, Promise<number>>()

/** The exit code of a child (128 when killed by a signal); one listener per child however often it is asked. */
export function exitOf(child: ChildProcess): Promise<number> {
  let exit = exits.get(child)
  if (!exit) {
    exit = new Promise((resolveExit) => {
      if (child.exitCode !== null) return resolveExit(child.exitCode)
      child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 128 : 1)))
    })
    exits.set(child, exit)
  }
  return exit
}

/** Calls `onLine` with each whole line a child writes to `stream` (chunks may split lines). */
function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let partial = ''
  stream?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
}

/**
 * How many peers may be starting at once (spawned, not yet listening): loading the runtime and creating a libp2p
 * node takes about a second of CPU, and 64 processes doing it at once on 2 cores starve the ones already up.
 */
export function startingWave(cores = availableParallelism()): number {
  return Math.max(4, 2 * cores)
}

/**
 * Starts n peer processes, at most `startingWave()` of them starting at once (spawned, not yet listening), and
 * follows them: each one's last error line (stderr), and, from the events it writes on stdout (peer-events.ts),
 * when it listens and `onJoined(count, seconds)` as each finds its neighbours.
 */
export async function startInWaves(
  indices: readonly number[],
  spawnPeer: (i: number) => ChildProcess,
  signal: AbortSignal,
  onJoined: (joined: number, seconds: number) => void,
): Promise<{ peers: ChildProcess[]; lastError: string[] }> {
  const n = indices.length === 0 ? 0 : Math.max(...indices) + 1
  const lastError = new Array<string>(n).fill('')
  const listening: boolean[] = []
  const peers: ChildProcess[] = []
  const waiting = new Set<() => void>()
  const wake = (): void => {
    for (const w of [...waiting]) w()
    waiting.clear()
  }
  const starting = (): number =>
    peers.filter((c, k) => !listening[k] && c.exitCode === null && c.signalCode === null).length
  const startedAt = performance.now()
  let joined = 0
  signal.addEventListener('abort', wake, { once: true })
  for (const i of indices) {
    while (starting() >= startingWave() && !signal.aborted) await new Promise<void>((w) => waiting.add(w))
    if (signal.aborted) break
    const k = peers.length
    listening.push(false)
    const child = spawnPeer(i)
    eachLine(child.stderr, (line) => {
      if (line.startsWith('meshgd:')) lastError[i] = line
    })
    eachLine(child.stdout, (line) => {
      const event = parseEvent(line)
      if (event?.event === 'listening') {
        listening[k] = true
        wake()
      } else if (event?.event === 'joined') onJoined(++joined, (performance.now() - startedAt) / 1000)
    })
    void exitOf(child).then(wake)
    peers.push(child)
  }
  signal.removeEventListener('abort', wake)
  return { peers, lastError }
}

/** Every process a swarm started, so that all of them are stopped however the swarm ends. */
export class Children {
  readonly all: ChildProcess[] = []

  add(child: ChildProcess): ChildProcess {
    this.all.push(child)
    return child
  }

  /** SIGTERM to every live child, SIGKILL to any still alive 5 s later. */
  async stopAll(): Promise<void> {
    const live = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null
    for (const c of this.all) if (live(c)) c.kill('SIGTERM')
    await Promise.all(this.all.map((c) => Promise.race([exitOf(c), new Promise((r) => setTimeout(r, 5000))])))
    for (const c of this.all) if (live(c)) c.kill('SIGKILL')
  }
}
