/**
 * What a process holds in memory, read from Linux's /proc (for tests and benchmarks of swarms on one machine).
 *
 * `pssKb` (proportional set size) charges each shared page to the processes sharing it in equal parts: the honest
 * figure for "what does one more peer cost" when many run on one host, since every peer maps the same ~55 MB of
 * Node's code. `rssKb` (VmRSS) counts shared pages in full in every process; `anonKb` (RssAnon) is the private part.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface ProcessMemory {
  pssKb: number
  rssKb: number
  anonKb: number
}

function field(text: string, name: string): number {
  return Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN)
}

/** The memory of a process, or null when it is gone (or this is not Linux). */
export function processMemory(pid: number): ProcessMemory | null {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return { pssKb: field(rollup, 'Pss'), rssKb: field(status, 'VmRSS'), anonKb: field(status, 'RssAnon') }
  } catch {
    return null
  }
}

/** The PIDs of a process's children whose command line matches `pattern`. */
export function childProcesses(parent: number, pattern: RegExp): number[] {
  const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' })
  return (r.stdout ?? '')
    .split('\n')
    .filter((line) => pattern.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter((pid) => pid > 0)
}

/** Samples the memory of the processes `pids()` names every `everyMs` until stopped; returns every sample. */
export function sampleMemory(pids: () => number[], everyMs: number): { stop: () => ProcessMemory[] } {
  const samples: ProcessMemory[] = []
  const timer = setInterval(() => {
    for (const pid of pids()) {
      const m = processMemory(pid)
      if (m) samples.push(m)
    }
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      return samples
    },
  }
}
