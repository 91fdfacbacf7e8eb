/**
 * The live dashboard's web server (`meshgd swarm --dashboard`, `meshgd watch --dashboard`): one page and its static
 * files from the package's `web/dashboard/` (uPlot from its own package), a JSON snapshot, and Server-Sent Events
 * that carry every status as it is heard. A page that opens or reloads gets the snapshot first (the curves so far),
 * then the stream; EventSource reconnects by itself after a network hiccup. The server only reads: nothing a page
 * sends reaches the swarm.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { listenOn, type DashboardAddress } from '../observe/addresses.js'
import type { RoundEdges } from '../topology/types.js'
import { DashboardFeed, type DashboardPeer, type SwarmMeta } from './dashboard-feed.js'

export { DASHBOARD_PORT, parseDashboardAddress, type DashboardAddress } from '../observe/addresses.js'

export interface DashboardServer {
  /** http://host:port/ as bound */
  readonly url: string
  describe(meta: Partial<SwarmMeta> & { swarm: string }): void
  /** A status heard: kept, and sent to every open page. */
  heard(view: DashboardPeer): void
  /** Every peer's view again (ages and states move on between statuses), with the current round's graph. */
  refresh(swarm: string, views: readonly DashboardPeer[]): void
  /** Round t's graph, for a swarm whose meta cannot carry its rounds (DashboardFeed.followRounds). */
  followRounds(swarm: string, at: (t: number) => RoundEdges): void
  close(): Promise<void>
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/graph.js': { file: 'graph.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': { file: 'uplot:uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: 'uplot:uPlot.min.css', type: 'text/css; charset=utf-8' },
}

/** A handler of more paths (the browser peer's page, peer-page.ts): true when it answered the request. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean

/** Serve the dashboard on `address`, and `extra`'s paths before its own; resolves once listening. */
export async function startDashboard(
  address: DashboardAddress,
  feed = new DashboardFeed(),
  extra?: ExtraRoutes,
): Promise<DashboardServer> {
  const streams = new Set<ServerResponse>()
  const send = (event: string, data: unknown): void => {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    for (const res of streams) res.write(text)
  }
  const roundSent = new Map<string, number>()
  const server = createServer((req, res) => {
    if (!extra?.(req, res)) route(req, res, feed, streams)
  })
  await listenOn(server, address, '--dashboard')
  const keepAlive = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n')
  }, 15_000)
  keepAlive.unref()
  const bound = server.address() as AddressInfo
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    url: `http://${host}:${bound.port}/`,
    describe: (meta) => send('meta', feed.describe(meta)),
    heard: (view) => {
      const point = feed.heard(view)
      // a followed swarm's round graph rides along whenever the swarm's round moves on, so the page's graph keeps
      // up with its round counter between the views of each second
      const now = feed.roundNow(view.swarm)
      const moved = now !== null && roundSent.get(view.swarm) !== now.round
      if (moved) roundSent.set(view.swarm, now.round)
      send('status', moved ? { view, point, round_now: now } : { view, point })
    },
    refresh: (swarm, views) => {
      feed.refresh(views)
      send('views', { swarm, peers: views, measured: feed.measured(swarm), round_now: feed.roundNow(swarm) })
    },
    followRounds: (swarm, at) => feed.followRounds(swarm, at),
    close: async () => {
      clearInterval(keepAlive)
      for (const res of streams) res.end()
      streams.clear()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function route(req: IncomingMessage, res: ServerResponse, feed: DashboardFeed, streams: Set<ServerResponse>): void {
  const url = new URL(req.url ?? '/', 'http://dashboard')
  if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end()
  if (url.pathname === '/api/snapshot') return void json(res, snapshotOf(feed, url.searchParams.get('swarm')))
  if (url.pathname === '/events') return openStream(res, feed, url.searchParams.get('swarm'), streams)
  if (url.pathname === '/favicon.ico') return void res.writeHead(204).end()
  const file = STATIC[url.pathname]
  if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(staticFile(file.file))
}

/** Every swarm heard, and the chosen one's snapshot (the first swarm when none is named). */
function snapshotOf(feed: DashboardFeed, swarm: string | null): unknown {
  const swarms = feed.swarms()
  const chosen = swarm && swarms.includes(swarm) ? swarm : (swarms[0] ?? null)
  return { swarms, swarm: chosen, snapshot: chosen === null ? null : feed.snapshot(chosen) }
}

function openStream(
  res: ServerResponse,
  feed: DashboardFeed,
  swarm: string | null,
  streams: Set<ServerResponse>,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(snapshotOf(feed, swarm))}\n\n`)
  streams.add(res)
  res.on('close', () => streams.delete(res))
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(JSON.stringify(body))
}

const cache = new Map<string, Buffer>()

/** A file of web/dashboard/ (or `uplot:NAME` from uPlot's dist/), read once. */
function staticFile(name: string): Buffer {
  const hit = cache.get(name)
  if (hit) return hit
  const path = name.startsWith('uplot:')
    ? join(dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js')), name.slice(6))
    : join(webRoot(), name)
  const body = readFileSync(path)
  cache.set(name, body)
  return body
}

/** The package's web/dashboard/ folder, found upwards from this file (dist/src/dashboard or src/dashboard). */
function webRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'web', 'dashboard', 'index.html'))) return join(dir, 'web', 'dashboard')
  }
  throw new Error('meshgd: the dashboard page (web/dashboard/index.html) is missing from this installation')
}
