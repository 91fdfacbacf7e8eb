/**
 * What the live dashboard sends of a graph that changes or points one way (src/dashboard/round-graph.ts): one
 * period's distinct round graphs and their order, once, with the meta (one-peer exponential: i -> i + 2^(t mod 3));
 * nothing for a static undirected graph; for a random matching, the graph of the swarm's round (the latest a peer is
 * at), with the snapshot, every views event and each status that moves the round on; and `openDashboard` wiring it
 * from a resolved experiment.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { experimentFrom } from '../../src/config/load.js'
import { DashboardFeed, type DashboardPeer } from '../../src/dashboard/dashboard-feed.js'
import { startDashboard, type DashboardServer } from '../../src/dashboard/dashboard-server.js'
import { currentRound, MAX_SENT_ARCS, roundGraphsOf, type RoundGraphNow } from '../../src/dashboard/round-graph.js'
import { resolveExperiment } from '../../src/exchange/resolve.js'
import { openDashboard, type LiveDashboard } from '../../src/swarm/dashboard.js'
import { buildGraph } from '../../src/topology/graphs.js'
import type { TopologySpec } from '../../src/topology/types.js'

const spec = (kind: TopologySpec['kind'], more: Partial<TopologySpec> = {}): TopologySpec => ({
  kind,
  seed: 3,
  weights: { kind: 'unit' },
  ...more,
})

const view = (peer: number, round: number, state: DashboardPeer['state'] = 'live'): DashboardPeer => ({
  swarm: 's',
  peer,
  round,
  loss: 1,
  disagreement: 0.25,
  relative_error: 0.5,
  done: false,
  rounds_per_second: null,
  state,
  age_ms: 0,
  bytes_sent: 10,
  bytes_received: 10,
  rejected: 0,
})

describe('roundGraphsOf: what the meta carries', () => {
  it('one-peer exponential on 8 peers: 3 round graphs in order, peer i sending to i + 2^t', () => {
    const rg = roundGraphsOf(buildGraph(spec('one-peer-exponential'), 8).dynamics)!
    expect(rg).toMatchObject({ directed: true, period: 3, order: [0, 1, 2] })
    rg.graphs!.forEach((out, t) => expect(out).toEqual(Array.from({ length: 8 }, (_, i) => [(i + 2 ** t) % 8])))
  })

  it('a schedule holding each graph 5 rounds: each graph sent once, its rounds in the order', () => {
    const s = spec('schedule', { graphs: [spec('ring'), spec('star')], period: 5 })
    const rg = roundGraphsOf(buildGraph(s, 5).dynamics)!
    expect(rg.graphs).toHaveLength(2)
    expect(rg.order).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    expect(rg.graphs![1]![0]).toEqual([1, 2, 3, 4]) // the star's centre sends to all
    expect(rg.directed).toBe(false)
  })

  it('nothing for a static undirected graph; no graphs for one that never repeats or is too large to send', () => {
    expect(roundGraphsOf(buildGraph(spec('ring'), 6).dynamics)).toBeNull()
    expect(roundGraphsOf(buildGraph(spec('random-matching'), 6).dynamics)).toEqual({
      directed: false,
      period: null,
      graphs: null,
      order: null,
    })
    const big = spec('schedule', { graphs: [spec('complete'), spec('ring')] })
    const n = Math.ceil(Math.sqrt(MAX_SENT_ARCS)) + 2 // n (n - 1) arcs > the cap
    expect(roundGraphsOf(buildGraph(big, n).dynamics)).toMatchObject({ period: 2, graphs: null, order: null })
  })
})

describe('the round the page draws', () => {
  it("is the round counter's: the latest round a peer is at", () => {
    expect(currentRound([])).toBeNull()
    expect(currentRound([view(0, 7), view(1, 7), view(2, 8)])).toBe(8)
    expect(currentRound([view(0, 3, 'down'), view(1, 4, 'down')])).toBe(4)
  })
})

describe('a random matching on the dashboard', () => {
  const dynamics = buildGraph(spec('random-matching'), 6).dynamics!

  it("the feed's snapshot carries the graph of the swarm's round, once its rounds are followed", () => {
    const feed = new DashboardFeed()
    for (const [peer, round] of [
      [0, 12],
      [1, 11],
      [2, 12],
    ] as const)
      feed.heard(view(peer, round))
    expect(feed.snapshot('s')!.round_now).toBeNull()
    feed.followRounds('s', (t) => dynamics.at(t))
    expect(feed.snapshot('s')!.round_now).toEqual({ round: 12, out: dynamics.at(12).out })
    feed.heard(view(1, 13))
    expect(feed.roundNow('s')).toEqual({ round: 13, out: dynamics.at(13).out })
    expect(dynamics.at(13).out).not.toEqual(dynamics.at(12).out) // seed 3: the matchings differ
  })

  let server: DashboardServer | null = null
  let live: LiveDashboard | null = null
  afterAll(async () => {
    await server?.close()
    await live?.close()
  })

  it('the server sends the round graph with every views event', async () => {
    server = await startDashboard({ host: '127.0.0.1', port: 0 })
    server.describe({ swarm: 's', peers: 6, round_graphs: roundGraphsOf(dynamics) })
    server.followRounds('s', (t) => dynamics.at(t))
    server.heard(view(0, 40))
    expect((await fetch(new URL('graph.js', server.url))).status).toBe(200)
    const events = await fetch(new URL('events', server.url))
    const reader = events.body!.getReader()
    let text = ''
    while (!text.includes('event: snapshot')) text += new TextDecoder().decode((await reader.read()).value)
    server.refresh('s', [view(0, 40)])
    server.heard(view(1, 40)) // the round has not moved: no graph
    server.heard(view(1, 41))
    while (!/event: status\ndata: .*"round":41.*\n\n/.test(text))
      text += new TextDecoder().decode((await reader.read()).value)
    await reader.cancel()
    const data = (event: string): Array<{ round_now?: RoundGraphNow }> =>
      [...text.matchAll(new RegExp(`event: ${event}\\ndata: (.*)\\n\\n`, 'g'))].map((m) => JSON.parse(m[1]!))
    expect(data('views').map((v) => v.round_now)).toEqual([{ round: 40, out: dynamics.at(40).out }])
    expect(data('status').map((v) => v.round_now)).toEqual([undefined, { round: 41, out: dynamics.at(41).out }])
  })

  it('openDashboard with the experiment: the round graphs in the meta, no union of every pair as edges', async () => {
    const resolved = resolveExperiment(
      experimentFrom({
        swarm: { id: 'rm', peers: 6 },
        topology: { kind: 'random-matching', seed: 3 },
        problem: { kind: 'planted', loss: 'squared', dim: 4, samples_per_peer: 2, seed: 7 },
        algorithm: { kind: 'dsgd', eta: 0.1 },
        run: { rounds: 50 },
      }),
      '.',
    )
    live = await openDashboard({ address: { host: '127.0.0.1', port: 0 }, resolved })
    live.onStatus('rm', { index: 2, round: 5, loss: 1, disagreement: 0.1, done: false })
    const body = (await (await fetch(new URL('api/snapshot?swarm=rm', live.url))).json()) as {
      snapshot: { meta: { edges: unknown; round_graphs: unknown }; round_now: RoundGraphNow | null }
    }
    expect(body.snapshot.meta.edges).toBeNull()
    expect(body.snapshot.meta.round_graphs).toEqual({ directed: false, period: null, graphs: null, order: null })
    expect(body.snapshot.round_now).toEqual({ round: 5, out: resolved.graph.dynamics!.at(5).out })
  })
})
