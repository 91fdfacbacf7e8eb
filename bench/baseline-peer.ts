/**
 * One peer of the bare baseline of `npm run bench swarm` (issue 15 item 2, an honest floor in the same language):
 * the same synchronous rounds and the same arithmetic as a meshgd peer (the project's `PeerStep`, codec and CHOCO
 * difference-mode copies, as src/peer/round-loop.ts uses them) and the same frames (src/codec/wire.ts: length
 * prefix, msgpack envelope, payload; a `hello` envelope names a dialling peer), but over plain `node:net` sockets on
 * 127.0.0.1 with TCP_NODELAY: no libp2p, no encryption, no timeouts, no recovery. What is left is what every meshgd
 * peer pays besides the network stack: compute, encoding and decoding, and the kernel's loopback.
 *
 *   node dist/bench/baseline-peer.js <index> <experiment.json> <params dir> [--sealed]
 *
 * `--sealed` adds the cipher of a meshgd connection (bench/sealed-socket.ts: Noise's ChaCha20-Poly1305 and message
 * sizes) and nothing else: the floor of any encrypted transport.
 *
 * With the parent (bench/swarm-bench.ts): prints `{"port"}` once listening on a port the OS picked, reads every
 * peer's port (a JSON array) from stdin until it ends, dials its higher-index neighbours and accepts the lower ones,
 * runs the rounds, writes `<params dir>/<index>.f64` and prints `{"index","seconds","rounds"}`. `seconds` is on its
 * own clock from round 0 (when its round-0 inbox is complete, as a meshgd peer's round-0 record) to the last combine.
 */
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createPeerStep, type PeerStep } from '../src/algorithms/peer-step.js'
import {
  decodeBody,
  decodeVector,
  encodeFrame,
  encodeVectorFrame,
  FrameDecoder,
  frameCapForDim,
  type Envelope,
  BodyPool,
  readsInPlace,
  VectorPool,
  type VectorCodec,
} from '../src/codec/index.js'
import { experimentFrom } from '../src/config/load.js'
import { isDifferenceMode } from '../src/config/schema.js'
import { applyDifference, differenceScale, intoPublicCopies, vectorCodecOf } from '../src/exchange/codec-choice.js'
import { resolveExperiment } from '../src/exchange/resolve.js'
import { Rng } from '../src/util/rng.js'
import { Opener, Sealer } from './sealed-socket.js'

const HOST = '127.0.0.1'

/** What a peer needs for its rounds: its step, codec and public copies, exactly as src/peer/context.ts builds them. */
interface BaselinePeer {
  readonly i: number
  readonly n: number
  readonly swarm: string
  readonly rounds: number
  readonly neighbours: readonly number[]
  readonly d: number
  readonly codec: VectorCodec
  readonly quantRng: Rng
  readonly step: PeerStep
  readonly difference: boolean
  readonly diffScale: number
  readonly selfCopy: Float64Array
  readonly neighbourCopies: Float64Array[]
  readonly delta: Float64Array
  /** spare bodies for received frames, given back once combined (as src/peer/neighbours.ts does) */
  readonly bodies: BodyPool
  /** vectors for decoded quantized payloads, and the peer's own decoded message (as src/peer/context.ts keeps) */
  readonly decoded: VectorPool
  readonly ownDecoded: Float64Array
  /** sent frames every socket has written out, for the next round's frame */
  readonly spareFrames: Uint8Array[]
  /** each socket's sealer (`--sealed`), none for plain sockets */
  readonly sealers: WeakMap<Socket, Sealer> | null
}

function createBaselinePeer(i: number, file: string, sealed: boolean): BaselinePeer {
  const input = experimentFrom(JSON.parse(readFileSync(file, 'utf8')))
  const { experiment, graph, problem } = resolveExperiment(input, dirname(file))
  const d = problem.paramDim
  const codec = vectorCodecOf(experiment)
  const difference = isDifferenceMode(experiment.compression)
  const neighbours = graph.neighbours[i]!
  return {
    i,
    n: graph.n,
    swarm: experiment.swarm.id,
    rounds: experiment.run.rounds,
    neighbours,
    d,
    codec,
    quantRng: Rng.derive(experiment.run.seed, i, 'quantize'),
    step: createPeerStep(experiment, problem, graph, i),
    difference,
    diffScale: differenceScale(codec, d),
    selfCopy: new Float64Array(difference ? d : 0),
    neighbourCopies: neighbours.map(() => new Float64Array(difference ? d : 0)),
    delta: new Float64Array(difference ? d : 0),
    bodies: new BodyPool(),
    decoded: new VectorPool(d),
    ownDecoded: new Float64Array(codec.codec === 'f64' ? 0 : d),
    spareFrames: [],
    sealers: sealed ? new WeakMap() : null,
  }
}

