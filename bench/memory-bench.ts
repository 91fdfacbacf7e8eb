/**
 * `npm run bench -- memory` (issue 26 item 4): the memory of a swarm's peers over a long run, with a peer killed and
 * started again in the middle. A bootstrap and 32 `meshgd node` processes on a 4 x 8 torus (d = 256, checkpoints every
 * 100 rounds) run for BENCH_MEMORY_MINUTES minutes (20 unless set); one peer is killed with SIGKILL at a third of
 * the time and started again 30 s later (it resumes from its checkpoint); then every process gets Ctrl-C. Each
 * peer's VmRSS, RssAnon and Pss (src/observe/proc-memory.ts) are read every 10 s.
 *
 * Printed: the curve (per minute, the median and the largest VmRSS over the peers, and the median Pss), and how flat
 * it is after the first two minutes: the largest per-sample median over the smallest, which issue 26 wants within
 * 1.10. Not in `npm run bench` without a name: it takes as long as it says.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { processMemory, type ProcessMemory } from '../src/observe/proc-memory.js'
import { PEER_V8_FLAGS } from '../src/swarm/local.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'meshgd.js')
const PEERS = 32
const SAMPLE_MS = 10_000
const KILLED = 5
const WARM_UP_MS = 120_000

interface Sample {
  readonly atMs: number
  readonly peers: ProcessMemory[]
}

/**
 * A meshgd process: a bootstrap's stdout (its address) is read, a peer's stderr appended to `log` (so that no pipe
 * fills, and a restarted peer's log follows its first life's).
 */
function meshgdProcess(args: string[], log?: string): ChildProcess {
  const stdio: StdioOptions = log ? ['ignore', 'ignore', openSync(log, 'a')] : ['ignore', 'pipe', 'ignore']
  return spawn(process.execPath, [...PEER_V8_FLAGS, BIN, ...args], { stdio })
}

/** The bootstrap's first address line. */
async function bootstrapAddress(boot: ChildProcess): Promise<string> {
  const lines = createInterface({ input: boot.stdout! })[Symbol.asyncIterator]()
  const first = await lines.next()
  if (first.done) throw new Error('the bootstrap printed no address')
  return first.value as string
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

/** The restarted peer's own line about its checkpoint, or what is missing. */
function resumedLine(log: string): string {
  const line = readFileSync(log, 'utf8')
    .split('\n')
    .find((l) => / resuming from /.test(l))
  return line ?? 'NO resume line in its log'
}

const mb = (kb: number): string => (kb / 1024).toFixed(1)

function writeExperiment(dir: string): string {
  const file = join(dir, 'memory.json')
  writeFileSync(
    file,
    JSON.stringify({
      swarm: { id: 'memory32', peers: PEERS },
      topology: { kind: 'torus', rows: 4, cols: 8 },
      problem: { kind: 'planted', loss: 'squared', dim: 256, samples_per_peer: 1, seed: 1 },
      algorithm: { kind: 'elastic', eta: 1, mu: 0.1 },
      run: {
        rounds: 100_000_000,
        record_every: 1000,
        target: null,
        checkpoint_every: 100,
        neighbour_timeout_ms: 20_000,
      },
    }),
  )
  return file
}

/** The curve and the flatness figure of the samples. */
function report(samples: readonly Sample[], minutes: number): string[] {
  const lines = ['minute  median VmRSS  largest VmRSS  median RssAnon  median Pss   (MB, over the live peers)']
  for (let m = 0; m <= Math.ceil(minutes); m++) {
    const at = samples.filter((s) => s.atMs >= m * 60_000 && s.atMs < (m + 1) * 60_000).at(-1)
    if (!at || at.peers.length === 0) continue
    const rss = at.peers.map((p) => p.rssKb)
    lines.push(
      `${String(m).padStart(6)}  ${mb(median(rss)).padStart(12)}  ${mb(Math.max(...rss)).padStart(13)}  ${mb(median(at.peers.map((p) => p.anonKb))).padStart(14)}  ${mb(median(at.peers.map((p) => p.pssKb))).padStart(10)}`,
    )
  }
  const settled = samples
    .filter((s) => s.atMs >= WARM_UP_MS && s.peers.length > 0)
    .map((s) => median(s.peers.map((p) => p.rssKb)))
  if (settled.length > 0) {
    const flat = Math.max(...settled) / Math.min(...settled)
    lines.push(
      `after the first ${WARM_UP_MS / 60_000} minutes: median VmRSS from ${mb(Math.min(...settled))} to ${mb(Math.max(...settled))} MB, ratio ${flat.toFixed(3)} (issue 26: within 1.10)`,
    )
  }
  return lines
}

export async function memoryOverTime(): Promise<{ name: string; lines: string[] }> {
  const minutes = Number(process.env.BENCH_MEMORY_MINUTES ?? 20)
  const dir = mkdtempSync(join(tmpdir(), 'meshgd-bench-memory-'))
  const file = writeExperiment(dir)
  const boot = meshgdProcess(['bootstrap', '--listen', '/ip4/127.0.0.1/tcp/0'])
  mkdirSync(join(dir, 'logs'))
  const peers: ChildProcess[] = []
  const samples: Sample[] = []
  try {
    const addr = await bootstrapAddress(boot)
    const startPeer = (i: number): ChildProcess =>
      meshgdProcess(
        [
          'node',
          file,
          '--index',
          String(i),
          '--listen',
          '/ip4/127.0.0.1/tcp/0',
          '--bootstrap',
          addr,
          '--out',
          join(dir, 'net'),
        ],
        join(dir, 'logs', `${i}.log`),
      )
    for (let i = 0; i < PEERS; i++) peers.push(startPeer(i))
    const started = performance.now()
    const endMs = minutes * 60_000
    let killedAt: number | null = null
    let restartedAt: number | null = null
    while (performance.now() - started < endMs) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))
      const atMs = performance.now() - started
      samples.push({
        atMs,
        peers: peers
          .map((p) => (p.exitCode === null && p.signalCode === null ? processMemory(p.pid!) : null))
          .filter((m): m is ProcessMemory => m !== null),
      })
      if (killedAt === null && atMs >= endMs / 3) {
        peers[KILLED]!.kill('SIGKILL')
        killedAt = atMs
      } else if (killedAt !== null && peers[KILLED]!.signalCode === 'SIGKILL' && atMs >= killedAt + 30_000) {
        peers[KILLED] = startPeer(KILLED)
        restartedAt = atMs
      }
    }
    const failed = peers.map((p, i) => (p.exitCode !== null && p.exitCode !== 0 ? i : -1)).filter((i) => i >= 0)
    return {
      name: `memory of ${PEERS} peers over ${minutes} minutes (torus, d = 256), peer ${KILLED} killed at a third and started again 30 s later`,
      lines: [
        ...report(samples, minutes),
        `peer ${KILLED} killed at ${((killedAt ?? NaN) / 1000).toFixed(0)} s and started again at ${((restartedAt ?? NaN) / 1000).toFixed(0)} s: ${resumedLine(join(dir, 'logs', `${KILLED}.log`))}`,
        failed.length > 0
          ? `peers that stopped on their own: ${failed.join(', ')} (logs in ${join(dir, 'logs')})`
          : 'every peer ran to the end',
      ],
    }
  } finally {
    for (const p of [...peers, boot]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGINT')
    await Promise.all(
      [...peers, boot].map((p) =>
        p.exitCode === null && p.signalCode === null
          ? Promise.race([once(p, 'exit'), new Promise((r) => setTimeout(r, 10_000))])
          : null,
      ),
    )
    for (const p of [...peers, boot]) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
  }
}
