/**
 * The dashboard's memory (DashboardFeed, pure) and its server without a browser: curves kept per peer and thinned
 * to a bound with the newest point always kept, a restarted peer's curve going on from the round it resumed at,
 * `--dashboard` values parsed or refused in one line; the server's snapshot and event stream carry what it heard.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DashboardFeed, maxErrorCurve, type DashboardPeer } from '../../src/dashboard/dashboard-feed.js'
import { measuredRateFromPoints } from '../../src/observe/measured-rate.js'
import { ERROR_COLOURS, errorColourScale } from '../../src/report/plots/error-colours.js'
import { root } from '../helpers/meshgd.js'
import { parseDashboardAddress, startDashboard, type DashboardServer } from '../../src/dashboard/dashboard-server.js'

const view = (peer: number, round: number, relative_error: number | null = 0.5): DashboardPeer => ({
  swarm: 's',
  peer,
  round,
  loss: 1,
  disagreement: 0.25,
  relative_error,
  done: false,
  rounds_per_second: null,
  state: 'live',
  age_ms: 0,
  bytes_sent: 10,
  bytes_received: 10,
  rejected: 0,
})

describe('DashboardFeed', () => {
  it('keeps one point per new round, at most maxPoints per peer, the first and newest always', () => {
    const feed = new DashboardFeed(8)
    expect(feed.heard(view(0, 1))).toEqual([1, 0.5, 0.25])
    expect(feed.heard(view(0, 1))).toBeNull() // the same round again adds nothing
    for (let t = 2; t <= 100; t++) feed.heard(view(0, t, 1 / t))
    const curve = feed.snapshot('s')!.history[0]!
    expect(curve.length).toBeLessThanOrEqual(8)
    expect(curve[0]![0]).toBe(1)
    expect(curve.at(-1)).toEqual([100, 0.01, 0.25])
    const rounds = curve.map((p) => p[0])
    expect([...rounds].sort((a, b) => a - b)).toEqual(rounds)
  })

  it('a peer restarted from an older checkpoint: its curve goes on from the round it is at now', () => {
    const feed = new DashboardFeed()
    for (const t of [10, 20, 30, 40]) feed.heard(view(3, t))
    feed.heard(view(3, 25))
    expect(feed.snapshot('s')!.history[3]!.map((p) => p[0])).toEqual([10, 20, 25])
  })

  it('describe completes what is known of a swarm; refresh replaces views; unknown swarms have no snapshot', () => {
    const feed = new DashboardFeed()
    feed.describe({ swarm: 's', peers: 4, edges: [[0, 1]] })
    expect(feed.describe({ swarm: 's', rate_predicted: 0.9 })).toMatchObject({
      peers: 4,
      edges: [[0, 1]],
      rate_predicted: 0.9,
      topology: null,
    })
    feed.heard(view(1, 5))
    feed.refresh([{ ...view(1, 5), state: 'down' }])
    expect(feed.views('s').map((v) => v.state)).toEqual(['down'])
    expect(feed.snapshot('other')).toBeNull()
    expect(() => new DashboardFeed(1)).toThrow(RangeError)
  })
})

describe("the measured rate (issue 25 item 5: one definition, the summary's)", () => {
  it("the dashboard's rate equals the summary's over the same max-error points, and says when all are at the floor", () => {
    // peers at staggered rounds, each e_i(t) = c_i 0.97^t: the max is peer 0's (c = 2), and log-linear reading
    // between a peer's points is exact for a geometric curve
    const feed = new DashboardFeed()
    const c = [2, 1, 0.5]
    for (let t = 0; t <= 1200; t += 40) c.forEach((ci, i) => feed.heard(view(i, t + 7 * i, ci * 0.97 ** (t + 7 * i))))
    const curves = Object.values(feed.snapshot('s')!.history)
    const points = maxErrorCurve(curves)
    expect(points[0]!.round).toBe(14) // every peer's curve spans it
    for (const p of points) expect(p.error).toBeCloseTo(2 * 0.97 ** p.round, 12)
    const measured = feed.measured('s')
    expect(measured.rate_measured).toBe(measuredRateFromPoints(points, 1))
    expect(measured.rate_measured!).toBeCloseTo(0.97, 12)
    expect(measured.at_floor).toBe(false)
    // the curve runs into the floor: the window ends at the last point above 1e-13, as in the summary
    for (let t = 1240; t <= 3000; t += 40)
      c.forEach((ci, i) => feed.heard(view(i, t + 7 * i, Math.max(ci * 0.97 ** (t + 7 * i), 3e-16))))
    expect(feed.measured('s').rate_measured!).toBeCloseTo(0.97, 9)
    // a watcher that joins once the swarm is at the floor: no rate, and it says why
    const late = new DashboardFeed()
    for (let t = 5000; t < 5100; t += 10) late.heard(view(0, t, 2e-15))
    expect(late.measured('s')).toEqual({ rate_measured: null, at_floor: true })
  })
})

describe('the error colours', () => {
  it('are the same fixed log scale in the report and in the page', () => {
    const page = readFileSync(join(root, 'web', 'dashboard', 'graph.js'), 'utf8')
    const m = /const ERROR_COLOURS = \{ low: ([^,]+), high: ([^,]+), from: \[([^\]]+)\], to: \[([^\]]+)\] \}/.exec(page)
    expect(m).not.toBeNull()
    expect(Number(m![1])).toBe(ERROR_COLOURS.low)
    expect(Number(m![2])).toBe(ERROR_COLOURS.high)
    expect(m![3]!.split(',').map(Number)).toEqual([...ERROR_COLOURS.from])
    expect(m![4]!.split(',').map(Number)).toEqual([...ERROR_COLOURS.to])
    expect(errorColourScale()).toMatchObject({
      type: 'log',
      domain: [1e-12, 1],
      clamp: true,
      range: ['#38a169', '#e53e3e'],
    })
  })
})

describe('parseDashboardAddress', () => {
  it('a port, HOST:PORT, or the default; anything else in one line naming the flag', () => {
    expect(parseDashboardAddress(true)).toEqual({ host: '127.0.0.1', port: 8090 })
    expect(parseDashboardAddress('9000')).toEqual({ host: '127.0.0.1', port: 9000 })
    expect(parseDashboardAddress('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 })
    expect(parseDashboardAddress('[::1]:9000')).toEqual({ host: '::1', port: 9000 })
    for (const bad of ['70000', 'http://x:1', 'abc', ''])
      expect(() => parseDashboardAddress(bad)).toThrow(/^--dashboard .*: expected a port/)
  })
})

describe('the dashboard server', () => {
  let server: DashboardServer | null = null
  afterAll(async () => server?.close())

  it('serves the page and uPlot, a snapshot of what it heard, then each status as an event', async () => {
    server = await startDashboard({ host: '127.0.0.1', port: 0 })
    server.describe({ swarm: 's', peers: 2, edges: [[0, 1]] })
    server.heard(view(0, 7, 0.125))
    const page = await fetch(server.url)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<svg id="graph"')
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//) // nothing from the internet
    expect((await fetch(new URL('vendor/uPlot.iife.min.js', server.url))).status).toBe(200)
    expect((await fetch(new URL('nowhere', server.url))).status).toBe(404)
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405)
    const snap = (await (await fetch(new URL('api/snapshot', server.url))).json()) as {
      swarm: string
      snapshot: { peers: DashboardPeer[]; history: Record<string, unknown> }
    }
    expect(snap.swarm).toBe('s')
    expect(snap.snapshot.peers.map((p) => p.round)).toEqual([7])
    expect(snap.snapshot.history['0']).toEqual([[7, 0.125, 0.25]])

    const events = await fetch(new URL('events', server.url))
    const reader = events.body!.getReader()
    let text = ''
    const readUntil = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value)
    }
    await readUntil('event: snapshot')
    server.heard(view(1, 9))
    await readUntil('"peer":1,"round":9')
    expect(text).toMatch(/event: status\ndata: \{"view":\{"swarm":"s","peer":1,"round":9/)
    await reader.cancel()
  })
})
