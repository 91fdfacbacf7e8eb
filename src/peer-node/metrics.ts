/**
 * A peer's Prometheus metrics (`meshgd node --metrics`): read from the runtime's own state when scraped, never per
 * round. Round and pace, loss, disagreement and error (the newest record), bytes, rejected messages by reason, each
 * neighbour's state and staleness, checkpoints, and the round time split of round-times.ts. libp2p's own metrics
 * (connections, streams, bytes per protocol) join the same registry through `@libp2p/prometheus-metrics`.
 */
import { Counter, Gauge, type Registry } from 'prom-client'
import { serveMetrics, type MetricsEndpoint } from '../observe/metrics-server.js'
import type { PeerCore } from '../peer/context.js'
import type { PeerRooms } from '../peer/platform.js'

/** What the metrics read: the peer's rooms. */
export type PeerMetricSources = PeerRooms

/** Where `--metrics` serves; told the endpoint's URL once it listens. */
export interface MetricsAddress {
  readonly host: string
  readonly port: number
  readonly onListening?: (url: string) => void
}

type Read = () => number

/** `--metrics`: the peer's Prometheus endpoint, a room the runtime starts before joining and stops at the end. */
export class MetricsRoom {
  private endpoint: MetricsEndpoint | null = null

  constructor(
    private readonly registry: Registry,
    private readonly address: MetricsAddress,
    sources: PeerMetricSources,
  ) {
    registerPeerMetrics(registry, sources)
  }

  async start(): Promise<void> {
    this.endpoint = await serveMetrics(this.registry, this.address)
    this.address.onListening?.(this.endpoint.url)
  }

  async stop(): Promise<void> {
    await this.endpoint?.close()
    this.endpoint = null
  }
}

/** A gauge whose value is read at scrape time. */
function gauge(registry: Registry, name: string, help: string, read: Read): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read())
    },
  })
}

/** A counter whose running total is read at scrape time (the runtime keeps the totals). */
function total(registry: Registry, name: string, help: string, read: Read): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}

export function registerPeerMetrics(registry: Registry, s: PeerMetricSources): void {
  const { core } = s
  registry.setDefaultLabels({ swarm: core.swarm, peer: String(core.i) })
  for (const [kind, name, help, read] of peerReadings(s)) (kind === 'gauge' ? gauge : total)(registry, name, help, read)
  registerRejects(registry, core)
  registerNeighbours(registry, core)
}

/** Every reading of the peer as a gauge or a running total, with its name and help text. */
function peerReadings(s: PeerMetricSources): Array<['gauge' | 'total', string, string, Read]> {
  const { core, links, recorder, checkpointer } = s
  const stats = links.transport.stats
  const split = (): ReturnType<PeerCore['times']['split']> => core.times.split(links.outbox?.busyMs() ?? 0)
  const perSecond = (): number => {
    const t = split()
    return core.times.rounds / Math.max(1e-9, (t.compute_ms + t.wait_ms) / 1000)
  }
  return [
    ['gauge', 'meshgd_round', 'the round this peer is at (every round before it is done)', () => core.counters.round],
    [
      'gauge',
      'meshgd_rounds_per_second',
      "rounds per second over this process's rounds (compute and waiting)",
      perSecond,
    ],
    ['gauge', 'meshgd_loss', 'local loss at the newest record', () => recorder.latest()?.loss ?? Number.NaN],
    [
      'gauge',
      'meshgd_disagreement',
      "max distance to a neighbour's vector at the newest record",
      () => recorder.latest()?.disagreement ?? Number.NaN,
    ],
    [
      'gauge',
      'meshgd_error',
      'distance to the reference solution at the newest record (NaN without one)',
      () => recorder.latest()?.error ?? Number.NaN,
    ],
    ['total', 'meshgd_bytes_sent_total', 'bytes sent on parameter streams, framing included', () => stats.bytesSent],
    [
      'total',
      'meshgd_bytes_received_total',
      'bytes received on parameter streams, framing included',
      () => stats.bytesReceived,
    ],
    [
      'total',
      'meshgd_compute_seconds_total',
      "time on the peer's own work in its rounds",
      () => split().compute_ms / 1000,
    ],
    ['total', 'meshgd_wait_seconds_total', 'time blocked on neighbours in its rounds', () => split().wait_ms / 1000],
    [
      'total',
      'meshgd_send_seconds_total',
      'time frames waited to leave or were being written',
      () => split().send_ms / 1000,
    ],
    ['total', 'meshgd_checkpoint_writes_total', 'checkpoints written', () => checkpointer.written],
    [
      'gauge',
      'meshgd_checkpoint_seconds',
      'how long the newest checkpoint took to write (0 before the first)',
      () => checkpointer.lastSeconds,
    ],
  ]
}

function registerRejects(registry: Registry, core: PeerCore): void {
  new Counter({
    name: 'meshgd_rejected_messages_total',
    help: 'messages and streams rejected, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [reason, count] of Object.entries(core.rejects)) this.inc({ reason }, count)
    },
  })
}

function registerNeighbours(registry: Registry, core: PeerCore): void {
  const { book, neighbours } = core
  new Gauge({
    name: 'meshgd_neighbour_state',
    help: 'each neighbour: 1 for its state (live, down or finished), 0 for the others',
    labelNames: ['neighbour', 'state'],
    registers: [registry],
    collect() {
      neighbours.forEach((j, k) => {
        const state = book.isFinal(k) ? 'finished' : book.isUp(k) ? 'live' : 'down'
        for (const s of ['live', 'down', 'finished']) this.set({ neighbour: String(j), state: s }, s === state ? 1 : 0)
      })
    },
  })
  new Gauge({
    name: 'meshgd_neighbour_staleness_rounds',
    help: "rounds the neighbour's newest vector is behind this peer's last round (0: up to date)",
    labelNames: ['neighbour'],
    registers: [registry],
    collect() {
      neighbours.forEach((j, k) =>
        this.set({ neighbour: String(j) }, Math.max(0, core.counters.round - 1 - book.latestRound(k))),
      )
    },
  })
}
