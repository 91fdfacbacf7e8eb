/**
 * The wire format of `/meshgd/roster/1.0.0` (pure): a peer asks a bootstrap "who is index j" and registers itself
 * in the same request, so start-up does not hang on gossip reaching every peer through one hub.
 *
 *   request = frame(msgpack {swarm, want: [index, ...], self: record | null})
 *   answer  = frame(msgpack {records: [record, ...], registered: n, held_by?: peer ID})
 *             n: entries the bootstrap holds for the swarm; held_by: the request's own claim was refused because
 *             this live peer holds the index (absent when the claim was taken, or none was made)
 *   record  = {e: bytes, s: bytes}: `e` is the UTF-8 JSON of a roster entry {swarm, index, peerId, addrs}, `s` the
 *             signature of `RECORD_DOMAIN || e` by the key of `peerId` (checked in src/net/roster-directory.ts)
 *
 * Frames are the params protocol's (uvarint length prefix, src/codec/wire.ts). Everything decoded is `unknown`
 * until the guards below accept it; the caps bound what a hostile peer can make the other side buffer.
 */
import { Packr } from 'msgpackr'
import { uvarintLength, WireError } from './wire.js'

export interface SignedRecord {
  /** the UTF-8 JSON of a roster entry */
  e: Uint8Array
  /** the entry's peer's signature over RECORD_DOMAIN || e */
  s: Uint8Array
}

export interface DirectoryRequest {
  swarm: string
  want: number[]
  self: SignedRecord | null
}

export interface DirectoryAnswer {
  records: SignedRecord[]
  /** how many peers of the swarm have registered with this bootstrap (start-up progress of the whole swarm) */
  registered: number
  /** the request's claim on its index was refused: this peer, still connected, holds it */
  heldBy?: string
}

/** Signatures on roster records are over this prefix and the entry, so they mean nothing anywhere else. */
export const RECORD_DOMAIN = new TextEncoder().encode('meshgd-roster-record/1:')
/** A roster entry's JSON is at most this long (as on the roster topic). */
export const RECORD_ENTRY_MAX_BYTES = 4096
const SIGNATURE_MAX_BYTES = 512
/** Indices one request may ask for (a peer with more neighbours asks in several requests). */
export const DIRECTORY_MAX_WANT = 256
export const DIRECTORY_REQUEST_CAP = 2 * RECORD_ENTRY_MAX_BYTES + 16 * DIRECTORY_MAX_WANT
export const DIRECTORY_ANSWER_CAP = DIRECTORY_MAX_WANT * (RECORD_ENTRY_MAX_BYTES + SIGNATURE_MAX_BYTES + 64) + 64

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true })

function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(uvarintLength(body.length) + body.length)
  let value = body.length
  let at = 0
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  out[at++] = value
  out.set(body, at)
  return out
}

function unpack(body: Uint8Array): Record<string, unknown> {
  let raw: unknown
  try {
    raw = packr.unpack(body)
  } catch {
    throw new WireError('BAD_ENVELOPE', 'directory message is not valid msgpack')
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new WireError('BAD_ENVELOPE', 'directory message is not a map')
  return raw as Record<string, unknown>
}

function guardRecord(x: unknown): SignedRecord {
  const r = x as Partial<SignedRecord> | null
  if (!r || typeof r !== 'object' || !(r.e instanceof Uint8Array) || !(r.s instanceof Uint8Array)) {
    throw new WireError('BAD_ENVELOPE', 'a roster record needs byte fields e and s')
  }
  if (r.e.length > RECORD_ENTRY_MAX_BYTES || r.s.length > SIGNATURE_MAX_BYTES)
    throw new WireError('BAD_ENVELOPE', 'roster record too long')
  return { e: r.e, s: r.s }
}

export function encodeDirectoryRequest(request: DirectoryRequest): Uint8Array {
  return frame(packr.pack({ swarm: request.swarm, want: request.want, self: request.self }))
}

export function decodeDirectoryRequest(body: Uint8Array): DirectoryRequest {
  const x = unpack(body)
  if (typeof x.swarm !== 'string' || x.swarm.length === 0 || x.swarm.length > 64)
    throw new WireError('BAD_ENVELOPE', 'directory request: bad swarm')
  const want = x.want
  if (
    !Array.isArray(want) ||
    want.length > DIRECTORY_MAX_WANT ||
    !want.every((j) => Number.isInteger(j) && (j as number) >= 0)
  ) {
    throw new WireError('BAD_ENVELOPE', `directory request: want must be at most ${DIRECTORY_MAX_WANT} indices`)
  }
  return {
    swarm: x.swarm,
    want: want as number[],
    self: x.self === null || x.self === undefined ? null : guardRecord(x.self),
  }
}

export function encodeDirectoryAnswer(answer: DirectoryAnswer): Uint8Array {
  const heldBy = answer.heldBy === undefined ? {} : { held_by: answer.heldBy }
  return frame(
    packr.pack({ records: answer.records.map((r) => ({ e: r.e, s: r.s })), registered: answer.registered, ...heldBy }),
  )
}

export function decodeDirectoryAnswer(body: Uint8Array): DirectoryAnswer {
  const x = unpack(body)
  if (!Array.isArray(x.records) || x.records.length > DIRECTORY_MAX_WANT)
    throw new WireError('BAD_ENVELOPE', 'directory answer: bad records')
  const registered = Number.isSafeInteger(x.registered) && (x.registered as number) >= 0 ? (x.registered as number) : 0
  const heldBy =
    typeof x.held_by === 'string' && x.held_by.length > 0 && x.held_by.length <= 128 ? { heldBy: x.held_by } : {}
  return { records: x.records.map(guardRecord), registered, ...heldBy }
}
