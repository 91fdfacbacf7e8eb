/**
 * `--metrics` on a running 4-peer swarm (ring, d = 1,000, a record every round, each round slowed to about 15 ms):
 * every peer's /metrics is scraped mid-run and parsed as the Prometheus text format; its round and bytes must agree
 * with what the peer then writes in its records (within one round), its two neighbours must be live, and libp2p's
 * own metrics must be there too, and every metric the Grafana dashboard in deploy/ asks for. The bootstrap's endpoint
 * serves libp2p's metrics. A bad --metrics is refused.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonWriter, root, runMeshgd, workDir } from '../helpers/meshgd.js'
import { firstLine, startMeshgd, startPeer, stopStarted, waitForRound } from '../helpers/processes.js'

const work = workDir('metrics')
const writeExperiment = jsonWriter(work)
afterAll(stopStarted)

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The Prometheus text format (version 0.0.4): comments, then `name{label="value",...} number` lines. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    samples.push({ name: m[1]!, labels, value: m[3] === 'NaN' ? Number.NaN : Number(m[3]) })
  }
  return samples
}

const one = (samples: Sample[], name: string): number => {
  const found = samples.filter((s) => s.name === name)
  expect(found, name).toHaveLength(1)
  return found[0]!.value
}

/** Scrape one endpoint: its samples, and every metric it declares (`# TYPE` lines; a labelled one may have none yet). */
async function scrape(url: string): Promise<Sample[] & { declared: Set<string> }> {
  const res = await fetch(url)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  const declared = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!))
  return Object.assign(parseExposition(text), { declared })
}

describe('meshgd node --metrics', () => {
  it('4-peer ring: /metrics of every peer agrees with its records, neighbours live, libp2p metrics present', async () => {
    const file = writeExperiment('metrics', {
      swarm: { id: 'metrics', peers: 4 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 1000, samples_per_peer: 1, seed: 2 },
      algorithm: { kind: 'elastic', eta: 1, mu: 0.3 },
      run: { rounds: 400, record_every: 1, checkpoint_every: 100 },
    })
    const out = join(work, 'out')
    const boot = startMeshgd(['bootstrap', '--listen', '/ip4/127.0.0.1/tcp/0', '--metrics', '/ip4/127.0.0.1/tcp/0'])
    const bootAddr = await firstLine(boot)
    const peers = [0, 1, 2, 3].map((i) =>
      startPeer(file, i, out, bootAddr, { args: ['--metrics', '/ip4/127.0.0.1/tcp/0', '--delay-ms', '15'] }),
    )
    await waitForRound(out, 3, 150)
    const urls = peers.map((p) => /metrics at (http:\S+)/.exec(p.stderr())?.[1])
    expect(
      urls.every((u) => u !== undefined),
      peers.map((p) => p.stderr()).join('\n'),
    ).toBe(true)
    const scraped = await Promise.all(urls.map((u) => scrape(u!)))
    const bootUrl = /metrics at (http:\S+)/.exec(boot.stderr())?.[1]
    const bootSamples = await scrape(bootUrl!)
    const codes = await Promise.all(peers.map((p) => p.exit))
    boot.child.kill('SIGTERM')
    expect(codes.map((c) => c.code)).toEqual([0, 0, 0, 0])
    scraped.forEach((samples, i) => expectAgreesWithRecords(samples, out, i))
    // the Grafana dashboard in deploy/ asks only for metrics a peer serves
    const dashboard = JSON.parse(readFileSync(join(root, 'deploy', 'grafana', 'meshgd.json'), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>
    }
    const asked = new Set(
      dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/meshgd_[a-z_]+/g) ?? [])),
    )
    const served = scraped[0]!.declared
    expect(asked.size).toBeGreaterThan(5)
    for (const name of asked) expect(served.has(name), `${name} (deploy/grafana/meshgd.json)`).toBe(true)
    expect(bootSamples.some((s) => s.name.startsWith('libp2p_'))).toBe(true)
  }, 300_000)

  it('refuses a --metrics that is neither a port nor an ip/tcp multiaddr, in one line, exit 2', () => {
    const r = runMeshgd(['bootstrap', '--metrics', '/dns4/x/udp/1'])
    expect(r.status).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/--metrics \/dns4\/x\/udp\/1: expected a port/)
  })
})

function expectAgreesWithRecords(samples: Sample[], out: string, i: number): void {
  const round = one(samples, 'meshgd_round')
  const bytes = one(samples, 'meshgd_bytes_sent_total')
  const recs = readFileSync(join(out, 'peers', String(i), 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { round: number; bytes_sent: number })
  const at = (t: number): number => recs.find((r) => r.round === t)!.bytes_sent
  expect(round, `peer ${i}`).toBeGreaterThanOrEqual(100)
  expect(round).toBeLessThan(400)
  // the scrape fell between two rounds: its byte count lies between the records of the rounds around it
  expect(bytes, `peer ${i} at round ${round}`).toBeGreaterThanOrEqual(at(round - 2))
  expect(bytes, `peer ${i} at round ${round}`).toBeLessThanOrEqual(at(round + 1))
  const states = samples.filter((s) => s.name === 'meshgd_neighbour_state' && s.value === 1)
  expect(states.map((s) => s.labels.state)).toEqual(['live', 'live'])
  expect(samples.every((s) => s.labels.peer === String(i) && s.labels.swarm === 'metrics')).toBe(true)
  expect(one(samples, 'meshgd_rounds_per_second')).toBeGreaterThan(0)
  expect(one(samples, 'meshgd_compute_seconds_total')).toBeGreaterThan(0)
  expect(samples.some((s) => s.name.startsWith('libp2p_'))).toBe(true)
}
