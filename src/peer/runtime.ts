/**
 * One peer's runtime (DESIGN.md "src/peer"): its libp2p node, the round loop of ALGORITHMS.md through the same
 * peer step the simulator calls, neighbour buffers, the sync barrier, metrics and outputs.
 *
 * Sync mode: the peer sends its round-t message to every neighbour, waits until it holds the round-t messages of
 * all of them (a local barrier; early round-(t+1) arrivals are buffered), then combines. A neighbour silent past
 * `run.neighbour_timeout_ms` stops the run with a clear error (tolerating it is the faults issue's work).
 * When done, the peer sends a `final` frame and lingers until every neighbour has said `final` too, so nobody
 * loses a vector it still needs.
 */
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createPeerStep } from '../algorithms/peer-step.js'
import { decodeBody, decodeVector, encodeFrame, encodeVector, frameCapForDim, type Envelope } from '../codec/index.js'
import { resolveExperiment } from '../config/resolve.js'
import type { ExperimentInput } from '../config/schema.js'
import { connectBootstrap, createMeshNode, dialStaticPeers } from '../net/node.js'
import { loadOrCreateIdentity } from '../net/identity.js'
import { ParamsTransport } from '../net/params-protocol.js'
import { Roster } from '../net/roster.js'
import { pinsOf, staticAddrsOf } from '../config/pins.js'
import { RejectLog } from '../observe/log.js'
import { float64LeBytes, writeFileAtomic } from '../observe/run-dir.js'
import { distance, norm, withinBounds } from '../linalg/kernels.js'
import { localGradient, localLoss } from '../problems/losses.js'
import { recordInterval, type RoundRecord } from '../sim/engine.js'
import { applyDifference, differenceScale, vectorCodecOf } from '../sim/channel.js'
import { runReference } from '../sim/run.js'
import { Rng } from '../util/rng.js'

export interface PeerOptions {
  readonly experiment: ExperimentInput
  readonly baseDir: string
  readonly index: number
  readonly out: string
  readonly listen: string[]
  readonly announce: string[]
  readonly bootstrap: string[]
  readonly swarmKey?: Uint8Array | null
  readonly signal: AbortSignal
  /** One line of progress or a warning, for the CLI to print. */
  readonly log?: (line: string) => void
  /** How long to wait for the neighbours' roster entries at start. */
  readonly startupTimeoutMs?: number
  /** How long a finished peer waits for its neighbours' `final`. */
  readonly lingerMs?: number
  /**
   * Fault injection for tests: extra raw frames this peer sends to every neighbour just before its round-t frame
   * (malformed or hostile messages arriving over a real, authenticated stream).
   */
  readonly inject?: (round: number) => Uint8Array[]
}

export interface PeerInfo {
  index: number
  peerId: string
  addrs: string[]
  rounds: number
  interrupted: boolean
  bytes_sent: number
  bytes_received: number
  /** parameter messages sent (one per neighbour per communicating round; `final` frames not counted) */
  messages_sent: number
  refused_streams: number
  rejected_frames: number
  rejects: Record<string, number>
  final: { loss: number; error: number | null }
  wall_s: number
}

