/**
 * Real processes that run while a test watches them: `meshgd bootstrap`, `meshgd node` peers on loopback,
 * launchers; their progress read from their own metrics files, and the exact answer computed independently (a dense
 * solve of the Gram system). Every process started here is in `started`; a test file calls `stopStarted()` after all.
 */
import { dataProblem } from '../../src/problems/index.js'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { experimentFrom } from '../../src/config/load.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import type { Shard } from '../../src/problems/types.js'
import { bin, paramsBytes } from './meshgd.js'

const started: ChildProcess[] = []

/** SIGKILL to every process started here that is still running. */
export function stopStarted(): void {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
}

/** A running meshgd process: what it has printed so far, and its exit. */
export interface Proc {
  child: ChildProcess
  exit: Promise<{ code: number | null; signal: string | null }>
  stdout: () => string
  stderr: () => string
}
export type Peer = Proc

/** `meshgd ARGS` started with this process's Node (stdin closed, stdout and stderr collected), in `started`. */
export function startMeshgd(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Proc {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  })
  started.push(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  )
  return { child, exit, stdout: () => out, stderr: () => err }
}

/** Its exit status; -1 when a signal ended it. */
export const exitCode = (p: Proc): Promise<number> => p.exit.then(({ code }) => code ?? -1)

/** The first whole line `p` prints on `stream`; rejects when it exits first. */
export function firstLine(p: Proc, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let text = ''
    p.child[stream]!.on('data', (d: Buffer) => {
      text += d.toString()
      if (text.includes('\n')) resolveLine(text.split('\n')[0]!.trim())
    })
    p.child.once('exit', () => reject(new Error(`meshgd exited before printing a line on ${stream}: ${p.stderr()}`)))
  })
}

/** A `meshgd bootstrap` on loopback (port 0 unless `listen` says otherwise): its address, once it has printed it. */
export async function startBootstrap(
  args: readonly string[] = [],
  listen = '/ip4/127.0.0.1/tcp/0',
): Promise<{ addr: string; stop: () => void }> {
  const boot = startMeshgd(['bootstrap', '--listen', listen, ...args])
  const addr = await firstLine(boot)
  return { addr, stop: () => boot.child.kill('SIGTERM') }
}

/** `meshgd node FILE --index i` on loopback (port 0), joining through the bootstrap `boot`, writing under `out`. */
export function startPeer(
  file: string,
  i: number,
  out: string,
  boot: string,
  extra: { env?: Record<string, string>; args?: string[] } = {},
): Peer {
  return startMeshgd(
    [
      'node',
      file,
      '--index',
      String(i),
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--bootstrap',
      boot,
      '--out',
      out,
      ...(extra.args ?? []),
    ],
    extra.env ? { env: extra.env } : {},
  )
}

/** A TCP port nobody listens on right now (for peers that must listen on a known port). */
export function freePort(): Promise<number> {
  return new Promise((r) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => r(port))
    })
  })
}

/** The process IDs of pid's children (ps --ppid). */
export function childPids(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((x) => x > 0)
}

/** Whether a process with this ID exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The newest round peer i has recorded in its metrics.jsonl. */
export function recordedRound(out: string, i: number): number {
  const path = join(out, 'peers', String(i), 'metrics.jsonl')
  if (!existsSync(path)) return -1
  const lines = readFileSync(path, 'utf8').trim().split('\n')
  for (let k = lines.length - 1; k >= 0; k--) {
    try {
      return (JSON.parse(lines[k]!) as { round: number }).round
    } catch {
      // a line being written
    }
  }
  return -1
}

export async function waitForRound(out: string, i: number, round: number, timeoutMs = 240_000): Promise<void> {
  const t0 = Date.now()
  while (recordedRound(out, i) < round) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`peer ${i} did not reach round ${round} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function shardsOf(body: Record<string, unknown>, baseDir: string): readonly Shard[] {
  return dataProblem(resolveExperiment(experimentFrom(body), baseDir).problem).shards
}

/** w = X^T (X X^T)^{-1} y over the given shards: the minimum-norm interpolant, by a dense Gram solve. */
export function minNormInterpolant(shards: readonly Shard[]): Float64Array {
  const rows: Array<{ x: Float64Array; y: number }> = []
  for (const s of shards)
    for (let r = 0; r < s.rows; r++) rows.push({ x: s.features.subarray(r * s.dim, (r + 1) * s.dim), y: s.targets[r]! })
  const m = rows.length
  const dot = (a: Float64Array, b: Float64Array): number => a.reduce((acc, v, k) => acc + v * b[k]!, 0)
  const g = rows.map((a) => [...rows.map((b) => dot(a.x, b.x)), a.y])
  for (let c = 0; c < m; c++) {
    let p = c
    for (let r = c + 1; r < m; r++) if (Math.abs(g[r]![c]!) > Math.abs(g[p]![c]!)) p = r
    ;[g[c], g[p]] = [g[p]!, g[c]!]
    for (let r = 0; r < m; r++) {
      if (r === c) continue
      const f = g[r]![c]! / g[c]![c]!
      for (let k = c; k <= m; k++) g[r]![k]! -= f * g[c]![k]!
    }
  }
  const alpha = g.map((row, c) => row[m]! / row[c]!)
  const w = new Float64Array(rows[0]!.x.length)
  rows.forEach((row, r) => row.x.forEach((v, k) => (w[k]! += alpha[r]! * v)))
  return w
}

export const params = (out: string, i: number): Float64Array => {
  const b = paramsBytes(out, i)
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length))
}
export const distance = (a: Float64Array, b: Float64Array): number =>
  Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0))
export const norm = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0))
export const info = (
  out: string,
  i: number,
): Record<string, unknown> & {
  resumed_from: number | null
  rounds: number
  jumped_rounds: number
  rebound_neighbours: number
  rejects: Record<string, number>
  refused_streams: number
} => JSON.parse(readFileSync(join(out, 'peers', String(i), 'info.json'), 'utf8'))
