/**
 * The messages of the roster and status topics (roster.ts), parsed from untrusted bytes (pure): a roster entry of
 * this swarm, or a status within the swarm's size; anything else is null, never an exception.
 */
export interface RosterEntry {
  swarm: string
  index: number
  peerId: string
  addrs: string[]
}

export interface StatusMessage {
  index: number
  round: number
  loss: number
  disagreement: number
  /** |w_i - w_ref| / |w_ref| at the newest recorded round; null without a reference (absent from older peers) */
  relative_error?: number | null
  done: boolean
  /** how many peers the swarm has (absent from older peers), so an observer knows whom it has not heard */
  peers?: number
  /** the swarm's run.rounds, as its peers run it (an observer's experiment file may say otherwise) */
  rounds?: number
  /** bytes this peer has sent and received on parameter streams, and messages it rejected (absent from older peers) */
  bytes_sent?: number
  bytes_received?: number
  rejected?: number
}

const decoder = new TextDecoder()

export const rosterTopic = (swarm: string): string => `meshgd/${swarm}/roster`
export const statusTopic = (swarm: string): string => `meshgd/${swarm}/status`

function parseJson(data: Uint8Array): unknown {
  if (data.length > 4096) return null
  try {
    return JSON.parse(decoder.decode(data))
  } catch {
    return null
  }
}

export function parseRosterEntry(data: Uint8Array, swarm: string, peers: number): RosterEntry | null {
  const x = parseJson(data) as Partial<RosterEntry> | null
  if (!x || typeof x !== 'object') return null
  if (x.swarm !== swarm || typeof x.peerId !== 'string' || x.peerId.length > 128) return null
  if (typeof x.index !== 'number' || !Number.isInteger(x.index) || x.index < 0 || x.index >= peers) return null
  if (!Array.isArray(x.addrs) || x.addrs.length > 16 || !x.addrs.every((a) => typeof a === 'string' && a.length < 256))
    return null
  return { swarm, index: x.index, peerId: x.peerId, addrs: x.addrs }
}

export function parseStatus(data: Uint8Array, peers: number): StatusMessage | null {
  const x = parseJson(data) as Partial<StatusMessage> | null
  if (!x || typeof x !== 'object') return null
  if (typeof x.index !== 'number' || !Number.isInteger(x.index) || x.index < 0 || x.index >= peers) return null
  if (typeof x.round !== 'number' || typeof x.loss !== 'number' || typeof x.disagreement !== 'number') return null
  const relative =
    typeof x.relative_error === 'number' && Number.isFinite(x.relative_error) && x.relative_error >= 0
      ? x.relative_error
      : null
  const size =
    typeof x.peers === 'number' && Number.isInteger(x.peers) && x.peers > x.index && x.peers <= peers
      ? { peers: x.peers }
      : {}
  const rounds =
    typeof x.rounds === 'number' && Number.isSafeInteger(x.rounds) && x.rounds > 0 ? { rounds: x.rounds } : {}
  return {
    index: x.index,
    round: x.round,
    loss: x.loss,
    disagreement: x.disagreement,
    relative_error: relative,
    done: x.done === true,
    ...size,
    ...rounds,
    ...counters(x),
  }
}

/** The optional counters of a status, each kept only when it is a finite count (>= 0). */
function counters(x: Partial<StatusMessage>): Pick<StatusMessage, 'bytes_sent' | 'bytes_received' | 'rejected'> {
  const out: Pick<StatusMessage, 'bytes_sent' | 'bytes_received' | 'rejected'> = {}
  for (const key of ['bytes_sent', 'bytes_received', 'rejected'] as const) {
    const v = x[key]
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v
  }
  return out
}