export class PeerError extends Error {
  override readonly name = 'PeerError'
  constructor(
    readonly code: 'STARTUP_TIMEOUT' | 'NEIGHBOUR_TIMEOUT' | 'DIVERGED' | 'ROSTER_CONFLICT' | 'PIN_MISMATCH',
    message: string,
  ) {
    super(message)
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

export async function runPeer(opts: PeerOptions): Promise<PeerInfo> {
  const started = performance.now()
  const { experiment, graph, problem } = resolveExperiment(opts.experiment, opts.baseDir)
  const i = opts.index
  if (!Number.isInteger(i) || i < 0 || i >= graph.n) throw new RangeError(`--index ${i}: must be 0..${graph.n - 1}`)
  const neighbours = graph.neighbours[i]!
  const position = new Map(neighbours.map((j, k) => [j, k]))
  const d = problem.paramDim
  const swarm = experiment.swarm.id
  const codec = vectorCodecOf(experiment)
  const quantRng = Rng.derive(experiment.run.seed, i, 'quantize')
  // CHOCO difference mode: public copies of this peer and of each neighbour, updated with the same bits everywhere.
  const compression = experiment.compression
  const difference = 'mode' in compression && compression.mode === 'difference'
  const diffScale = differenceScale(codec, d)
  const selfCopy = new Float64Array(difference ? d : 0)
  const neighbourCopies = neighbours.map(() => new Float64Array(difference ? d : 0))
  const delta = new Float64Array(difference ? d : 0)
  const step = createPeerStep(experiment, problem, graph, i)
  const reference = runReference({ experiment, graph, problem })
  const peerDir = join(opts.out, 'peers', String(i))
  mkdirSync(join(peerDir, 'state'), { recursive: true })
  mkdirSync(join(opts.out, 'params'), { recursive: true })
  const log = opts.log ?? ((): void => undefined)

  // Pinned identities (peers: [{index, peer_id, addr}]) are trusted over the roster.
  const pins = pinsOf(opts.experiment)
  const pinnedIndex = new Map([...pins].map(([j, pin]) => [pin.peerId, j]))
  const privateKey = await loadOrCreateIdentity(join(peerDir, 'state'))
  const ownPin = pins.get(i)
  if (ownPin) {
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const own = peerIdFromPrivateKey(privateKey).toString()
    if (own !== ownPin.peerId) {
      throw new PeerError('PIN_MISMATCH', `peers: index ${i} is pinned to ${ownPin.peerId}, but this peer's identity (${join(peerDir, 'state', 'identity.key')}) is ${own}`)
    }
  }
  const rejects: Record<string, number> = {}
  const rejectLog = new RejectLog(log)
  const reject = (reason: string, remote = 'a neighbour'): void => {
    rejectLog.note(remote, reason, performance.now(), `peer ${i}: `)
    rejects[reason] = (rejects[reason] ?? 0) + 1
  }

  const node = await createMeshNode({
    privateKey,
    listen: opts.listen,
    announce: opts.announce,
    bootstrap: opts.bootstrap,
    swarmKey: opts.swarmKey ?? null,
    maxConnections: Math.max(64, 4 * neighbours.length + 16),
    maxConnectionsPerIp: experiment.swarm.max_connections_per_ip ?? 2 * graph.n + 16,
    maxConnectionsPerPeer: experiment.swarm.max_connections_per_peer,
    onGaterRefuse: (why, remote) => reject(`gater: ${why}`, remote),
  })

  // Round-t messages of the neighbours, aligned with `neighbours`; `finals` for the linger phase.
  const inbox = new Map<number, Array<Float64Array | null>>()
  const counts = new Map<number, number>()
  const finals = new Set<number>()
  let round = 0
  let wake: (() => void) | null = null
  const notify = (): void => {
    const w = wake
    wake = null
    w?.()
  }

  let conflict: string | null = null
  const roster = new Roster(node, {
    swarm,
    peers: graph.n,
    self: null,
    announceEveryMs: 300, // until the neighbours are found; then every 5 s
    pinned: new Map([...pins].map(([j, pin]) => [j, pin.peerId])),
    onImpostor: (index, claimed) => reject(`roster: index ${index} claimed against its pin`, claimed),
    onConflict: (index, known, claimed) => {
      conflict = `index ${index} is claimed by ${known} and ${claimed}`
      log(`peer ${i}: roster conflict: ${conflict}`)
    },
  })

  /** The graph index of an authenticated remote peer: its pin, else its roster entry. */
  const indexOf = (remote: string): number | undefined => pinnedIndex.get(remote) ?? roster.byPeer.get(remote)
  const known = (j: number): boolean => pins.has(j) || roster.byIndex.has(j)

  const transport = new ParamsTransport(node, {
    maxFrameBytes: frameCapForDim(d),
    isAllowed: async (remote) => {
      // Before every neighbour is known a neighbour's stream may beat its roster entry: wait a little for it.
      // After that, anyone not in the roster is a stranger and is refused at once.
      for (let waited = 0; waited < 10_000 && !opts.signal.aborted; waited += 50) {
        const index = indexOf(remote)
        if (index !== undefined) return position.has(index)
        if (neighbours.every(known)) return false
        await sleep(50, opts.signal)
      }
      return false
    },
    onReject: (remote, err) => reject(`stream: ${(err as { code?: string }).code ?? err.message}`, remote),
    onFrame: (remote, body) => {
      const from = indexOf(remote)
      if (from === undefined || !position.has(from)) return reject('not a neighbour', remote)
      let envelope: Envelope
      let payload: Uint8Array
      try {
        ;({ envelope, payload } = decodeBody(body, { swarm, dim: d, maxPeers: graph.n, roundWindow: { own: round, behind: 0, ahead: 2 } }))
      } catch (err) {
        return reject((err as { code?: string }).code ?? 'bad frame', remote)
      }
      if (envelope.from !== from) return reject('forged from', remote)
      if (envelope.kind === 'final') {
        finals.add(from)
        return notify()
      }
      if (envelope.kind !== 'params' || envelope.codec !== codec.codec) return reject('unexpected kind or codec', remote)
      let vector: Float64Array
      try {
        vector = decodeVector(codec, payload, d)
      } catch (err) {
        return reject((err as { code?: string }).code ?? 'bad payload', remote)
      }
      let slot = inbox.get(envelope.round)
      if (!slot) {
        slot = neighbours.map(() => null)
        inbox.set(envelope.round, slot)
      }
      const k = position.get(from)!
      if (slot[k] !== null) return reject('duplicate', remote)
      slot[k] = vector
      counts.set(envelope.round, (counts.get(envelope.round) ?? 0) + 1)
      notify()
    },
  })

  const metricsFd = openSync(join(peerDir, 'metrics.jsonl'), 'w')
  let interrupted = false
  let rounds = 0
  let messagesSent = 0
  try {
    await transport.start()
    await node.start()
    const self = { swarm, index: i, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) }
    roster.setSelf(self)
    roster.start()
    dialStaticPeers(node, staticAddrsOf(experiment), opts.startupTimeoutMs ?? 60_000, opts.signal)
    await connectBootstrap(node, opts.bootstrap, opts.startupTimeoutMs ?? 60_000, opts.signal)
    log(`peer ${i}: ${self.peerId} listening on ${self.addrs.join(' ')}`)

    // Startup: learn every neighbour's peer ID and addresses from the roster.
    const startupTimeout = opts.startupTimeoutMs ?? 60_000
    const t0 = performance.now()
    while (!neighbours.every(known)) {
      if (opts.signal.aborted) break
      if (performance.now() - t0 > startupTimeout) {
        const missing = neighbours.filter((j) => !known(j))
        throw new PeerError('STARTUP_TIMEOUT', `peer ${i}: neighbours ${missing.join(', ')} did not appear in the roster within ${startupTimeout} ms`)
      }
      await sleep(50, opts.signal)
    }
    roster.setAnnounceInterval(5000)
    log(`peer ${i}: found neighbours ${neighbours.join(', ')} in the roster`)
    const targets = new Map<number, ReturnType<typeof peerIdFromString>>()
    for (const j of neighbours) {
      const pin = pins.get(j)
      const entry = roster.byIndex.get(j)
      const id = peerIdFromString(pin?.peerId ?? entry!.peerId)
      await node.peerStore.merge(id, { multiaddrs: pin ? [multiaddr(pin.addr)] : entry!.addrs.map((a) => multiaddr(a)) })
      targets.set(j, id)
    }

    const every = recordInterval(experiment)
    const timeoutMs = experiment.run.neighbour_timeout_ms
    const records: RoundRecord[] = []
    const writeRecords = (): void => {
      if (records.length === 0) return
      writeSync(metricsFd, records.map((r) => JSON.stringify(r) + '\n').join(''))
      records.length = 0
    }
    const record = (t: number, received: ReadonlyArray<Float64Array | null> | null, gradient: Float64Array): void => {
      const w = step.params
      let disagreement = 0
      for (const v of received ?? []) if (v) disagreement = Math.max(disagreement, distance(w, v))
      records.push({
        round: t,
        peer: i,
        loss: localLoss(problem.loss, problem.shards[i]!, w, problem.classes),
        grad_norm: norm(gradient),
        disagreement,
        error: reference ? distance(w, reference.w) : null,
        bytes_sent: transport.stats.bytesSent,
        bytes_received: transport.stats.bytesReceived,
        t_ms: Math.round((performance.now() - started) * 1000) / 1000,
      })
    }
    let lastStatus = 0

    for (round = 0; round < experiment.run.rounds; round++) {
      if (opts.signal.aborted) {
        interrupted = true
        break
      }
      if (conflict) throw new PeerError('ROSTER_CONFLICT', `peer ${i}: roster conflict: ${conflict}`)
      const t = round
      const message = step.prepare(t)
      let own: Float64Array | undefined
      if (message) {
        let payload: Uint8Array
        if (difference) {
          for (let k = 0; k < d; k++) delta[k] = message[k]! - selfCopy[k]!
          try {
            payload = encodeVector(codec, delta, quantRng)
          } catch (err) {
            if (err instanceof RangeError) throw new PeerError('DIVERGED', `peer ${i}: the run diverged at round ${t} (${err.message})`)
            throw err
          }
          applyDifference(selfCopy, decodeVector(codec, payload, d), diffScale)
          own = selfCopy
        } else {
          payload = encodeVector(codec, message, quantRng)
          if (codec.codec !== 'f64') own = decodeVector(codec, payload, d)
        }
        const frame = encodeFrame({ swarm, round: t, from: i, kind: 'params', codec: codec.codec, dim: d }, payload)
        const frames = [...(opts.inject?.(t) ?? []), frame]
        messagesSent += neighbours.length
        await Promise.all(
          neighbours.map(async (j) => {
            for (const f of frames) await transport.send(targets.get(j)!.toString(), targets.get(j)!, f, opts.signal)
          }),
        )
        // Barrier: every neighbour's round-t message (they send when we do: all peers follow the same schedule).
        // The first rounds also absorb start-up skew: processes start at different times, and a late peer delays its
        // neighbours' neighbours too, one hop per round, so for as many rounds as there are peers (at least the
        // graph's diameter) the wait is the start-up timeout.
        const deadline = performance.now() + (t < graph.n ? Math.max(timeoutMs, startupTimeout) : timeoutMs)
        while ((counts.get(t) ?? 0) < neighbours.length && !opts.signal.aborted) {
          const left = deadline - performance.now()
          if (left <= 0) {
            const slot = inbox.get(t)
            const silent = neighbours.filter((_, k) => !slot?.[k])
            throw new PeerError('NEIGHBOUR_TIMEOUT', `peer ${i}: no round-${t} vector from neighbour(s) ${silent.join(', ')} within ${timeoutMs} ms (run.neighbour_timeout_ms)`)
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(left, 250))
            wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
        }
        if (opts.signal.aborted) {
          interrupted = true
          break
        }
      }
      let received: Array<Float64Array | null> = inbox.get(t) ?? neighbours.map(() => null)
      if (difference && message) {
        received = received.map((q, k) => {
          if (!q) return null
          applyDifference(neighbourCopies[k]!, q, diffScale)
          return neighbourCopies[k]!
        })
      }
      if (t % every === 0) record(t, received, step.gradient)
      step.combine(t, received, own)
      inbox.delete(t)
      counts.delete(t)
      rounds = t + 1
      if (rounds % 16 === 0 && !withinBounds(step.params)) {
        throw new PeerError('DIVERGED', `peer ${i}: the run diverged at round ${rounds}; lower algorithm.eta or the coupling`)
      }
      if (t % every === 0) writeRecords()
      const now = performance.now()
      if (now - lastStatus > 200) {
        lastStatus = now
        const last = records.at(-1)
        void roster.publishStatus({ index: i, round: rounds, loss: last?.loss ?? NaN, disagreement: last?.disagreement ?? NaN, done: false })
      }
    }
    const full = localGradient(problem.loss, problem.shards[i]!, step.params, problem.classes, new Float64Array(d))
    record(rounds, null, full)
    writeRecords()
    writeFileAtomic(join(opts.out, 'params', `${i}.f64`), float64LeBytes(step.params))
    void roster.publishStatus({ index: i, round: rounds, loss: localLoss(problem.loss, problem.shards[i]!, step.params, problem.classes), disagreement: 0, done: true })

    // Linger: tell the neighbours we are done and wait until they are too (bounded).
    if (!interrupted) {
      const finalFrame = encodeFrame({ swarm, round: rounds, from: i, kind: 'final', codec: codec.codec, dim: d }, new Uint8Array(0))
      await Promise.allSettled(neighbours.map((j) => transport.send(targets.get(j)!.toString(), targets.get(j)!, finalFrame, opts.signal)))
      const lingerUntil = performance.now() + (opts.lingerMs ?? 30_000)
      while (neighbours.some((j) => !finals.has(j)) && performance.now() < lingerUntil && !opts.signal.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 100)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
      // give the last frames a moment to leave before the streams close
      await sleep(100)
    }
    const info: PeerInfo = {
      index: i,
      peerId: node.peerId.toString(),
      addrs: node.getMultiaddrs().map((a) => a.toString()),
      rounds,
      interrupted,
      bytes_sent: transport.stats.bytesSent,
      bytes_received: transport.stats.bytesReceived,
      messages_sent: messagesSent,
      refused_streams: transport.stats.refusedStreams,
      rejected_frames: transport.stats.rejectedFrames,
      rejects,
      final: {
        loss: localLoss(problem.loss, problem.shards[i]!, step.params, problem.classes),
        error: reference ? distance(step.params, reference.w) : null,
      },
      wall_s: (performance.now() - started) / 1000,
    }
    writeFileAtomic(join(peerDir, 'info.json'), JSON.stringify(info, null, 2) + '\n')
    return info
  } finally {
    closeSync(metricsFd)
    roster.stop()
    await transport.stop().catch(() => undefined)
    await Promise.resolve(node.stop()).catch(() => undefined)
  }
}
