/**
 * `/meshgd/roster/1.0.0` as a libp2p service: the bootstrap's directory of signed roster entries.
 *
 * Gossip alone made start-up fail past a handful of peers (every announcement of every peer through one hub,
 * verified by everyone). With the directory a peer registers its own signed entry with a bootstrap and asks it
 * for its neighbours' entries in one round trip, and asks again (with back-off) until it knows them all. The
 * bootstrap only relays: each record is signed by the peer it names, so a bootstrap can withhold an entry but not
 * forge one. An index claimed under a second peer ID is rebound to it only when the first is gone (no open
 * connection to this bootstrap): a peer that lost its disk comes back under a new identity and is taken, while a
 * second process started with a live peer's index is refused and told who holds it (the peers apply the same rule
 * to their neighbours).
 *
 * Shape as js-libp2p's protocol-ping: `rosterDirectory(init)(components)`, Startable, a narrow components bag.
 */
import type { AbortOptions, PeerId, PrivateKey, Startable, Stream, StreamHandler } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  decodeDirectoryAnswer,
  decodeDirectoryRequest,
  DIRECTORY_ANSWER_CAP,
  DIRECTORY_REQUEST_CAP,
  encodeDirectoryAnswer,
  encodeDirectoryRequest,
  RECORD_DOMAIN,
  RECORD_ENTRY_MAX_BYTES,
  type DirectoryAnswer,
  type DirectoryRequest,
  type SignedRecord,
} from '../codec/directory.js'
import { FrameDecoder } from '../codec/index.js'
import { parseRosterEntry, type RosterEntry } from './roster.js'

export const ROSTER_PROTOCOL = '/meshgd/roster/1.0.0'
/** The largest index a bootstrap stores (it does not know the swarms' sizes). */
const MAX_INDEX = 1 << 20

export interface RosterDirectoryInit {
  /** Answer requests (the bootstrap); a peer only asks. */
  serve?: boolean
  /** Swarms and entries per swarm a serving directory keeps (a bound on what strangers can make it store). */
  maxSwarms?: number
  maxEntriesPerSwarm?: number
  /** Time allowed for one request and its answer. */
  timeoutMs?: number
}

export interface RosterDirectoryComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: { maxInboundStreams?: number }): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: {
    openStream(peer: PeerId | Multiaddr | Multiaddr[], protocol: string, options?: AbortOptions): Promise<Stream>
    getConnections(peerId?: PeerId): Array<{ status: string }>
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** This peer's entry as a record signed with its own key. */
export async function signRosterEntry(key: PrivateKey, entry: RosterEntry): Promise<SignedRecord> {
  const e = new TextEncoder().encode(
    JSON.stringify({ swarm: entry.swarm, index: entry.index, peerId: entry.peerId, addrs: entry.addrs }),
  )
  if (e.length > RECORD_ENTRY_MAX_BYTES)
    throw new RangeError(`roster entry of ${e.length} bytes (at most ${RECORD_ENTRY_MAX_BYTES}): too many addresses`)
  return { e, s: await key.sign(concat(RECORD_DOMAIN, e)) }
}

/** The entry of a record whose signature is by the peer it names, of this swarm and index range; else null. */
export async function openRosterRecord(
  record: SignedRecord,
  swarm: string,
  peers: number,
): Promise<RosterEntry | null> {
  const entry = parseRosterEntry(record.e, swarm, peers)
  if (!entry) return null
  try {
    const key = peerIdFromString(entry.peerId).publicKey
    return key && (await key.verify(concat(RECORD_DOMAIN, record.e), record.s)) ? entry : null
  } catch {
    return null
  }
}

/** Read exactly one frame from a stream (then stop reading). */
async function readOneFrame(stream: Stream, cap: number): Promise<Uint8Array> {
  const decoder = new FrameDecoder(cap)
  for await (const chunk of stream) {
    for (const body of decoder.push(chunk instanceof Uint8Array ? chunk : chunk.subarray())) return body
  }
  throw new Error('stream ended before a whole message')
}

async function sendAll(stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (stream.send(bytes)) return
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      stream.removeEventListener('drain', done)
      signal.removeEventListener('abort', fail)
      resolve()
    }
    const fail = (): void => {
      stream.removeEventListener('drain', done)
      reject(signal.reason as Error)
    }
    stream.addEventListener('drain', done)
    signal.addEventListener('abort', fail, { once: true })
  })
}

