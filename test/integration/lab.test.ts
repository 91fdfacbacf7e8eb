/**
 * The network lab (`meshgd swarm --netns`): every peer and the bootstrap in a network namespace of its own, links
 * shaped by the experiment's `network:` section, partitions on a schedule, and nothing left behind. Needs root,
 * `ip netns` and python3 (CI runs as root); where any is missing the suite is skipped with a message saying which.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bin, jsonWriter, meshgdRunner, paramsBytes as params, root, workDir } from '../helpers/meshgd.js'
import { alive, childPids, startMeshgd } from '../helpers/processes.js'

const work = workDir('lab', { mode: 0o755 }) // the without-root test reads its experiment as nobody

function why(): string | null {
  if (process.getuid?.() !== 0) return 'not root'
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'no ip netns'
  if (spawnSync('python3', ['--version']).status !== 0) return 'no python3'
  return null
}
const missing = why()
if (missing) console.warn(`lab tests skipped: ${missing} (they need root, iproute2's ip netns and python3)`)

const meshgd = meshgdRunner({ cwd: work, timeout: 300_000 })
const experiment = jsonWriter(work)

/** What the lab may leave behind: its namespaces, and TUN devices in this namespace. */
function leftovers(): string[] {
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /^mgd[0-9a-z]+-/.test(l))
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => /: mgd[0-9a-z]+tun/.test(l))
  return [...ns, ...links]
}

describe.skipIf(missing !== null)('the network lab (meshgd swarm --netns)', () => {
  it('5 peers on hosts of their own, 20 ms links with 1% loss, sync: bit-identical to meshgd sim, and slower by the latency', () => {
    const rounds = 60
    const file = experiment('lab-sync', {
      swarm: { id: 'lab-sync', peers: 5 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 12, samples_per_peer: 2, seed: 5 },
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds, record_every: 10, neighbour_timeout_ms: 30_000 },
      network: { latency_ms: 20, loss: 0.01 },
    })
    const net = meshgd(['swarm', file, '--netns', '--out', join(work, 'lab-sync-net')])
    expect(net.status, net.stderr).toBe(0)
    expect(net.stderr).toMatch(
      /lab: 5 peers and a bootstrap, each in its own namespace on 10\.77\.\d+\.0\/24; links: 20 ms, 1\.00% loss/,
    )
    expect(meshgd(['sim', file, '--out', join(work, 'lab-sync-sim'), '--quiet']).status).toBe(0)
    for (let i = 0; i < 5; i++)
      expect(params(join(work, 'lab-sync-net'), i).equals(params(join(work, 'lab-sync-sim'), i))).toBe(true)
    const summary = JSON.parse(readFileSync(join(work, 'lab-sync-net', 'summary.json'), 'utf8'))
    const hosts = summary.peer_addrs.map((a: string) => /^\/ip4\/(10\.77\.\d+\.\d+)\/tcp\/4001\/p2p\//.exec(a)?.[1])
    expect(new Set(hosts).size).toBe(5) // an address of its own each
    // each round waits for the neighbours' messages, which take at least 20 ms to arrive
    const t = (round: number): number =>
      readFileSync(join(work, 'lab-sync-net', 'peers', '0', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { round: number; t_ms: number })
        .find((r) => r.round === round)!.t_ms
    expect(t(rounds) - t(10)).toBeGreaterThanOrEqual((rounds - 10) * 20)
    expect(leftovers()).toEqual([])
  }, 300_000)

  it('a ring split into two halves for a stretch of rounds, then healed, still reaches 1e-8 of the exact solution', () => {
    const file = experiment('lab-partition', {
      swarm: { id: 'lab-partition', peers: 6 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 200, samples_per_peer: 1, seed: 7 },
      algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
      run: { rounds: 1500, record_every: 50, neighbour_timeout_ms: 1000 },
      network: {
        latency_ms: 1,
        partition: [
          {
            at_round: 150,
            heal_round: 450,
            groups: [
              [0, 1, 2],
              [3, 4, 5],
            ],
          },
        ],
      },
    })
    const net = meshgd(['swarm', file, '--netns', '--out', join(work, 'lab-partition-net')])
    expect(net.status, net.stderr).toBe(0)
    expect(net.stderr).toMatch(/lab: round \d+: partition 0 cuts 9 peer pairs, 2 of them graph edges/) // the ring edges 2-3 and 5-0
    expect(net.stderr).toMatch(/lab: round \d+: partition 0 healed/)
    const summary = JSON.parse(readFileSync(join(work, 'lab-partition-net', 'summary.json'), 'utf8'))
    expect(summary.final.relative_max_error).toBeLessThanOrEqual(1e-8)
    // the peers at the cut went on without their neighbour across it
    const downs = [0, 2, 3, 5].map(
      (i) =>
        JSON.parse(readFileSync(join(work, 'lab-partition-net', 'peers', String(i), 'info.json'), 'utf8'))
          .neighbours_down as number,
    )
    expect(downs.every((d) => d >= 1)).toBe(true)
    expect(leftovers()).toEqual([])
  }, 300_000)

  it('interrupted with SIGINT: every process stops, exit 130, and no namespace or link it made remains', async () => {
    const file = experiment('lab-sigint', {
      swarm: { id: 'lab-sigint', peers: 4 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', dim: 12, samples_per_peer: 2, seed: 5 },
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 10_000_000, record_every: 100_000 },
      network: { latency_ms: 5 },
    })
    const launcher = startMeshgd(['swarm', file, '--netns', '--out', join(work, 'lab-sigint-net'), '--quiet']).child
    const exit = new Promise<number>((r) => launcher.once('exit', (code) => r(code ?? -1)))
    let kids: number[] = []
    for (let k = 0; k < 150 && (kids.length < 6 || leftovers().length < 5); k++) {
      await new Promise((r) => setTimeout(r, 200))
      kids = childPids(launcher.pid!)
    }
    expect(kids.length).toBe(6) // the link emulator, the bootstrap and 4 peers
    expect(leftovers().length).toBeGreaterThanOrEqual(6) // 5 namespaces and the launcher's TUN
    await new Promise((r) => setTimeout(r, 3000))
    launcher.kill('SIGINT')
    expect(await exit).toBe(130)
    for (const pid of kids) expect(alive(pid)).toBe(false)
    expect(leftovers()).toEqual([])
  }, 120_000)

  it('refuses a partition naming a peer the swarm does not have, in one line', () => {
    const file = experiment('lab-bad', {
      swarm: { id: 'lab-bad', peers: 3 },
      network: { partition: [{ at_round: 1, heal_round: 2, cut: [[0, 7]] }] },
    })
    const r = meshgd(['swarm', file, '--netns', '--out', join(work, 'lab-bad-net')])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^meshgd: network\.partition\[0\]\.cut\[0\]: peer 7 is not in this swarm of 3\n$/)
    expect(leftovers()).toEqual([])
  })
})

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups']

