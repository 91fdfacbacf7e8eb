/**
 * Peers in the browser (docs/swarms.md "Peers in the browser"): headless Chromium tabs (Debian's `chromium`, driven
 * by playwright-core) open the page of `meshgd web` and join a swarm as full peers, beside `meshgd node` processes;
 * every peer finishes, and every parameter vector equals `meshgd sim`'s bit for bit.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PageResult } from '../../src/peer-web/page-result.js'
import { haveChromium, launchChromium } from '../helpers/chromium.js'
import { hostileFrames, hostileRejects } from '../helpers/hostile-frames.js'
import { jsonWriter, runMeshgd, workDir } from '../helpers/meshgd.js'
import {
  distance,
  exitCode,
  freePort,
  minNormInterpolant,
  norm,
  params,
  shardsOf,
  startMeshgd,
  startPeer,
  stopStarted,
  type Proc,
} from '../helpers/processes.js'

const withChromium = haveChromium('browser peer test')

const work = workDir('browser-peer')
const writeExperiment = jsonWriter(work)
let browser: Browser | null = null

beforeAll(async () => {
  if (withChromium) browser = await launchChromium()
})
afterAll(async () => {
  stopStarted()
  await browser?.close()
})

/** The lines a process prints on stdout, once it has printed `count` of them. */
async function lines(p: Proc, count: number, timeoutMs = 30_000): Promise<string[]> {
  const until = Date.now() + timeoutMs
  while (p.stdout().split('\n').filter(Boolean).length < count) {
    if (Date.now() > until) throw new Error(`waited for ${count} lines: ${p.stdout()} ${p.stderr()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return p.stdout().split('\n').filter(Boolean)
}

/** A bootstrap on loopback over TCP and WebSockets: its TCP and its WebSockets address. */
async function startWebBootstrap(args: readonly string[] = []): Promise<{ tcp: string; ws: string }> {
  const listen = ['--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws']
  const boot = startMeshgd(['bootstrap', ...listen, ...args])
  const addrs = await lines(boot, 2)
  return { tcp: addrs.find((a) => !a.includes('/ws'))!, ws: addrs.find((a) => a.includes('/ws'))! }
}

/**
 * Open `url` in a new tab and wait for its peer to finish (`window.meshgd`); the tab is of a browser context of its
 * own (its own IndexedDB, as another browser would be) unless `context` is given.
 */
async function runTab(
  url: string,
  timeoutMs: number,
  context?: BrowserContext,
): Promise<{ page: Page; result: PageResult }> {
  const page = await (context ?? browser!).newPage()
  const console: string[] = []
  page.on('console', (m) => console.push(m.text()))
  await page.goto(url)
  try {
    await page.waitForFunction('window.meshgd !== undefined', null, {
      timeout: timeoutMs,
    })
  } catch (err) {
    const status = await page.locator('#status').textContent()
    throw new Error(`${url}: no result (${status}); console: ${console.slice(-10).join(' | ')}`, { cause: err })
  }
  const result = (await page.evaluate('window.meshgd')) as PageResult
  return { page, result }
}

/** A CSV file of `rows` rows of `d` features and a target, seeded, written beside the experiments. */
function writeCsv(name: string, rows: number, d: number, seed: number): string {
  let state = seed
  const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
  const header = Array.from({ length: d + 1 }, (_, k) => `c${k}`).join(',')
  const body = Array.from({ length: rows }, () => Array.from({ length: d + 1 }, () => next().toFixed(6)).join(','))
  writeFileSync(join(work, name), [header, ...body].join('\n'))
  return name
}

const f64 = (bytes: Uint8Array): number[] =>
  Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8))
const fromBase64 = (text: string): number[] => f64(new Uint8Array(Buffer.from(text, 'base64')))

/** `meshgd sim` of the experiment, into `sim-<name>`: peer i's final parameters. */
function simParamsOf(file: string, name: string): (i: number) => number[] {
  const sim = runMeshgd(['sim', file, '--out', join(work, `sim-${name}`), '--quiet'])
  expect(sim.status, sim.stderr).toBe(0)
  return (i) => f64(readFileSync(join(work, `sim-${name}`, 'params', `${i}.f64`)))
}

/**
 * A bootstrap over TCP and WebSockets, `meshgd node` processes for `nodes` (on WebSockets too: tabs reach them there),
 * writing under `swarm-<name>`, and `meshgd web` serving the page: the run directory, the processes, and the first
 * `count` addresses of the page that `meshgd web` prints.
 */
async function startWithPage(
  file: string,
  name: string,
  nodes: readonly number[],
  count: number,
  extra: { nodeArgs?: string[]; bootArgs?: string[] } = {},
): Promise<{ out: string; nodes: Proc[]; urls: string[] }> {
  const boot = await startWebBootstrap(extra.bootArgs)
  const out = join(work, `swarm-${name}`)
  const args = ['--listen', '/ip4/127.0.0.1/tcp/0/ws', '--quiet', ...(extra.nodeArgs ?? [])]
  const started = nodes.map((i) => startPeer(file, i, out, boot.tcp, { args }))
  const web = startMeshgd(['web', file, '--bootstrap', boot.ws, '--port', '127.0.0.1:0'])
  return { out, nodes: started, urls: count > 0 ? await lines(web, count) : [] }
}

/** Every process exited 0, and the Node peers' parameters equal the simulator's. */
async function expectNodesAsSim(
  run: { out: string; nodes: Proc[] },
  indices: readonly number[],
  simParams: (i: number) => number[],
): Promise<void> {
  for (const node of run.nodes) expect(await exitCode(node), node.stderr()).toBe(0)
  for (const i of indices)
    expect(f64(readFileSync(join(run.out, 'params', `${i}.f64`))), `peer ${i}`).toEqual(simParams(i))
}

describe.skipIf(!withChromium)('peers in browser tabs', () => {
  it('a 4-peer ring, peers 1 and 3 in Chromium tabs, 0 and 2 meshgd node processes, equals meshgd sim bit for bit', async () => {
    const file = writeExperiment('tabs-and-nodes', {
      swarm: { id: 'tabs', peers: 4, browser_peers: [1, 3] },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 24, samples_per_peer: 2, seed: 5 },
      algorithm: { kind: 'elastic', eta: 0.2, mu: 0.3 },
      run: { rounds: 80, seed: 3, record_every: 10 },
    })
    const simParams = simParamsOf(file, '1')
    const run = await startWithPage(file, '1', [0, 2], 2)
    const tabs = await Promise.all(run.urls.map((url) => runTab(url, 120_000)))
    for (const { result } of tabs) expect(result.error ?? '').toBe('')
    await expectNodesAsSim(run, [0, 2], simParams)
    for (const { result } of tabs) {
      expect(result.done).toBe(true)
      expect(result.round).toBe(80)
      expect(fromBase64(result.params)).toEqual(simParams(result.index))
    }
    await Promise.all(tabs.map(({ page }) => page.close()))
  }, 240_000)

  it('four tabs, each neighbour reached over WebRTC with the bootstrap relaying only the signalling, equal meshgd sim', async () => {
    // a CSV problem (the page fetches the file from meshgd web), d = 1,200: 60 rounds send each neighbour 580 kB
    const d = 1200
    writeCsv('wide.csv', 8, d, 17)
    const file = writeExperiment('all-tabs', {
      swarm: { id: 'all-tabs', peers: 4, browser_peers: [0, 1, 2, 3] },
      topology: { kind: 'ring' },
      problem: { kind: 'csv', path: 'wide.csv', shard: 'round-robin' },
      algorithm: { kind: 'elastic', eta: 0.05, mu: 0.3 },
      run: { rounds: 60, seed: 4, record_every: 10 },
    })
    const simParams = simParamsOf(file, '2')
    const metricsPort = await freePort()
    const boot = await startWebBootstrap(['--metrics', `/ip4/127.0.0.1/tcp/${metricsPort}`])
    const web = startMeshgd(['web', file, '--bootstrap', boot.ws, '--port', '127.0.0.1:0'])
    const urls = await lines(web, 4)
    const tabs = await Promise.all(urls.map((url) => runTab(url, 180_000)))
    for (const { result } of tabs) {
      expect(result.error ?? '', `peer ${result.index}`).toBe('')
      expect(result.done).toBe(true)
      expect(fromBase64(result.params)).toEqual(simParams(result.index))
    }
    // the tabs sent 4 x 2 x 60 frames of 9.6 kB (4.6 MB) to each other; the relay carried the WebRTC signalling and
    // the identify and gossipsub streams of the relayed connections, counted once in and once out (about 130 kB)
    const paramBytes = 4 * 2 * 60 * d * 8
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    const relayed = [...scraped.matchAll(/libp2p_data_transfer_bytes_total\{protocol="([^"]*circuit[^"]*)"\} (\d+)/g)]
    const relayedBytes = relayed.reduce((sum, m) => sum + Number(m[2]), 0)
    expect(relayed.length, scraped).toBeGreaterThan(0)
    expect(relayedBytes, relayed.map((m) => m[0]).join('\n')).toBeLessThan(0.05 * paramBytes)
    expect(scraped).not.toContain('/meshgd/params')
    await Promise.all(tabs.map(({ page }) => page.close()))
  }, 300_000)

  it('a tab closed mid-run and opened again resumes from its IndexedDB checkpoint; every peer reaches the exact answer', async () => {
    // as a killed Node peer that restarts (faults.test.ts): the rounds it runs again stand in for what it missed,
    // so the run ends at the minimum-norm interpolant, not on the simulator's bits
    writeCsv('narrow.csv', 4, 16, 29)
    const body = {
      swarm: { id: 'reopened', peers: 4, browser_peers: [1, 3] },
      topology: { kind: 'ring' },
      problem: { kind: 'csv', path: 'narrow.csv', shard: 'round-robin' },
      algorithm: { kind: 'elastic', eta: 0.15, mu: 0.25 },
      run: { rounds: 1500, seed: 8, record_every: 50, checkpoint_every: 20, neighbour_timeout_ms: 60_000 },
    }
    const file = writeExperiment('reopened', body)
    const run = await startWithPage(file, '3', [0, 2], 2, { nodeArgs: ['--delay-ms', '10'] })
    const [url1, url3] = run.urls
    const third = runTab(url3!, 240_000)
    // peer 1's tab, closed once its page shows round 100 or later, then opened again in the same browser profile
    const profile = await browser!.newContext()
    const first = await profile.newPage()
    await first.goto(url1!)
    await first.waitForFunction(
      "Number(/round (\\d+)/.exec(document.getElementById('status')?.textContent ?? '')?.[1] ?? 0) >= 100",
      null,
      { timeout: 60_000 },
    )
    await first.close()
    const reopened = await runTab(url1!, 240_000, profile)
    const { result: r3 } = await third
    for (const node of run.nodes) expect(await exitCode(node), node.stderr()).toBe(0)
    const resumed = await reopened.page.locator('#log').textContent()
    expect(resumed).toMatch(/resuming from IndexedDB .*checkpoint\/\d{10} \(round [1-9]\d+\)/)
    const w = minNormInterpolant(shardsOf(body, work))
    const tabParams = new Map([reopened.result, r3].map((r) => [r.index, Float64Array.from(fromBase64(r.params))]))
    for (const result of [reopened.result, r3]) {
      expect(result.error ?? '', `peer ${result.index}`).toBe('')
      expect(result.done).toBe(true)
    }
    for (const i of [0, 1, 2, 3]) {
      const wi = tabParams.get(i) ?? params(run.out, i)
      expect(distance(wi, w) / norm(w), `peer ${i}`).toBeLessThanOrEqual(1e-8)
    }
    await reopened.page.close()
  }, 300_000)

  it('hostile frames from a neighbour over its real stream are refused by a tab, counted, and change nothing', async () => {
    const { runPeer } = await import('../../src/peer/runtime.js')
    const { nodePlatform } = await import('../../src/peer-node/platform.js')
    const { experimentFrom } = await import('../../src/config/load.js')
    writeCsv('hostile.csv', 8, 12, 41)
    const body = {
      swarm: { id: 'tab-hostile', peers: 4, browser_peers: [0, 2] },
      topology: { kind: 'ring' },
      problem: { kind: 'csv', path: 'hostile.csv', shard: 'round-robin' },
      algorithm: { kind: 'elastic', eta: 0.05, mu: 0.2 },
      run: { rounds: 30, neighbour_timeout_ms: 30_000 },
    }
    const file = writeExperiment('tab-hostile', body)
    const simParams = simParamsOf(file, '4')
    const boot = await startWebBootstrap()
    const out = join(work, 'swarm-4')
    // peer 1, in this process, sends its neighbours (the tabs 0 and 2) five bad frames every fifth round
    const hostile = runPeer({
      experiment: experimentFrom(body),
      index: 1,
      platform: nodePlatform({ baseDir: work, out, index: 1 }),
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'],
      announce: [],
      bootstrap: [boot.tcp],
      signal: AbortSignal.timeout(120_000),
      inject: hostileFrames('tab-hostile', 1, 12),
    })
    const node3 = startPeer(file, 3, out, boot.tcp, { args: ['--listen', '/ip4/127.0.0.1/tcp/0/ws', '--quiet'] })
    const web = startMeshgd(['web', file, '--bootstrap', boot.ws, '--port', '127.0.0.1:0'])
    const tabs = await Promise.all((await lines(web, 2)).map((url) => runTab(url, 120_000)))
    await hostile
    expect(await exitCode(node3), node3.stderr()).toBe(0)
    for (const i of [1, 3]) expect(f64(readFileSync(join(out, 'params', `${i}.f64`)))).toEqual(simParams(i))
    for (const { result, page } of tabs) {
      expect(fromBase64(result.params)).toEqual(simParams(result.index))
      // six injection rounds (0, 5, ..., 25), one frame of each kind
      expect(result.rejects).toEqual(hostileRejects(30))
      await page.close()
    }
  }, 240_000)

  it('meshgd swarm --dashboard serves the page of an index no process holds; the dashboard shows the tab; the run dir holds every peer', async () => {
    const file = writeExperiment('swarm-tab', {
      swarm: { id: 'swarm-tab', peers: 4, browser_peers: [2] },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 30, samples_per_peer: 2, seed: 9 },
      algorithm: { kind: 'elastic', eta: 0.2, mu: 0.3 },
      run: { rounds: 300, seed: 6, record_every: 20 },
    })
    const simParams = simParamsOf(file, '5')
    const out = join(work, 'swarm-5')
    const swarm = startMeshgd(['swarm', file, '--out', out, '--dashboard', '127.0.0.1:0'])
    const until = Date.now() + 60_000
    let url: string | undefined
    while (!(url = /peer 2 is a browser tab: open (\S+)/.exec(swarm.stderr())?.[1]) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100))
    expect(url, swarm.stderr()).toBeDefined()
    const dashboard = url!.replace(/peer\/\?index=2$/, '')
    // the dashboard's page offers the tab's page too
    const board = await browser!.newPage()
    await board.goto(dashboard)
    const link = board.locator('#tabs a')
    await link.waitFor({ timeout: 30_000 })
    expect(await link.textContent()).toBe('open peer 2')
    expect(new URL((await link.getAttribute('href'))!, dashboard).href).toBe(url)
    await board.close()
    const tab = runTab(url!, 120_000)
    // the dashboard draws the tab as it draws the processes: a live (or done) peer 2 with its round
    let seen: { peer: number; round: number; state: string } | undefined
    while (!seen && Date.now() < until) {
      const snap = (await (await fetch(`${dashboard}api/snapshot?swarm=swarm-tab`)).json()) as {
        snapshot: { peers: Array<{ peer: number; round: number; state: string }> } | null
      }
      seen = snap.snapshot?.peers.find((p) => p.peer === 2 && p.round > 0)
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(seen?.state).toMatch(/live|done/)
    const { result, page } = await tab
    expect(result.done).toBe(true)
    expect(await exitCode(swarm), swarm.stderr()).toBe(0)
    for (const i of [0, 1, 2, 3])
      expect(f64(readFileSync(join(out, 'params', `${i}.f64`))), `peer ${i}`).toEqual(simParams(i))
    expect(JSON.parse(readFileSync(join(out, 'peers', '2', 'info.json'), 'utf8')).rounds).toBe(300)
    expect(
      readFileSync(join(out, 'peers', '2', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n').length,
    ).toBeGreaterThan(10)
    await page.close()
  }, 240_000)

  it('a keyed swarm: a tab given the key in its fragment joins over WebSockets; a tab without one says so', async () => {
    const keyFile = join(work, 'tabs.key')
    const keygen = runMeshgd(['keygen', '-o', keyFile])
    expect(keygen.status, keygen.stderr).toBe(0)
    const hex = readFileSync(keyFile, 'utf8').trim().split('\n')[2]!
    const file = writeExperiment('keyed-tab', {
      swarm: { id: 'keyed-tab', peers: 3, browser_peers: [1], key_file: 'tabs.key' },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', loss: 'squared', dim: 16, samples_per_peer: 2, seed: 2 },
      algorithm: { kind: 'elastic', eta: 0.2, mu: 0.3 },
      run: { rounds: 60, seed: 1 },
    })
    const simParams = simParamsOf(file, '6')
    const run = await startWithPage(file, '6', [0, 2], 1, { bootArgs: ['--swarm-key', keyFile] })
    const [url] = run.urls
    const keyless = await runTab(url!, 30_000)
    expect(keyless.result.error).toBe('keyed swarm: no key given')
    expect(await keyless.page.locator('#status').textContent()).toMatch(/this swarm is keyed; open the page with #key=/)
    const { result, page } = await runTab(`${url}#key=${hex}`, 120_000)
    await expectNodesAsSim(run, [0, 2], simParams)
    expect(result.done).toBe(true)
    expect(fromBase64(result.params)).toEqual(simParams(1))
    await Promise.all([page.close(), keyless.page.close()])
  }, 180_000)

  it('a problem module that imports a package runs in a tab, bundled by meshgd web, and equals meshgd sim', async () => {
    const module = join(import.meta.dirname, '..', 'fixtures', 'modules', 'with-package.mjs')
    const file = writeExperiment('module-tab', {
      swarm: { id: 'module-tab', peers: 3, browser_peers: [1] },
      topology: { kind: 'ring' },
      problem: { kind: 'module', path: module, options: { dim: 12, rows: 3 } },
      algorithm: { kind: 'dsgd', eta: 0.3, sampling: { kind: 'batch', size: 2 } },
      run: { rounds: 50, seed: 12 },
    })
    const simParams = simParamsOf(file, '7')
    const run = await startWithPage(file, '7', [0, 2], 1)
    const { result, page } = await runTab(run.urls[0]!, 120_000)
    await expectNodesAsSim(run, [0, 2], simParams)
    expect(result.error ?? '').toBe('')
    expect(fromBase64(result.params)).toEqual(simParams(1))
    await page.close()
  }, 180_000)
})
