/**
 * The live dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core) opens the
 * page of `meshgd watch --dashboard` following a 6-peer ring started by hand; it finds 6 peers in the drawing, the
 * round counter advancing, a peer killed with SIGKILL marked down and live again once restarted (it resumes from its
 * checkpoint), the curves again after a reload; its screenshot is not blank. And `meshgd swarm --dashboard` serves the
 * same page for the swarm it launches, with the experiment's graph and predicted rate; for a graph that changes from
 * round to round, the graph of the swarm's round, with arrows on its one-way links.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { haveChromium, launchChromium } from '../helpers/chromium.js'
import { jsonWriter, workDir } from '../helpers/meshgd.js'
import {
  sleep,
  startBootstrap,
  startMeshgd,
  startPeer,
  stopStarted,
  waitForRound,
  type Proc,
} from '../helpers/processes.js'

const withChromium = haveChromium('dashboard test')

const work = workDir('dashboard')
const writeExperiment = jsonWriter(work)
let browser: Browser | null = null

beforeAll(async () => {
  if (withChromium) browser = await launchChromium()
})
afterAll(async () => {
  stopStarted()
  await browser?.close()
})

function experiment(id: string, peers: number, rounds: number): string {
  return writeExperiment(id, {
    swarm: { id, peers },
    topology: { kind: 'ring' },
    problem: { kind: 'planted', loss: 'squared', dim: 40, samples_per_peer: 1, seed: 7 },
    algorithm: { kind: 'elastic', eta: 'auto', mu: 0.3 },
    run: { rounds, target: null, neighbour_timeout_ms: 1500, checkpoint_every: 50, record_every: 10 },
  })
}

/** The URL a `meshgd ... --dashboard 0` prints on stderr. */
async function dashboardUrl(p: Proc): Promise<string> {
  for (let k = 0; k < 600; k++) {
    const m = /dashboard at (http:\/\/\S+)/.exec(p.stderr())
    if (m) return m[1]!
    if (p.child.exitCode !== null) break
    await sleep(50)
  }
  throw new Error(`no dashboard address: ${p.stderr()}`)
}

const peerState = (page: Page, i: number): Promise<string | null> =>
  page.locator(`#graph circle.peer[data-peer="${i}"]`).getAttribute('data-state')

async function waitForState(page: Page, i: number, state: string, timeoutMs: number): Promise<void> {
  await page.waitForSelector(`#graph circle.peer[data-peer="${i}"][data-state="${state}"]`, { timeout: timeoutMs })
}

/** The IHDR size of a PNG and how many distinct byte values its pixel data holds (a blank page holds few). */
function pngStats(png: Buffer): { width: number; height: number; distinct: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  const idat: Buffer[] = []
  let width = 0
  let height = 0
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    const body = png.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') [width, height] = [body.readUInt32BE(0), body.readUInt32BE(4)]
    if (type === 'IDAT') idat.push(body)
    at += 12 + length
  }
  const pixels = inflateSync(Buffer.concat(idat))
  return { width, height, distinct: new Set(pixels).size }
}

/** Pixels of a chart's canvas within 40 of an RGB colour (a series' stroke, anti-aliased at its edges). */
function pixelsOf(page: Page, selector: string, rgb: readonly [number, number, number]): Promise<number> {
  return page.evaluate(
    ([sel, [r, g, b]]) => {
      // runs in the page (this project's TypeScript has no DOM types): a canvas, read back
      type Canvas = {
        width: number
        height: number
        getContext(kind: '2d'): {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
        }
      }
      const canvas = (
        globalThis as unknown as { document: { querySelector(s: string): Canvas | null } }
      ).document.querySelector(sel)
      if (!canvas) return -1
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
      let count = 0
      for (let k = 0; k < data.length; k += 4)
        if (Math.abs(data[k]! - r) + Math.abs(data[k + 1]! - g) + Math.abs(data[k + 2]! - b) < 40 && data[k + 3]! > 200)
          count++
      return count
    },
    [selector, rgb] as const,
  )
}

