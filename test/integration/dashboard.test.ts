/**
 * The live dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by playwright-core) opens the
 * page of `meshgd watch --dashboard` following a 6-peer ring started by hand; it finds 6 peers in the drawing, the
 * round counter advancing, a peer killed with SIGKILL marked down and live again once restarted (it resumes from its
 * checkpoint), the curves again after a reload; its screenshot is not blank. And `meshgd swarm --dashboard` serves the
 * same page for the swarm it launches, with the experiment's graph and predicted rate.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonWriter, workDir } from '../helpers/meshgd.js'
import { sleep, startBootstrap, startMeshgd, startPeer, stopStarted, waitForRound, type Proc } from '../helpers/processes.js'

const CHROMIUM = process.env.MESHGD_CHROMIUM ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
if (!haveChromium) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the dashboard test`)
  console.warn(`dashboard test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set MESHGD_CHROMIUM)`)
}

const work = workDir('dashboard')
const writeExperiment = jsonWriter(work)
let browser: Browser | null = null

beforeAll(async () => {
  if (!haveChromium) return
  // as root, in a closed network: no sandbox, no GPU, none of Chromium's own background connections
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true })
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

const peerState = (page: Page, i: number): Promise<string | null> => page.locator(`#graph circle.peer[data-peer="${i}"]`).getAttribute('data-state')

async function waitForState(page: Page, i: number, state: string, timeoutMs: number): Promise<void> {
  await page.waitForSelector(`#graph circle.peer[data-peer="${i}"][data-state="${state}"]`, { timeout: timeoutMs })
}

/** The IHDR size of a PNG and how many distinct byte values its pixel data holds (a blank page holds few). */
function pngStats(png: Buffer): { width: number; height: number; distinct: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
  const idat: Buffer[] = []
  let width = 0
  let height = 0
  for (let at = 8; at < png.length; ) {
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

describe.skipIf(!haveChromium)('the live dashboard in Chromium', () => {
  it('meshgd watch --dashboard: 6 peers drawn, the round advancing, a killed peer down then live again, curves after a reload', async () => {
    const file = experiment('dash-watch', 6, 1_000_000)
    const boot = await startBootstrap()
    const out = join(work, 'dash-watch')
    const start = (i: number): Proc => startPeer(file, i, out, boot.addr, { args: ['--delay-ms', '15'] })
    const peers = Array.from({ length: 6 }, (_, i) => start(i))
    const watcher = startMeshgd(['watch', '--bootstrap', boot.addr, '--experiment', file, '--dashboard', '0'])
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(await dashboardUrl(watcher))
    await expect.poll(() => page.locator('#graph circle.peer[data-state="live"]').count(), { timeout: 60_000, interval: 250 }).toBe(6)
    expect(await page.locator('#graph circle.peer').count()).toBe(6)
    expect(await page.locator('#graph .edge').count()).toBe(6) // the ring's edges, from --experiment
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

  it('meshgd swarm --dashboard: the launched swarm\'s page, with its graph and predicted rate', async () => {
    const file = experiment('dash-swarm', 4, 4000)
    const swarm = startMeshgd(['swarm', file, '--out', join(work, 'dash-swarm'), '--quiet', '--dashboard', '0'])
    const url = await dashboardUrl(swarm)
    const page = await browser!.newPage()
    await page.goto(url)
    await expect.poll(() => page.locator('#graph circle.peer[data-state="live"], #graph circle.peer[data-state="done"]').count(), { timeout: 60_000, interval: 250 }).toBe(4)
    expect(await page.locator('#graph .edge').count()).toBe(4)
    await expect.poll(() => page.locator('#rate-predicted').textContent(), { timeout: 30_000, interval: 250 }).toMatch(/^0\.\d+$/)
    const snapshot = (await (await fetch(new URL('api/snapshot', url))).json()) as { snapshot: { meta: { rate_predicted: number; peers: number } } }
    expect(snapshot.snapshot.meta.peers).toBe(4)
    expect(snapshot.snapshot.meta.rate_predicted).toBeGreaterThan(0)
    expect(snapshot.snapshot.meta.rate_predicted).toBeLessThan(1)
    await page.close()
    expect((await swarm.exit).code).toBe(0)
    await expect(fetch(url)).rejects.toThrow() // the page goes with the swarm
  }, 180_000)
})