/** Whether user 65534 can run `NODE SCRIPT --version` (which loads the whole command's code) from `cwd`. */
function nobodyRuns(node: string, script: string, cwd: string): boolean {
  return (
    spawnSync('setpriv', [...NOBODY, node, script, '--version'], { cwd, encoding: 'utf8', timeout: 60_000 }).status ===
    0
  )
}

/**
 * meshgd as user 65534 can run it: this checkout, where 65534 can read it; else (a clone under /root, or in a
 * `mktemp -d` folder, is closed to it) a copy of what the command runs (this Node, bin/, dist/, package.json,
 * node_modules/ and vendor/, which a link in node_modules points into) in a new folder of mode 0755 under the
 * temporary folder: hard links where it is on the same file system (a fraction of a second), copies where not. A
 * string says why neither works.
 */
function meshgdForNobody(): { node: string; bin: string; cwd: string; remove: () => void } | string {
  if (nobodyRuns(process.execPath, bin, work))
    return { node: process.execPath, bin, cwd: work, remove: () => undefined }
  const dir = workDir('lab-nobody', { mode: 0o755 })
  const remove = (): void => rmSync(dir, { recursive: true, force: true })
  const copies: Array<[string, string]> = [[process.execPath, join(dir, 'node')]]
  for (const path of ['bin', 'dist', 'package.json', 'node_modules', 'vendor'])
    if (existsSync(join(root, path))) copies.push([join(root, path), join(dir, path)])
  for (const [from, to] of copies) {
    if (spawnSync('cp', ['-al', from, to]).status === 0) continue
    rmSync(to, { recursive: true, force: true })
    const copied = spawnSync('cp', ['-a', from, to], { encoding: 'utf8' })
    if (copied.status !== 0) {
      remove()
      return `user 65534 cannot read ${root}, and copying ${from} for it failed: ${copied.stderr.trim()}`
    }
  }
  const copy = { node: join(dir, 'node'), bin: join(dir, 'bin', 'meshgd.js'), cwd: dir, remove }
  if (nobodyRuns(copy.node, copy.bin, copy.cwd)) return copy
  remove()
  return `user 65534 can run meshgd neither from ${root} nor from a copy in ${tmpdir()}`
}

describe.skipIf(process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0)('without root', () => {
  it('says so in one line and exits 1', ({ skip }) => {
    const file = experiment('lab-nonroot', { swarm: { id: 'lab-nonroot', peers: 3 } })
    const nobody = meshgdForNobody()
    if (typeof nobody === 'string') {
      console.warn(`lab test without root skipped: ${nobody}`)
      return skip(nobody)
    }
    try {
      const r = spawnSync(
        'setpriv',
        [
          ...NOBODY,
          nobody.node,
          nobody.bin,
          'swarm',
          file,
          '--netns',
          '--out',
          join(tmpdir(), `meshgd-lab-nonroot-${process.pid}`),
        ],
        { cwd: nobody.cwd, encoding: 'utf8' },
      )
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/^meshgd: meshgd swarm --netns needs root .*\n$/)
    } finally {
      nobody.remove()
    }
  })
})
