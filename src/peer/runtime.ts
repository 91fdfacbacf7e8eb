/**
 * One peer's runtime (DESIGN.md "src/peer"): its libp2p node, the round loop of ALGORITHMS.md through the same
 * peer step the simulator calls, what it knows of its neighbours (src/peer/neighbours.ts), checkpoints, metrics
 * and outputs.
 *
 * Sync mode: the peer sends its round-t message to every neighbour (never waiting on the send: a queue per
 * neighbour), waits until it holds the round-t message of every live neighbour (a local barrier; early arrivals are
 * kept), then combines. Async mode: it waits only until each live neighbour's newest vector is at most
 * `run.max_staleness` rounds old, and uses that.
 *
 * Faults: a neighbour silent past `run.neighbour_timeout_ms` is down; the peer goes on without it (its terms left
 * out, mixing weights moved to W_ii) and takes it back when it is heard again. A peer started again with the same
 * `--out` resumes from its newest sound checkpoint, says `hello` to its neighbours, who answer with their newest
 * vector, and jumps to their round. When done, the peer sends a `final` frame holding its final vector (which
 * stands for every later round at a neighbour still running) and lingers while a neighbour still runs.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { AlgorithmError, createPeerStep } from '../algorithms/peer-step.js'
import { decodeBody, decodeFloats, decodeVector, encodeF64, encodeFrame, encodeVector, frameCapForDim, type Envelope } from '../codec/index.js'
import { resolveExperiment } from '../exchange/resolve.js'
import type { Experiment, ExperimentInput } from '../config/schema.js'
import { connectBootstrap, createMeshNode, dialStaticPeers } from '../net/node.js'
import { loadOrCreateIdentity } from '../net/identity.js'
import { Outbox, ParamsTransport } from '../net/params-protocol.js'
import { parseRosterEntry, Roster, type RosterEntry } from '../net/roster.js'
import { CheckpointMismatch, loadLatestCheckpoint, saveCheckpointAsync, type CheckpointData } from './checkpoint.js'
import { NeighbourBook } from './neighbours.js'
import { PeerError } from './errors.js'
import { sleep } from './sleep.js'
import { findNeighbours } from './startup.js'
import { Rebinder } from './rebind.js'
import { openRosterRecord, signRosterEntry } from '../net/roster-directory.js'
import { pinsOf, staticAddrsOf } from '../config/pins.js'
import { RejectLog } from '../observe/log.js'
import { float64LeBytes, writeFileAtomic } from '../observe/run-dir.js'
import { distance, norm, withinBounds } from '../linalg/kernels.js'
import { localGradient, localLoss } from '../problems/losses.js'
import { recordInterval, type RoundRecord } from '../exchange/records.js'
import { applyDifference, differenceScale, vectorCodecOf } from '../exchange/codec-choice.js'
import { runReference } from '../exchange/reference.js'
import { Rng } from '../util/rng.js'

export { PeerError } from './errors.js'

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
  /** Sleep this long after every round (a deliberately slow peer, for straggler experiments). */
  readonly delayMs?: number
}

export interface PeerInfo {
  index: number
  peer_id: string
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
  /** the round this process resumed from (a checkpoint), or null for a fresh start */
  resumed_from: number | null
  /** rounds skipped to rejoin the neighbours' round after an absence */
  jumped_rounds: number
  /** times a neighbour was declared down (silent past run.neighbour_timeout_ms) */
  neighbours_down: number
  /** times a neighbour's index passed to a new identity (it came back without its state) */
  rebound_neighbours: number
  final: { loss: number; error: number | null }
  wall_s: number
}

/**
 * What a peer's state depends on, hashed: a checkpoint is resumed only into the same experiment (run.rounds and the
 * timings may change, so a finished run can be continued with more rounds).
 */
