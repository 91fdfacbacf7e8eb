/**
 * How `meshgd swarm` follows its peers' start without reading their log text: it starts each `meshgd node` with
 * `MESHGD_EVENTS=stdout`, and the peer then writes one JSON object per line on stdout for each milestone
 * (src/peer/types.ts `PeerEvent`: listening, joined). Rewording a log line changes nothing here.
 */
import type { PeerEvent } from '../peer/types.js'

export const EVENTS_ENV = 'MESHGD_EVENTS'

/** The line a peer writes for `event`. */
export function eventLine(event: PeerEvent): string {
  return JSON.stringify(event) + '\n'
}

/** The event a line announces, or null for anything else (a stray line is not an error). */
export function parseEvent(line: string): PeerEvent | null {
  if (!line.startsWith('{')) return null
  try {
    const x = JSON.parse(line) as Partial<PeerEvent>
    if ((x.event === 'listening' || x.event === 'joined') && typeof x.peer === 'number') return x as PeerEvent
  } catch {
    // not JSON: not an event
  }
  return null
}