/** Both charts draw their max (red) and median (blue) lines with a legend, the graph and table hold every peer. */
async function expectWholePage(page: Page, peers: number): Promise<void> {
  await sleep(1000) // a redraw after the newest events
  expect(await page.locator('#problem').textContent()).toBe('')
  for (const chart of ['#error-chart', '#disagreement-chart']) {
    expect(await pixelsOf(page, `${chart} canvas`, [197, 48, 48]), `${chart}: the max line`).toBeGreaterThan(50)
    expect(await pixelsOf(page, `${chart} canvas`, [43, 108, 176]), `${chart}: the median line`).toBeGreaterThan(50)
    expect(await page.locator(`${chart} .u-legend .u-series`).count()).toBeGreaterThanOrEqual(3)
  }
  expect(await page.locator('#peers tbody tr').count()).toBe(peers)
  expect(await page.locator('#graph circle.peer').count()).toBe(peers)
  expect(await page.locator('#rate-measured').textContent()).toMatch(/^(0\.\d{5}|at the floor)$/)
}

describe.skipIf(!withChromium)('the live dashboard in Chromium', () => {
  it('meshgd watch --dashboard: 6 peers drawn, the round advancing, a killed peer down then live again, curves after a reload', async () => {
    const file = experiment('dash-watch', 6, 1_000_000)
    const boot = await startBootstrap()
    const out = join(work, 'dash-watch')
    const start = (i: number): Proc => startPeer(file, i, out, boot.addr, { args: ['--delay-ms', '15'] })
    const peers = Array.from({ length: 6 }, (_, i) => start(i))
    // the watcher's --set run.rounds is stale (issue 25 item 8): the page says the swarm's own, from its statuses
    const watcher = startMeshgd([
      'watch',
      '--bootstrap',
      boot.addr,
      '--experiment',
      file,
      '--set',
      'run.rounds=5000',
      '--dashboard',
      '0',
    ])
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(await dashboardUrl(watcher))
    await expect
      .poll(() => page.locator('#graph circle.peer[data-state="live"]').count(), { timeout: 60_000, interval: 250 })
      .toBe(6)
    expect(await page.locator('#graph circle.peer').count()).toBe(6)
    expect(await page.locator('#graph .edge').count()).toBe(6) // the ring's edges, from --experiment
    await expect
      .poll(() => page.locator('#rounds').textContent(), { timeout: 30_000, interval: 250 })
      .toBe(' of 1000000')
    const first = Number(await page.locator('#round').textContent())
    await sleep(2500)
    const second = Number(await page.locator('#round').textContent())
    expect(second).toBeGreaterThan(first)

    await waitForRound(out, 2, 100)
    peers[2]!.child.kill('SIGKILL')
    await peers[2]!.exit
    await waitForState(page, 2, 'down', 30_000)
    expect(await page.locator('#peers tbody tr[data-state="down"]').count()).toBe(1)
    for (const i of [0, 1, 3, 4, 5]) expect(await peerState(page, i)).toBe('live')
    peers[2] = start(2)
    await waitForState(page, 2, 'live', 60_000)

    await page.reload()
    await page.waitForSelector('#error-chart canvas', { timeout: 30_000 })
    expect(await page.locator('#graph circle.peer').count()).toBe(6)
    await sleep(1000)
    const shot = await page.screenshot({ fullPage: true })
    writeFileSync(join(work, 'dashboard.png'), shot)
    const stats = pngStats(shot)
    expect(stats.width).toBeGreaterThanOrEqual(1280)
    expect(stats.distinct).toBeGreaterThan(32) // text, curves, coloured peers: far from a blank page
    await page.close()
    watcher.child.kill('SIGINT')
    expect((await watcher.exit).code).toBe(0)
    for (const p of peers) p.child.kill('SIGTERM')
    boot.stop()
  }, 300_000)

  it('a long run (issue 25 item 2): a page open from round 0 to 100,000 and one opened past 50,000 draw every chart, legend and peer, with no page error', async () => {
    // a 4-peer ring runs about 800 rounds a second here; the page broke once rate^rounds of the predicted line fell
    // to 0 on its log axis (round 19,182 of a 16-peer torus), whatever the number of peers
    const rounds = 100_000
    const file = writeExperiment('dash-long', {
      swarm: { id: 'dash-long', peers: 4 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 8, samples_per_peer: 1, seed: 7 },
      // R = 0.99114 (meshgd theory): at the floor by round ~3,500, and R^rounds falls to 0 past round 84,000
      algorithm: { kind: 'elastic', eta: 0.25, mu: 0.3 },
      run: { rounds, target: null, record_every: 5000, checkpoint_every: 20_000 },
    })
    const swarm = startMeshgd(['swarm', file, '--out', join(work, 'dash-long'), '--quiet', '--dashboard', '0'])
    const url = await dashboardUrl(swarm)
    const errors: string[] = []
    const open = async (name: string): Promise<Page> => {
      const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } })
      page.on('pageerror', (err) => errors.push(`${name} page error: ${err.message} ${err.stack ?? ''}`))
      // a resource the page could not load (the favicon; the event stream once the swarm has gone) is no error of it
      page.on('console', (msg) => {
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
          errors.push(`${name} console: ${msg.text()}`)
      })
      await page.goto(url)
      return page
    }
    const early = await open('early') // from round 0
    const round = async (page: Page): Promise<number> => Number((await page.locator('#round').textContent()) ?? -1)
    await expect.poll(() => round(early), { timeout: 180_000, interval: 1000 }).toBeGreaterThan(50_000)
    const late = await open('late') // past round 50,000: a fresh snapshot
    await expect.poll(() => late.locator('#peers tbody tr').count(), { timeout: 30_000, interval: 250 }).toBe(4)
    for (const page of [early, late]) await expectWholePage(page, 4)
    await expect.poll(() => round(early), { timeout: 240_000, interval: 1000 }).toBe(rounds)
    expect((await swarm.exit).code).toBe(0)
    await expectWholePage(early, 4)
    // the summary's definition over the statuses heard, near the predicted 0.99114 (issue 25 item 5), not 1
    const shown = Number(await early.locator('#rate-measured').textContent())
    expect(shown).toBeGreaterThan(0.985)
    expect(shown).toBeLessThan(0.995)
    writeFileSync(join(work, 'dashboard-long.png'), await early.screenshot({ fullPage: true }))
    expect(errors).toEqual([])
    await early.close()
    await late.close()
  }, 600_000)

  it("meshgd swarm --dashboard: the launched swarm's page, with its graph and predicted rate", async () => {
    const file = experiment('dash-swarm', 4, 4000)
    const swarm = startMeshgd(['swarm', file, '--out', join(work, 'dash-swarm'), '--quiet', '--dashboard', '0'])
    const url = await dashboardUrl(swarm)
    const page = await browser!.newPage()
    await page.goto(url)
    await expect
      .poll(
        () => page.locator('#graph circle.peer[data-state="live"], #graph circle.peer[data-state="done"]').count(),
        { timeout: 60_000, interval: 250 },
      )
      .toBe(4)
    expect(await page.locator('#graph .edge').count()).toBe(4)
    await expect
      .poll(() => page.locator('#rate-predicted').textContent(), { timeout: 30_000, interval: 250 })
      .toMatch(/^0\.\d+$/)
    const snapshot = (await (await fetch(new URL('api/snapshot', url))).json()) as {
      snapshot: { meta: { rate_predicted: number; peers: number } }
    }
    expect(snapshot.snapshot.meta.peers).toBe(4)
    expect(snapshot.snapshot.meta.rate_predicted).toBeGreaterThan(0)
    expect(snapshot.snapshot.meta.rate_predicted).toBeLessThan(1)
    await page.close()
    expect((await swarm.exit).code).toBe(0)
    await expect(fetch(url)).rejects.toThrow() // the page goes with the swarm
  }, 180_000)

  it('a graph that changes: the one-peer exponential graph of the round shown, arrows on its one-way links; a random matching round by round', async () => {
    const start = async (id: string, peers: number, kind: string): Promise<{ swarm: Proc; page: Page }> => {
      const file = writeExperiment(id, {
        swarm: { id, peers },
        topology: { kind },
        problem: { kind: 'planted', loss: 'squared', dim: 8, samples_per_peer: 2, seed: 7 },
        algorithm: { kind: 'dsgd', eta: 0.1 },
        run: { rounds: 1_000_000, target: null, record_every: 1000 },
      })
      const swarm = startMeshgd(['swarm', file, '--out', join(work, id), '--quiet', '--dashboard', '0'])
      const page = await browser!.newPage()
      await page.goto(await dashboardUrl(swarm))
      await expect
        .poll(() => page.locator('#graph-round').textContent(), { timeout: 60_000, interval: 250 })
        .toMatch(/^round/)
      return { swarm, page }
    }
    type Shown = { caption: string; arcs: Array<{ from: number; to: number; oneWay: boolean }>; edgeShown: boolean }
    // caption and arcs read at once: the page redraws both together
    const shown = (page: Page): Promise<Shown> =>
      page.evaluate(() => {
        type El = { textContent: string; dataset: Record<string, string>; classList: { contains(c: string): boolean } }
        const doc = (
          globalThis as unknown as {
            document: { querySelector(s: string): El | null; querySelectorAll(s: string): El[] }
          }
        ).document
        const edge = doc.querySelector('#graph .edge') as unknown as {
          getBoundingClientRect(): { width: number }
        } | null
        return {
          caption: doc.querySelector('#graph-round')!.textContent,
          arcs: [...doc.querySelectorAll('#graph .arc')].map((a) => ({
            from: Number(a.dataset.from),
            to: Number(a.dataset.to),
            oneWay: a.classList.contains('one-way'),
          })),
          edgeShown: edge !== null && edge.getBoundingClientRect().width > 0,
        }
      })
    const ope = await start('dash-ope', 8, 'one-peer-exponential')
    for (let k = 0; k < 5; k++) {
      const now = await shown(ope.page)
      const [, round, t] = /^round (\d+), t mod 3 = (\d); arrows: one way$/.exec(now.caption)!.map(Number)
      expect(round! % 3).toBe(t)
      // Ying et al. 2021: in round t, i sends to i + 2^(t mod 3); with 8 peers i + 4 sends back to i
      const hop = 2 ** t!
      expect(now.arcs).toHaveLength(hop === 4 ? 4 : 8)
      for (const a of now.arcs) {
        expect((a.from + hop) % 8).toBe(a.to)
        expect(a.oneWay).toBe(hop !== 4)
      }
      expect(now.edgeShown).toBe(false) // the period's union of links gives way to the round's
      await sleep(700)
    }
    await ope.page.close()
    ope.swarm.child.kill('SIGINT')
    await ope.swarm.exit
    const rm = await start('dash-rm', 6, 'random-matching')
    for (let k = 0; k < 3; k++) {
      const now = await shown(rm.page)
      expect(now.caption).toMatch(/^round \d+, never repeating$/)
      expect(now.arcs).toHaveLength(3) // a perfect matching of 6 peers
      expect(new Set(now.arcs.flatMap((a) => [a.from, a.to])).size).toBe(6)
      expect(now.arcs.every((a) => !a.oneWay && a.from < a.to)).toBe(true)
      await sleep(700)
    }
    await rm.page.close()
    rm.swarm.child.kill('SIGINT')
    await rm.swarm.exit
  }, 240_000)
})
