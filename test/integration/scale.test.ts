/**
 * A swarm at the size it claims (issue 13): 32 peer processes on a random 4-regular graph, started by `meshgd swarm`
 * on this machine, must start (past 8 peers they used not to), finish with parameters bit-identical to `meshgd
 * sim`, print no warning, and hold at most 80 MB of memory per peer, read from /proc while the rounds run.
 *
 * Memory per peer is the proportional set size (Pss, /proc/PID/smaps_rollup): a peer's own pages plus its share of
 * the pages it shares with the others (the Node binary's ~55 MB of code, mapped by every peer). The plain resident
 * size (VmRSS) counts that shared code once per peer, so it overstates what n peers cost together; it is reported
 * beside, and the private part (RssAnon) is held to the same bound.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { childProcesses, sampleMemory, type ProcessMemory } from '../../src/observe/proc-memory.js'
import { jsonWriter, paramsBytes, runMeshgd, workDir } from '../helpers/meshgd.js'
import { startMeshgd } from '../helpers/processes.js'

const work = workDir('scale')

/** Runs meshgd, sampling the memory of the peer processes it starts every 3 s. */
async function run(args: string[]): Promise<{ status: number; stderr: string; samples: ProcessMemory[] }> {
  const p = startMeshgd(args, { cwd: work })
  const sampler = sampleMemory(() => childProcesses(p.child.pid!, / node .*--index /), 3000)
  const { code } = await p.exit
  return { status: code ?? -1, stderr: p.stderr(), samples: sampler.stop() }
}

describe('a swarm of 32 peer processes', () => {
  it('starts, equals the simulator bit for bit, warns about nothing, and keeps each peer under 80 MB', async () => {
    const n = 32
    const file = jsonWriter(work)('rr32', {
      swarm: { id: 'rr32', peers: n },
      topology: { kind: 'random-regular', degree: 4, seed: 3 },
      problem: { kind: 'planted', loss: 'squared', dim: 256, samples_per_peer: 1, seed: 1 },
      algorithm: { kind: 'elastic', eta: 1.0, mu: 0.1 },
      run: { rounds: 300, target: null, checkpoint_every: null, record_every: 50 },
    })
    const sim = runMeshgd(['sim', file, '--out', join(work, 'sim'), '--quiet', '--no-theory'])
    expect(sim.status, sim.stderr).toBe(0)
    const net = await run(['swarm', file, '--out', join(work, 'net'), '--quiet'])
    expect(net.stderr).toBe('') // no MaxListenersExceededWarning or any other word
    expect(net.status).toBe(0)
    for (let i = 0; i < n; i++) {
      const a = paramsBytes(join(work, 'sim'), i)
      const b = paramsBytes(join(work, 'net'), i)
      expect(b.equals(a), `peer ${i}`).toBe(true)
    }
    expect(net.samples.length).toBeGreaterThan(n) // sampled more than once per peer
    const worst = (key: keyof ProcessMemory): number => Math.max(...net.samples.map((m) => m[key])) / 1024
    const figures = `Pss ${worst('pssKb').toFixed(1)} MB, RssAnon ${worst('anonKb').toFixed(1)} MB, VmRSS ${worst('rssKb').toFixed(1)} MB (worst peer)`
    expect(worst('pssKb'), figures).toBeLessThanOrEqual(80)
    expect(worst('anonKb'), figures).toBeLessThanOrEqual(80)
  }, 600_000)
})