export function stateFingerprint(experiment: Experiment): string {
  const { swarm, topology, problem, algorithm, compression, run } = experiment
  const basis = { swarm: { id: swarm.id, peers: swarm.peers }, topology, problem, algorithm, compression, seed: run.seed, init: run.init }
  return createHash('sha256').update(JSON.stringify(basis)).digest('hex').slice(0, 32)
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
  const referenceScale = reference ? norm(reference.w) || 1 : 1
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

  const mode = experiment.run.mode
  const rounds0 = experiment.run.rounds
  // Difference mode keeps public copies that every neighbour updates with the same bits, and allreduce-sgd needs
  // every gradient: neither can leave a neighbour out or use a stand-in, so a missing neighbour stays fatal there.
  const strict = difference || experiment.algorithm.kind === 'allreduce-sgd'
  const book = new NeighbourBook(neighbours.length, {
    mode,
    maxStaleness: experiment.run.max_staleness,
    standIns: !strict,
    period: experiment.algorithm.kind === 'easgd' ? experiment.algorithm.period : 1,
  })
  let round = 0
  let wake: (() => void) | null = null
  const notify = (): void => {
    const w = wake
    wake = null
    w?.()
  }
  const waitForNews = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  // Checkpoints and the previous life of this peer (same --out): resume where it was.
  const stateDir = join(peerDir, 'state')
  const expect = { swarm, index: i, dim: d, algorithm: experiment.algorithm.kind, fingerprint: stateFingerprint(experiment) }
  let resumed: (CheckpointData & { file: string }) | null = null
  try {
    const found = loadLatestCheckpoint(stateDir, expect)
    for (const problem of found.problems) log(`peer ${i}: checkpoint skipped: ${problem}`)
    resumed = found.checkpoint
  } catch (err) {
    if (err instanceof CheckpointMismatch) {
      throw new PeerError('CHECKPOINT', `peer ${i}: ${err.message}; resume with the experiment it was written for, or use another --out`)
    }
    throw err
  }
  const neighboursFile = join(stateDir, 'neighbours.json')
  const previousLife = resumed !== null || existsSync(neighboursFile)
  if (resumed) {
    try {
      step.restore(resumed)
      if (resumed.rngs.quantize) quantRng.setState(resumed.rngs.quantize)
      if (difference) {
        const copies = [selfCopy, ...neighbourCopies]
        const names = ['public.self', ...neighbours.map((j) => `public.${j}`)]
        names.forEach((name, k) => {
          const v = resumed!.vectors[name]
          if (!v || v.length !== d) throw new RangeError(`checkpoint: vector ${name} missing or of the wrong length`)
          copies[k]!.set(v)
        })
      }
    } catch (err) {
      throw new PeerError('CHECKPOINT', `peer ${i}: ${resumed.file}: ${(err as Error).message}`)
    }
    round = resumed.round
    log(`peer ${i}: resuming from ${resumed.file} (round ${resumed.round})`)
  }
  // Checkpoints are written off the event loop (the disk's fsync would stall the round loop, and with it the
  // neighbours): a snapshot now, the write in the background; a periodic one is skipped while the last is still
  // being written; the final one waits for it. A failed write is reported and the run goes on.
  let writing: Promise<void> | null = null
  const checkpoint = async (done: number, final = false): Promise<void> => {
    if (experiment.run.checkpoint_every === null) return
    if (writing && !final) return
    await writing
    const state = step.snapshot()
    const vectors = { ...state.vectors }
    if (difference) {
      vectors['public.self'] = Float64Array.from(selfCopy)
      neighbours.forEach((j, k) => (vectors[`public.${j}`] = Float64Array.from(neighbourCopies[k]!)))
    }
    const data = { ...expect, round: done, vectors, rngs: { ...state.rngs, quantize: quantRng.state() } }
    writing = saveCheckpointAsync(stateDir, data).then(
      () => undefined,
      (err: Error) => log(`peer ${i}: checkpoint of round ${done} not written: ${err.message}`),
    )
    const mine = writing
    void mine.finally(() => {
      if (writing === mine) writing = null
    })
    if (final) await mine
  }

  const roster = new Roster(node, {
    swarm,
    peers: graph.n,
    self: null,
    announceEveryMs: 1000, // doubling up to 16 s until the neighbours are found (the directory is the fast path)
    maxAnnounceEveryMs: 16_000,
    pinned: new Map([...pins].map(([j, pin]) => [j, pin.peerId])),
    onImpostor: (index, claimed) => reject(`roster: index ${index} claimed against its pin`, claimed),
    onConflict: (_index, _known, claimed) => void rebinder.claim(claimed),
    onEntry: (entry) => {
      // a neighbour (re)announced: remember where it says it is now. Not dialled here: both ends dialling at once
      // made a second connection whose closing lost a frame in flight (a false catch-up jump in CI); the first
      // round's send opens the connection.
      if (!position.has(entry.index) || pins.has(entry.index)) return
      void node.peerStore.merge(peerIdFromString(entry.peerId), { multiaddrs: entry.addrs.map((a) => multiaddr(a)) }).catch(() => undefined)
    },
  })

  // A neighbour's index claimed by a new identity (a peer that lost its disk): taken once the old one is gone
  const rebinder = new Rebinder({
    index: i,
    hood: {
      position,
      holder: (j) => pins.get(j)?.peerId ?? roster.byIndex.get(j)?.peerId,
      pinned: (j) => pins.has(j),
      connected: (k) => {
        const id = targets.get(neighbours[k]!)
        return id !== undefined && node.getConnections(id).some((c) => c.status === 'open')
      },
      silence: (k) => ({ ms: performance.now() - book.lastHeard(k), down: !book.isUp(k) }),
      timeoutMs: experiment.run.neighbour_timeout_ms,
    },
    rebind: (k, entry, previous) => {
      const j = neighbours[k]!
      log(`peer ${i}: index ${j} now belongs to ${entry.peerId} (its previous identity ${previous} is gone: no connection, silent past run.neighbour_timeout_ms)`)
      roster.rebind(entry)
      const id = peerIdFromString(entry.peerId)
      void node.peerStore.merge(id, { multiaddrs: entry.addrs.map((a) => multiaddr(a)) }).catch(() => undefined)
      targets.set(j, id)
      book.restarted(k, 0, performance.now()) // a new peer, from round 0 or wherever it joins us
      resend(k) // our newest vector tells it which round we are at
      notify()
    },
    reject,
    log,
  })
  /** Ask the bootstrap directory who holds these neighbour indices now, and judge each claim it returns. */
  const askWhoHolds = async (indices: readonly number[]): Promise<void> => {
    for (const b of opts.bootstrap) {
      try {
        const answer = await node.services.directory.lookup(multiaddr(b), { swarm, want: [...indices], self: null }, { signal: opts.signal })
        for (const record of answer.records) {
          const entry = await openRosterRecord(record, swarm, graph.n)
          if (entry && indices.includes(entry.index)) rebinder.claim(entry)
        }
      } catch {
        // a bootstrap away: the next check asks again
      }
    }
  }
  /** Neighbours marked down: perhaps their index has a new identity. */
  const downIndices = (): number[] => neighbours.filter((_, k) => !book.isUp(k) && !pins.has(neighbours[k]!))

  /** The graph index of an authenticated remote peer: its pin, else its roster entry. */
  const indexOf = (remote: string): number | undefined => pinnedIndex.get(remote) ?? roster.byPeer.get(remote)
  const known = (j: number): boolean => pins.has(j) || roster.byIndex.has(j)

  const controller = new AbortController()
  const stopSending = (): void => controller.abort(new Error('meshgd: peer stopping'))
  opts.signal.addEventListener('abort', stopSending, { once: true })
  const targets = new Map<number, ReturnType<typeof peerIdFromString>>()
  let outbox: Outbox | null = null
  /** This peer's newest params frame and, once done, its final frame: what a neighbour back from away needs. */
  let lastFrame: Uint8Array | null = null
  let finalFrame: Uint8Array | null = null
  const sendTo = (k: number, frames: readonly Uint8Array[]): void => {
    const target = targets.get(neighbours[k]!)
    if (!target || !outbox) return
    for (const f of frames) outbox.push(target.toString(), target, f)
  }
  const resend = (k: number): void => sendTo(k, [lastFrame, finalFrame].filter((f): f is Uint8Array => f !== null))

  const transport = new ParamsTransport(node, {
    maxFrameBytes: frameCapForDim(d),
    isAllowed: async (remote) => {
      // Before every neighbour is known a neighbour's stream may beat its roster entry: wait a little for it.
      // After that, anyone not in the roster is a stranger and is refused at once.
      for (let waited = 0; waited < 10_000 && !opts.signal.aborted; waited += 50) {
        const index = indexOf(remote)
        if (index !== undefined) return position.has(index)
        if (neighbours.every(known)) break
        await sleep(50, opts.signal)
      }
      // a stranger while a neighbour is down may be that neighbour under a new identity: ask the directory
      if (indexOf(remote) === undefined && downIndices().length > 0) await askWhoHolds(downIndices())
      const index = indexOf(remote)
      return index !== undefined && position.has(index)
    },
    onReject: (remote, err) => reject(`stream: ${(err as { code?: string }).code ?? err.message}`, remote),
    onFrame: (remote, body) => {
      const from = indexOf(remote)
      if (from === undefined || !position.has(from)) return reject('not a neighbour', remote)
      let envelope: Envelope
      let payload: Uint8Array
      try {
        // a neighbour may be anywhere from round 0 (restarted without a checkpoint) to the last round
        ;({ envelope, payload } = decodeBody(body, { swarm, dim: d, maxPeers: graph.n, roundWindow: { own: 0, behind: 0, ahead: rounds0 + 1 } }))
      } catch (err) {
        return reject((err as { code?: string }).code ?? 'bad frame', remote)
      }
      if (envelope.from !== from) return reject('forged from', remote)
      const k = position.get(from)!
      const now = performance.now()
      if (envelope.kind === 'hello') {
        // the neighbour (re)started at envelope.round: what it had of ours may be lost
        const { revived } = book.restarted(k, envelope.round, now)
        log(`peer ${i}: neighbour ${from} ${revived ? 'is back and ' : ''}restarted at round ${envelope.round}`)
        resend(k)
        return notify()
      }
      const isFinal = envelope.kind === 'final'
      if (!(isFinal && envelope.codec === 'f64') && !(envelope.kind === 'params' && envelope.codec === codec.codec)) {
        return reject('unexpected kind or codec', remote)
      }
      let vector: Float64Array
      try {
        vector = isFinal ? decodeFloats('f64', payload, d) : decodeVector(codec, payload, d)
      } catch (err) {
        return reject((err as { code?: string }).code ?? 'bad payload', remote)
      }
      const { revived } = book.receive(k, envelope.round, vector, round, now, isFinal)
      if (revived) {
        log(`peer ${i}: neighbour ${from} is back (round ${envelope.round})`)
        resend(k) // what we sent while it was away may be lost
      }
      notify()
    },
  })

  const metricsPath = join(peerDir, 'metrics.jsonl')
  if (resumed && existsSync(metricsPath)) {
    // keep the records of the rounds before the checkpoint; the rounds after it are run again
    const kept = readFileSync(metricsPath, 'utf8')
      .split('\n')
      .filter((line) => {
        try {
          return line.trim() !== '' && (JSON.parse(line) as RoundRecord).round < resumed!.round
        } catch {
          return false // a line cut short by the kill
        }
      })
    writeFileAtomic(metricsPath, kept.map((l) => l + '\n').join(''))
  }
  const metricsFd = openSync(metricsPath, resumed ? 'a' : 'w')
  let interrupted = false
  let rounds = round
  let messagesSent = 0
  let jumped = 0
  let downs = 0
  let rebindCheck: ReturnType<typeof setInterval> | undefined
  try {
    await transport.start()
    await node.start()
    outbox = new Outbox(transport, controller.signal)
    const self = { swarm, index: i, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) }
    roster.setSelf(self)
    if (previousLife) {
      // a restarted peer knows its neighbours from its last life: no need to wait for their next announcement
      try {
        const cached = JSON.parse(readFileSync(neighboursFile, 'utf8')) as unknown[]
        for (const raw of cached) {
          const entry = parseRosterEntry(new TextEncoder().encode(JSON.stringify(raw)), swarm, graph.n)
          if (entry && position.has(entry.index)) roster.remember(entry)
        }
      } catch {
        // no cache or an unreadable one: the roster announcements will do
      }
    }
    roster.start()
    // processes of a large swarm start over a while on a few cores: a minute, or half a second a peer
    const startupTimeout = opts.startupTimeoutMs ?? Math.max(60_000, 500 * graph.n)
    dialStaticPeers(node, staticAddrsOf(experiment), startupTimeout, opts.signal)
    await connectBootstrap(node, opts.bootstrap, startupTimeout, opts.signal)
    log(`peer ${i}: ${self.peerId} listening on ${self.addrs.join(' ')}`)

    // Startup: learn every neighbour's peer ID and addresses (the bootstrap's directory and the roster topic)
    await findNeighbours({
      node,
      roster,
      swarm,
      peers: graph.n,
      index: i,
      self: await signRosterEntry(privateKey, self),
      neighbours,
      known,
      bootstraps: opts.bootstrap,
      timeoutMs: startupTimeout,
      signal: opts.signal,
    })
    // observers that join later (a launcher's, `meshgd watch`) hear every peer within this
    roster.quiet(Math.max(2000, 150 * graph.n))
    // while a neighbour is down, ask the directory now and then whether its index has a new identity (lost disk)
    rebindCheck = setInterval(() => {
      const gone = downIndices()
      if (gone.length > 0) void askWhoHolds(gone)
    }, Math.max(1000, experiment.run.neighbour_timeout_ms))
    if (!opts.signal.aborted) log(`peer ${i}: found neighbours ${neighbours.join(', ')} in the roster`)
    const entries: RosterEntry[] = []
    for (const j of neighbours) {
      const pin = pins.get(j)
      const entry = roster.byIndex.get(j)
      if (!pin && !entry) continue // interrupted before every neighbour was known
      const id = peerIdFromString(pin?.peerId ?? entry!.peerId)
      await node.peerStore.merge(id, { multiaddrs: pin ? [multiaddr(pin.addr)] : entry!.addrs.map((a) => multiaddr(a)) })
      targets.set(j, id)
      if (entry) entries.push(entry)
    }
    writeFileAtomic(neighboursFile, JSON.stringify(entries) + '\n')
    if (previousLife) {
      // tell the neighbours we are back, at which round: they answer with their newest vector
      const hello = encodeFrame({ swarm, round, from: i, kind: 'hello', codec: 'f64', dim: d }, new Uint8Array(0))
      neighbours.forEach((_, k) => sendTo(k, [hello]))
    }

    const every = recordInterval(experiment)
    const timeoutMs = experiment.run.neighbour_timeout_ms
    const isolatedLimitMs = Math.max(startupTimeout, 10 * timeoutMs)
    const records: RoundRecord[] = []
    const writeRecords = (): void => {
      if (records.length === 0) return
      writeSync(metricsFd, records.map((r) => JSON.stringify(r) + '\n').join(''))
      records.length = 0
    }
    // the newest record, for the status topic (status messages carry finite numbers only)
    const newest: { record: RoundRecord | null } = { record: null }
    /** The relative error of the newest record, for observers (null without a reference). */
    const relativeError = (): number | null => (newest.record?.error === undefined || newest.record.error === null ? null : newest.record.error / referenceScale)
    const rejectedSoFar = (): number => Object.values(rejects).reduce((a, b) => a + b, 0)
    const record = (t: number, received: ReadonlyArray<Float64Array | null> | null, gradient: Float64Array, staleness: number): void => {
      const w = step.params
      let disagreement = 0
      let used = 0
      for (const v of received ?? []) {
        if (!v) continue
        used++
        disagreement = Math.max(disagreement, distance(w, v))
      }
      const entry: RoundRecord = {
        round: t,
        peer: i,
        loss: localLoss(problem.loss, problem.shards[i]!, w, problem.classes),
        grad_norm: norm(gradient),
        disagreement,
        error: reference ? distance(w, reference.w) : null,
        bytes_sent: transport.stats.bytesSent,
        bytes_received: transport.stats.bytesReceived,
        t_ms: Math.round((performance.now() - started) * 1000) / 1000,
        neighbours: used,
        staleness,
        rejected: rejectedSoFar(),
      }
      newest.record = entry
      records.push(entry)
    }
    /** Is there an open connection to neighbour k? */
    const connected = (k: number): boolean => {
      const id = targets.get(neighbours[k]!)
      return id !== undefined && node.getConnections(id).some((c) => c.status === 'open')
    }
    // how long the first rounds may wait on neighbours that are connected but not yet sending
    const startingUntil = performance.now() + 5 * startupTimeout
    let lastStatus = 0
    // status for observers: every peer's messages reach every observer through the hub, so the interval grows with n
    const statusEveryMs = Math.max(200, 25 * graph.n)
    const firstRound = round

    while (round < rounds0) {
      if (opts.signal.aborted) {
        interrupted = true
        break
      }
      const t = round
      const message = step.prepare(t)
      let own: Float64Array | undefined
      let jumpTo: number | null = null
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
        lastFrame = frame
        const frames = [...(opts.inject?.(t) ?? []), frame]
        messagesSent += neighbours.length
        neighbours.forEach((_, k) => sendTo(k, frames))
        // Wait for the live neighbours (sync: their round-t vectors; async: fresh enough ones). The first rounds
        // after a (re)start also absorb start-up skew: processes start at different times, and a late peer delays
        // its neighbours' neighbours too, one hop per round, so for as many rounds as there are peers (at least
        // the graph's diameter) the wait is the start-up timeout.
        const starting = t - firstRound < graph.n
        const patience = starting ? Math.max(timeoutMs, startupTimeout) : timeoutMs
        let deadline = performance.now() + patience
        let isolatedSince: number | null = null
        while (!opts.signal.aborted) {
          if (book.isolated()) {
            // every neighbour is down: wait for one to come back rather than run alone
            const now = performance.now()
            if (isolatedSince === null) {
              isolatedSince = now
              log(`peer ${i}: every neighbour is down at round ${t}; waiting up to ${Math.round(isolatedLimitMs / 1000)} s for one to return`)
            }
            if (now - isolatedSince > isolatedLimitMs) {
              throw new PeerError('ISOLATED', `peer ${i}: every neighbour (${neighbours.join(', ')}) was down for ${Math.round(isolatedLimitMs / 1000)} s at round ${t}`)
            }
            await waitForNews(250)
            continue
          }
          if (isolatedSince !== null) {
            isolatedSince = null
            deadline = performance.now() + timeoutMs
          }
          // first: were we away (every live neighbour well ahead)? then rejoin them rather than replay the rounds
          jumpTo = strict ? null : book.jumpTarget(t)
          if (jumpTo !== null) break
          const waiting = book.waitingOn(t)
          if (waiting.length === 0) break
          const left = deadline - performance.now()
          if (left <= 0 && starting && waiting.every((k) => connected(k)) && performance.now() < startingUntil) {
            // the swarm is still starting: a neighbour still connected to us is waiting for its own neighbours
            // (a large swarm takes minutes to start on a few cores), not gone; a crashed one drops the connection
            deadline = performance.now() + timeoutMs
            continue
          }
          if (left <= 0) {
            const silent = waiting.map((k) => neighbours[k]!)
            if (strict) {
              const why = difference
                ? 'compression.mode: difference keeps copies every neighbour must update, so a lost neighbour is fatal here; compression.mode: direct goes on without it and takes it back'
                : 'algorithm.kind: allreduce-sgd needs every gradient, so a lost neighbour is fatal here; elastic, quorum, easgd and local go on without it and take it back'
              throw new PeerError('NEIGHBOUR_TIMEOUT', `peer ${i}: no round-${t} vector from neighbour(s) ${silent.join(', ')} within ${patience} ms (run.neighbour_timeout_ms): ${why}`)
            }
            for (const k of waiting) book.markDown(k)
            downs += waiting.length
            log(`peer ${i}: neighbour(s) ${silent.join(', ')} silent for ${patience} ms at round ${t} (run.neighbour_timeout_ms): going on without them`)
            deadline = performance.now() + timeoutMs
            continue
          }
          await waitForNews(Math.min(left, 250))
        }
        if (opts.signal.aborted) {
          interrupted = true
          break
        }
      }
      if (jumpTo !== null) {
        // we were away (restarted, or cut off): every live neighbour is well ahead; join the slowest of them
        log(`peer ${i}: rejoining at round ${jumpTo} (was at ${t})`)
        jumped += jumpTo - t
        round = Math.min(jumpTo, rounds0)
        rounds = round
        book.prune(round)
        continue
      }
      const inbox = message ? book.inbox(t) : { vectors: neighbours.map(() => null), used: 0, staleness: 0 }
      let received: Array<Float64Array | null> = inbox.vectors
      if (difference && message) {
        received = received.map((q, k) => {
          if (!q) return null
          applyDifference(neighbourCopies[k]!, q, diffScale)
          return neighbourCopies[k]!
        })
      }
      if (t % every === 0) record(t, received, step.gradient, inbox.staleness)
      try {
        step.combine(t, received, own)
      } catch (err) {
        if (err instanceof AlgorithmError) throw new PeerError('NEIGHBOUR_TIMEOUT', `peer ${i}: round ${t}: ${err.message}`)
        throw err
      }
      round = t + 1
      rounds = round
      book.prune(round)
      if (rounds % 16 === 0 && !withinBounds(step.params)) {
        throw new PeerError('DIVERGED', `peer ${i}: the run diverged at round ${rounds}; lower algorithm.eta or the coupling`)
      }
      if (t % every === 0) writeRecords()
      if (experiment.run.checkpoint_every !== null && rounds % experiment.run.checkpoint_every === 0 && rounds < rounds0) void checkpoint(rounds)
      const now = performance.now()
      if (now - lastStatus > statusEveryMs) {
        lastStatus = now
        void roster.publishStatus({ index: i, round: rounds, loss: newest.record?.loss ?? 0, disagreement: newest.record?.disagreement ?? 0, relative_error: relativeError(), done: false })
      }
      if (opts.delayMs) await sleep(opts.delayMs, opts.signal)
    }
    await checkpoint(rounds, true) // on finishing, and on shutdown
    const full = localGradient(problem.loss, problem.shards[i]!, step.params, problem.classes, new Float64Array(d))
    record(rounds, book.newest(), full, 0)
    writeRecords()
    writeFileAtomic(join(opts.out, 'params', `${i}.f64`), float64LeBytes(step.params))
    void roster.publishStatus({ index: i, round: rounds, loss: localLoss(problem.loss, problem.shards[i]!, step.params, problem.classes), disagreement: 0, relative_error: reference ? distance(step.params, reference.w) / referenceScale : null, done: !interrupted })

    // Linger: tell the neighbours we are done (with our final vector, which stands for every later round at a
    // neighbour still running) and stay while a neighbour still runs, to answer it if it restarts.
    if (!interrupted) {
      finalFrame = encodeFrame({ swarm, round: rounds, from: i, kind: 'final', codec: 'f64', dim: d }, encodeF64(step.params))
      neighbours.forEach((_, k) => sendTo(k, [finalFrame!]))
      const finishedAt = performance.now()
      const grace = Math.max(timeoutMs, 2000)
      const lingerUntil = finishedAt + (opts.lingerMs ?? Math.max(120_000, 4 * timeoutMs))
      const stillRunning = (): number[] =>
        neighbours.filter((_, k) => {
          if (book.isFinal(k)) return false
          const heard = book.isUp(k) ? Math.max(book.lastHeard(k), finishedAt) : book.lastHeard(k)
          return performance.now() - heard < grace
        })
      let said = false
      let resent = finishedAt
      while (stillRunning().length > 0 && performance.now() < lingerUntil && !opts.signal.aborted) {
        if (!said && performance.now() - finishedAt > 1000) {
          said = true
          log(`peer ${i}: done; lingering for neighbour(s) ${stillRunning().join(', ')} still running`)
        }
        if (performance.now() - resent > 3000) {
          // a final frame lost with a broken stream would keep a neighbour waiting for us: say it again
          resent = performance.now()
          neighbours.forEach((j, k) => {
            if (!book.isFinal(k) && stillRunning().includes(j)) sendTo(k, [finalFrame!])
          })
        }
        await waitForNews(100)
      }
      // give the last frames a moment to leave before the streams close
      await outbox.drained(2000)
      await sleep(100)
    }
    const info: PeerInfo = {
      index: i,
      peer_id: node.peerId.toString(),
      addrs: node.getMultiaddrs().map((a) => a.toString()),
      rounds,
      interrupted,
      bytes_sent: transport.stats.bytesSent,
      bytes_received: transport.stats.bytesReceived,
      messages_sent: messagesSent,
      refused_streams: transport.stats.refusedStreams,
      rejected_frames: transport.stats.rejectedFrames,
      rejects,
      resumed_from: resumed?.round ?? null,
      jumped_rounds: jumped,
      neighbours_down: downs,
      rebound_neighbours: rebinder.rebound,
      final: {
        loss: localLoss(problem.loss, problem.shards[i]!, step.params, problem.classes),
        error: reference ? distance(step.params, reference.w) : null,
      },
      wall_s: (performance.now() - started) / 1000,
    }
    writeFileAtomic(join(peerDir, 'info.json'), JSON.stringify(info, null, 2) + '\n')
    return info
  } finally {
    clearInterval(rebindCheck)
    opts.signal.removeEventListener('abort', stopSending)
    controller.abort(new Error('meshgd: peer stopping'))
    closeSync(metricsFd)
    roster.stop()
    await transport.stop().catch(() => undefined)
    await Promise.resolve(node.stop()).catch(() => undefined)
  }
}
