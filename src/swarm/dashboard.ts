/**
 * The live dashboard behind `meshgd swarm --dashboard` and `meshgd watch --dashboard`: statuses from the status
 * topic go through a `SwarmWatch` (pace, live/down/done) to the web server of src/dashboard/dashboard-server.ts, every
 * peer's view is sent again each second (a killed peer turns `down` when it has been silent for `downAfterMs`), and
 * when the experiment is known its graph and predicted rate are drawn beside the measurement.
 */
import { performance } from 'node:perf_hooks'
import { topologySpecOf, type ResolvedExperiment } from '../exchange/resolve.js'
import type { StatusMessage } from '../net/roster.js'
import type { DashboardPeer } from '../dashboard/dashboard-feed.js'
import {
  startDashboard,
  type DashboardAddress,
  type DashboardServer,
  type ExtraRoutes,
} from '../dashboard/dashboard-server.js'
import { roundGraphsOf } from '../dashboard/round-graph.js'
import { predictRate } from '../theory/predict.js'
import { SwarmWatch, type PeerView } from './watch.js'

export interface LiveDashboard {
  readonly url: string
  onStatus(swarm: string, status: StatusMessage): void
  close(): Promise<void>
}

export interface DashboardOptions {
  address: DashboardAddress
  /** the experiment the swarm runs, for its graph and theory (a watcher may not know it) */
  resolved?: ResolvedExperiment
  /**
   * A peer silent this long is drawn down. Peers publish a status at least every max(1 s, 25 ms n) while their
   * rounds go on, and a peer blocked on a lost neighbour is silent until run.neighbour_timeout_ms.
   */
  downAfterMs?: number
  /** more paths to serve: the page of the swarm's browser peers (src/dashboard/peer-page.ts) */
  routes?: ExtraRoutes
}

export async function openDashboard(opts: DashboardOptions): Promise<LiveDashboard> {
  const server = await startDashboard(opts.address, undefined, opts.routes)
  const n = opts.resolved?.graph.n ?? 0
  const watch = new SwarmWatch(opts.downAfterMs ?? Math.max(5000, 100 * n))
  const rounds = new Map<string, number>()
  if (opts.resolved) describeSwarm(opts.resolved, server)
  const tick = setInterval(() => {
    const now = performance.now()
    const rows = watch.rows(now)
    for (const swarm of new Set(rows.map((r) => r.swarm)))
      server.refresh(
        swarm,
        rows.filter((r) => r.swarm === swarm).map((r) => dashboardPeer(r)),
      )
  }, 1000)
  tick.unref()
  return {
    url: server.url,
    onStatus: (swarm, status) => {
      // the swarm's own run.rounds wins over a file the watcher was given (which may lack the run's --set)
      if (status.rounds !== undefined && rounds.get(swarm) !== status.rounds) {
        rounds.set(swarm, status.rounds)
        server.describe({ swarm, rounds: status.rounds })
      }
      server.heard(dashboardPeer(watch.update(swarm, status, performance.now())))
    },
    close: async () => {
      clearInterval(tick)
      await server.close()
    },
  }
}

/**
 * The graph now: its links and, where it changes or points one way, its rounds (one period of them, or round by
 * round with the views); the predicted rate once computed (after the page is up: it can take a moment at large d).
 */
function describeSwarm(resolved: ResolvedExperiment, server: DashboardServer): void {
  const { experiment, graph } = resolved
  const swarm = experiment.swarm.id
  const roundGraphs = roundGraphsOf(graph.dynamics)
  // a graph that never repeats holds every pair of peers as a link: the page draws each round's instead
  const union = roundGraphs?.period !== null && graph.edges.length <= 20_000
  server.describe({
    swarm,
    peers: graph.n,
    edges: union ? graph.edges.map(([i, j]): [number, number] => [i, j]) : null,
    topology: experiment.topology.kind,
    browser_peers: experiment.swarm.browser_peers,
    positions: gridPositions(experiment),
    rounds: experiment.run.rounds,
    round_graphs: roundGraphs,
  })
  const dynamics = graph.dynamics
  if (dynamics && roundGraphs?.graphs === null) server.followRounds(swarm, (t) => dynamics.at(t))
  setImmediate(() => {
    const rate = predictRate(resolved)?.rate ?? null
    server.describe({ swarm, rate_predicted: rate })
  })
}

/** A grid or torus drawn as its rows and columns (peer i at row i / cols, column i % cols); others on a circle. */
function gridPositions(experiment: ResolvedExperiment['experiment']): Array<[number, number]> | null {
  const spec = topologySpecOf(experiment)
  if ((spec.kind !== 'grid' && spec.kind !== 'torus') || !spec.rows || !spec.cols) return null
  const { rows, cols } = spec
  const span = Math.max(rows, cols) - 1 || 1
  const at = (k: number, count: number): number => (2 * k - (count - 1)) / span
  return Array.from({ length: rows * cols }, (_, i): [number, number] => [
    at(i % cols, cols),
    at(Math.floor(i / cols), rows),
  ])
}

function dashboardPeer(v: PeerView): DashboardPeer {
  return { ...v, state: v.state === 'silent' ? 'down' : v.state }
}