/** Write a frame to a socket, sealed when the run is (`written` once the socket has taken it). */
function write(peer: BaselinePeer, socket: Socket, frame: Uint8Array, written?: () => void): void {
  const sealer = peer.sealers?.get(socket)
  socket.write(sealer ? sealer.seal(frame) : frame, written)
}

/** Received vectors by round (a neighbour may be one round ahead), and a wake-up for the round being waited on. */
class Inbox {
  private readonly byRound = new Map<number, { vectors: Array<Float64Array | null>; count: number }>()
  private wake: (() => void) | null = null
  private waitingFor = -1

  constructor(private readonly size: number) {}

  put(round: number, k: number, vector: Float64Array): void {
    let entry = this.byRound.get(round)
    if (!entry)
      this.byRound.set(round, (entry = { vectors: new Array<Float64Array | null>(this.size).fill(null), count: 0 }))
    if (entry.vectors[k] === null) entry.count++
    entry.vectors[k] = vector
    if (round === this.waitingFor && entry.count === this.size) this.wake?.()
  }

  async take(round: number): Promise<Array<Float64Array | null>> {
    if ((this.byRound.get(round)?.count ?? 0) < this.size) {
      this.waitingFor = round
      await new Promise<void>((resolve) => (this.wake = resolve))
      this.wake = null
    }
    const entry = this.byRound.get(round)!
    this.byRound.delete(round)
    return entry.vectors
  }
}

/**
 * Feed a socket's frames to the inbox; a hello names the neighbour of an accepted socket (`known` undefined until
 * then) and calls `onHello`.
 */
function attach(
  peer: BaselinePeer,
  socket: Socket,
  inbox: Inbox,
  known: number | undefined,
  onHello: (k: number) => void,
): void {
  const decoder = new FrameDecoder(frameCapForDim(peer.d, 0), peer.bodies)
  const limits = { swarm: peer.swarm, dim: peer.d, maxPeers: peer.n }
  let k = known
  socket.setNoDelay(true)
  const frames = (chunk: Uint8Array): void => {
    try {
      for (const body of decoder.push(chunk)) {
        const { envelope, payload } = decodeBody(body, limits)
        if (envelope.kind === 'hello') {
          k = peer.neighbours.indexOf(envelope.from)
          if (k < 0) throw new RangeError(`peer ${peer.i}: hello from a peer that is not a neighbour`)
          onHello(k)
        } else if (k === undefined) throw new RangeError(`peer ${peer.i}: a vector before the hello`)
        else {
          // into a spare vector unless read in place, as src/peer/links.ts does; both go back after the combine
          const into = peer.codec.codec === 'f64' && readsInPlace(payload) ? undefined : peer.decoded.take()
          inbox.put(envelope.round, k, decodeVector(peer.codec, payload, peer.d, into))
          if (into) peer.bodies.give(body)
        }
      }
    } catch (err) {
      fail(err)
    }
  }
  if (peer.sealers) {
    peer.sealers.set(socket, new Sealer())
    const opener = new Opener(frames)
    socket.on('data', (chunk: Buffer) => opener.push(chunk))
  } else socket.on('data', frames)
  socket.on('error', (err) => fail(err))
}

/**
 * Accept the lower-index neighbours into `sockets` (neighbour order), each named by its hello. Called before the
 * server listens: a neighbour may dial as soon as it has the ports, before this peer has read them.
 */
function acceptNeighbours(peer: BaselinePeer, server: Server, inbox: Inbox, sockets: Socket[]): Promise<void> {
  let missing = peer.neighbours.filter((j) => j < peer.i).length
  return new Promise<void>((resolve) => {
    if (missing === 0) resolve()
    server.on('connection', (socket) =>
      attach(peer, socket, inbox, undefined, (k) => {
        sockets[k] = socket
        if (--missing === 0) resolve()
      }),
    )
  })
}

/** Dial the higher-index neighbours into `sockets` (neighbour order), each greeted with this peer's hello. */
async function dialNeighbours(
  peer: BaselinePeer,
  ports: readonly number[],
  inbox: Inbox,
  sockets: Socket[],
): Promise<void> {
  const dialled = peer.neighbours.map(async (j, k) => {
    if (j < peer.i) return
    const socket = createConnection({ host: HOST, port: ports[j]! })
    await once(socket, 'connect')
    attach(peer, socket, inbox, k, () => fail(new RangeError(`peer ${peer.i}: a hello on a dialled socket`)))
    write(peer, socket, encodeFrame(envelopeOf(peer, 'hello', 0), new Uint8Array(0)))
    sockets[k] = socket
  })
  await Promise.all(dialled)
}

