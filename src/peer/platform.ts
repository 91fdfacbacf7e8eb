/**
 * What a peer needs from where it runs (docs/design.md "The peer and its platform"). The rooms of src/peer import no
 * `node:*` module: a Node process (src/peer-node: files, TCP, Prometheus) and a browser tab (src/peer-web: IndexedDB,
 * WebSockets and WebRTC) each give them this, and the round loop, the neighbour book, the codecs and the algorithms
 * run unchanged on both.
 */
import type { PrivateKey, Startable } from '@libp2p/interface'
import type { ExperimentInput } from '../config/schema.js'
import type { ResolvedExperiment } from '../exchange/experiment.js'
import type { MeshNode, MeshNodeInit } from '../net/mesh-node.js'
import type { PeerCore } from './context.js'
import type { PeerLinks } from './links.js'
import type { Recorder } from './recorder.js'
import type { Checkpointer } from './recovery.js'
import type { PeerInfo } from './types.js'

export interface PeerPlatform {
  /** The experiment's graph, problem and concrete values, as peer `index` needs them (its own shard only). */
  resolve(input: ExperimentInput, index: number): ResolvedExperiment
  /** A libp2p node with this platform's transports and cipher (src/net/mesh-node.ts). */
  createNode(init: MeshNodeInit): Promise<MeshNode>
  /** SHA-256 of `bytes`: checkpoints' checksums and the state fingerprint. */
  sha256(bytes: Uint8Array): Uint8Array
  /** What the peer keeps between lives and leaves behind. */
  readonly store: PeerStore
  /**
   * Rooms only this platform runs beside the peer's own (the Node peer's Prometheus endpoint), built once the
   * peer's rooms exist and started after the recorder; each is stopped with the others however the run ends.
   */
  extraRooms?(rooms: PeerRooms): Startable[]
}

/** The rooms an extra room may read (src/peer/runtime.ts builds them). */
export interface PeerRooms {
  readonly core: PeerCore
  readonly links: PeerLinks
  readonly recorder: Recorder
  readonly checkpointer: Checkpointer
}

export interface PeerStore {
  /** Where this peer's things are, for messages: a folder (`runs/x/peers/3`) or a browser database. */
  readonly where: string
  /** This peer's key, created on the first start and kept (`identity.key`). */
  identity(): Promise<PrivateKey>
  readonly checkpoints: CheckpointStore
  readonly records: RecordLog
  /** A small text kept between lives (`neighbours.json`: the neighbours this peer knew), or null. */
  readState(name: string): Promise<string | null>
  writeState(name: string, text: string): Promise<void>
  /** The final parameters (little-endian float64, `params/<i>.f64`). */
  writeParams(bytes: Uint8Array): Promise<void>
  /** The peer's report (`peers/<i>/info.json`). */
  writeInfo(info: PeerInfo): Promise<void>
}

/** One stored checkpoint: its name for messages, its round, and its bytes when asked. */
export interface StoredCheckpoint {
  readonly name: string
  readonly round: number
  read(): Promise<Uint8Array>
}

export interface CheckpointStore {
  /** The stored checkpoints, newest first; `problems`: leftovers of writes cut short, each named. */
  list(): Promise<{ entries: StoredCheckpoint[]; problems: string[] }>
  /** Store round `round`'s checkpoint whole or not at all, and keep only the newest `keep`; says where it went. */
  save(round: number, bytes: Uint8Array, keep: number): Promise<string>
}

/** The peer's records (`metrics.jsonl`): JSON lines appended as the rounds go. */
export interface RecordLog {
  /** Open for appending: a new log, or after a resume the old one without the records of round `from` on. */
  open(from: number | null): Promise<void>
  append(lines: string): void
  close(): Promise<void>
}
