/**
 * `meshgd report` draws a networked run too (issue 16, item 3): on a real 3-peer swarm's run directory the time
 * chart has each peer's compute and waiting (records of swarm runs carry them), and a folder holding only the
 * peers' peers/ and params/ (as gathered from VMs) gets the same charts from the peers' own metrics files.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readRunRecords } from '../../src/report/plots/run-records.js'
import { jsonWriter, meshgdRunner, workDir } from '../helpers/meshgd.js'
import { checkSvgAndPng, externalReferences, markGroups, markItems } from '../helpers/file-checks.js'

const work = workDir('report-swarm')
const meshgd = meshgdRunner({ cwd: work, timeout: 120_000 })
const PEERS = 3
const CHARTS = ['error', 'disagreement', 'bytes', 'time', 'topology']

describe('meshgd report on a swarm run and on gathered peer folders', () => {
  it("draws each peer's compute against waiting, and the same charts from peers/ and params/ alone", () => {
    const file = jsonWriter(work)('ring3', {
      swarm: { id: 'plots3', peers: PEERS },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 8, samples_per_peer: 2, seed: 5 },
      algorithm: { kind: 'elastic', eta: 0.8, mu: 0.2 },
      run: { rounds: 30, record_every: 5, neighbour_timeout_ms: 30_000, target: null },
    })
    const out = join(work, 'net')
    const swarm = meshgd(['swarm', file, '--out', out, '--quiet'])
    expect(swarm.status, swarm.stderr).toBe(0)
    const r = meshgd(['report', out])
    expect(r.status, r.stderr).toBe(0)
    for (const name of CHARTS) checkSvgAndPng(join(out, `${name}.svg`))
    const time = readFileSync(join(out, 'time.svg'), 'utf8')
    expect(markItems(time, 'time_bars', 'path')).toBe(2 * PEERS) // compute and waiting of each peer
    expect(markItems(time, 'send_ticks', 'path')).toBe(PEERS)
    expect(markGroups(readFileSync(join(out, 'error.svg'), 'utf8'), 'peer_error')).toBe(PEERS)
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(html.match(/<svg\b/g)).toHaveLength(CHARTS.length)
    expect(externalReferences(html)).toEqual([])

    // gathered from elsewhere: only each peer's own folder and parameters
    const gathered = join(work, 'gathered')
    cpSync(join(out, 'peers'), join(gathered, 'peers'), { recursive: true })
    cpSync(join(out, 'params'), join(gathered, 'params'), { recursive: true })
    const perPeer = readRunRecords(gathered)
    expect(perPeer.length).toBe(PEERS * 7) // rounds 0, 5, ..., 30 of each peer, from peers/<i>/metrics.jsonl
    expect(perPeer.every((x) => x.compute_ms !== undefined)).toBe(true)
    const g = meshgd(['report', file, gathered])
    expect(g.status, g.stderr).toBe(0)
    for (const name of CHARTS) checkSvgAndPng(join(gathered, `${name}.svg`))
    expect(markItems(readFileSync(join(gathered, 'time.svg'), 'utf8'), 'time_bars', 'path')).toBe(2 * PEERS)
    expect(existsSync(join(gathered, 'report.html'))).toBe(true)
  }, 180_000)
})