/** The envelope of this peer's frames (src/peer/round-loop.ts sendRound writes the same). */
function envelopeOf(peer: BaselinePeer, kind: 'params' | 'hello', round: number): Envelope {
  return { swarm: peer.swarm, round, from: peer.i, kind, codec: peer.codec.codec, dim: peer.d }
}

/** Encode and send round t's message to every neighbour (src/peer/round-loop.ts sendRound); returns `own`. */
function sendRound(
  peer: BaselinePeer,
  sockets: readonly Socket[],
  t: number,
  message: Float64Array,
): Float64Array | undefined {
  const { codec, d } = peer
  let encoded: { frame: Uint8Array; payload: Uint8Array }
  let own: Float64Array | undefined
  if (peer.difference) {
    for (let k = 0; k < d; k++) peer.delta[k] = message[k]! - peer.selfCopy[k]!
    encoded = encodeVectorFrame(envelopeOf(peer, 'params', t), codec, peer.delta, peer.quantRng, peer.spareFrames.pop())
    applyDifference(peer.selfCopy, decodeVector(codec, encoded.payload, d, peer.ownDecoded), peer.diffScale)
    own = peer.selfCopy
  } else {
    encoded = encodeVectorFrame(envelopeOf(peer, 'params', t), codec, message, peer.quantRng, peer.spareFrames.pop())
    if (codec.codec !== 'f64') own = decodeVector(codec, encoded.payload, d, peer.ownDecoded)
  }
  const { frame } = encoded
  let writing = sockets.length
  for (const socket of sockets) write(peer, socket, frame, () => --writing === 0 && peer.spareFrames.push(frame))
  return own
}

/** Combine round t (src/peer/round-loop.ts combineRound): difference mode goes through the public copies. */
function combineRound(
  peer: BaselinePeer,
  t: number,
  received: Array<Float64Array | null>,
  own: Float64Array | undefined,
): void {
  const inbox = peer.difference ? intoPublicCopies(received, peer.neighbourCopies, peer.diffScale) : received
  peer.step.combine(t, inbox, own)
  for (const q of received) {
    if (!q) continue
    peer.bodies.give(q)
    peer.decoded.give(q)
  }
}

/** The synchronous rounds; returns the seconds from round 0's complete inbox to the last combine. */
async function runRounds(peer: BaselinePeer, sockets: readonly Socket[], inbox: Inbox): Promise<number> {
  let started = performance.now()
  for (let t = 0; t < peer.rounds; t++) {
    const message = peer.step.prepare(t)
    if (message === null)
      throw new RangeError('baseline: the algorithm sent nothing in a round; only every-round algorithms are supported')
    const own = sendRound(peer, sockets, t, message)
    const received = await inbox.take(t)
    if (t === 0) started = performance.now()
    combineRound(peer, t, received, own)
  }
  return (performance.now() - started) / 1000
}

async function readStdin(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += String(chunk)
  return text
}

function fail(err: unknown): never {
  process.stderr.write(`baseline peer: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}

async function main(): Promise<void> {
  const [index, file, paramsDir, option] = process.argv.slice(2)
  if (index === undefined || file === undefined || paramsDir === undefined || (option && option !== '--sealed'))
    throw new RangeError('usage: baseline-peer <index> <experiment.json> <params dir> [--sealed]')
  const peer = createBaselinePeer(Number(index), file, option === '--sealed')
  const inbox = new Inbox(peer.neighbours.length)
  const sockets = new Array<Socket>(peer.neighbours.length)
  const server = createServer()
  const accepted = acceptNeighbours(peer, server, inbox, sockets)
  server.listen(0, HOST)
  await once(server, 'listening')
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n')
  const ports = JSON.parse(await readStdin()) as number[]
  await Promise.all([accepted, dialNeighbours(peer, ports, inbox, sockets)])
  const seconds = await runRounds(peer, sockets, inbox)
  const w = peer.step.params
  writeFileSync(join(paramsDir, `${peer.i}.f64`), new Uint8Array(w.buffer, w.byteOffset, w.byteLength))
  process.stdout.write(JSON.stringify({ index: peer.i, seconds, rounds: peer.rounds }) + '\n')
  // Every neighbour already has our last vector queued; ending flushes it, and the process exits when all close.
  for (const socket of sockets) socket.end()
  server.close()
}

main().catch(fail)