export class RosterDirectory implements Startable {
  /** swarm -> index -> {peerId, record} */
  private readonly swarms = new Map<string, Map<number, { peerId: string; record: SignedRecord }>>()
  private readonly timeoutMs: number

  constructor(
    private readonly components: RosterDirectoryComponents,
    private readonly init: RosterDirectoryInit = {},
  ) {
    this.timeoutMs = init.timeoutMs ?? 5000
  }

  async start(): Promise<void> {
    if (this.init.serve)
      await this.components.registrar.handle(ROSTER_PROTOCOL, (stream) => void this.answer(stream), {
        maxInboundStreams: 1024,
      })
  }

  async stop(): Promise<void> {
    if (this.init.serve) await this.components.registrar.unhandle(ROSTER_PROTOCOL)
  }

  /** How many entries a serving directory holds for a swarm. */
  size(swarm: string): number {
    return this.swarms.get(swarm)?.size ?? 0
  }

  private async answer(stream: Stream): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      const request = decodeDirectoryRequest(await readOneFrame(stream, DIRECTORY_REQUEST_CAP))
      const heldBy = await this.register(request)
      const entries = this.swarms.get(request.swarm)
      const records = request.want.flatMap((j) => {
        const found = entries?.get(j)
        return found ? [found.record] : []
      })
      await sendAll(
        stream,
        encodeDirectoryAnswer({ records, registered: entries?.size ?? 0, ...(heldBy ? { heldBy } : {}) }),
        signal,
      )
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
  }

  /** Take the request's own signed entry; returns the live holder's peer ID when its claim is refused. */
  private async register(request: DirectoryRequest): Promise<string | undefined> {
    if (!request.self) return undefined
    const entry = await openRosterRecord(request.self, request.swarm, MAX_INDEX)
    if (!entry) return undefined
    let entries = this.swarms.get(entry.swarm)
    if (!entries) {
      if (this.swarms.size >= (this.init.maxSwarms ?? 64)) return undefined
      entries = new Map()
      this.swarms.set(entry.swarm, entries)
    }
    const known = entries.get(entry.index)
    if (known && known.peerId !== entry.peerId && this.connected(known.peerId)) return known.peerId
    if (!known && entries.size >= (this.init.maxEntriesPerSwarm ?? 65_536)) return undefined
    entries.set(entry.index, { peerId: entry.peerId, record: request.self })
    return undefined
  }

  /** Is there an open connection to this peer (is the holder of an index still alive)? */
  private connected(peerId: string): boolean {
    try {
      return this.components.connectionManager.getConnections(peerIdFromString(peerId)).some((c) => c.status === 'open')
    } catch {
      return false
    }
  }

  /**
   * Register `self` (when given) with the directory at `target` and fetch the records of the indices in `want`.
   * The records are returned as received (open each with `openRosterRecord`), with the number of peers of the
   * swarm the directory holds.
   */
  async lookup(
    target: PeerId | Multiaddr,
    request: DirectoryRequest,
    options: { signal?: AbortSignal } = {},
  ): Promise<DirectoryAnswer> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), ...(options.signal ? [options.signal] : [])])
    const stream = await this.components.connectionManager.openStream(target, ROSTER_PROTOCOL, { signal })
    try {
      await sendAll(stream, encodeDirectoryRequest(request), signal)
      return decodeDirectoryAnswer(await readOneFrame(stream, DIRECTORY_ANSWER_CAP))
    } catch (err) {
      stream.abort(err as Error)
      throw err
    } finally {
      if (stream.status === 'open') await stream.close({ signal }).catch(() => undefined)
    }
  }
}

export function rosterDirectory(
  init: RosterDirectoryInit = {},
): (components: RosterDirectoryComponents) => RosterDirectory {
  return (components) => new RosterDirectory(components, init)
}
