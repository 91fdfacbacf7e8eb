/**
 * The peer runtime's interface to its callers (`meshgd node`, the tests): what it is given and what it reports
 * (`peers/<i>/info.json`).
 */
import type { ExperimentInput } from '../config/schema.js'
import type { PeerPlatform } from './platform.js'

export interface PeerOptions {
  readonly experiment: ExperimentInput
  readonly index: number
  /** where the peer runs (platform.ts): a Node process (src/peer-node) or a browser tab (src/peer-web) */
  readonly platform: PeerPlatform
  readonly listen: string[]
  readonly announce: string[]
  readonly bootstrap: string[]
  readonly swarmKey?: Uint8Array | null
  readonly signal: AbortSignal
  /** One line of progress or a warning, for the CLI to print. */
  readonly log?: (line: string) => void
  /** Milestones of the start, for a launcher to follow without reading log text (`meshgd swarm`). */
  readonly onEvent?: (event: PeerEvent) => void
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

/** A milestone of a peer's start: listening (its address is known), joined (it has found its neighbours). */
export type PeerEvent =
  | { readonly event: 'listening'; readonly peer: number; readonly peer_id: string; readonly addrs: readonly string[] }
  | { readonly event: 'joined'; readonly peer: number }

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
  /** the first round at which every peer was within run.target, as this peer learnt it (null: not reached) */
  target_round: number | null
  final: { loss: number; error: number | null }
  /** where the round time went (round-times.ts): totals over this process's rounds, in ms */
  time: { compute_ms: number; wait_ms: number; send_ms: number; rounds: number }
  wall_s: number
}
