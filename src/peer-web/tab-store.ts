/**
 * A browser peer's store (src/peer/platform.ts) in the tab's IndexedDB: one database per page origin, keys under
 * `<swarm>/<index>/`. A checkpoint is put and the older ones deleted in one transaction, so a tab closed at any
 * moment keeps a whole checkpoint; records are kept in batches, one per flush. The final parameters and the report
 * also go to the page (`onOutput`), which offers them for download.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { openDB, type IDBPDatabase } from 'idb'
import type { CheckpointStore, PeerStore, RecordLog, StoredCheckpoint } from '../peer/platform.js'
import { recordsBefore } from '../peer/recorder.js'
import type { PeerInfo } from '../peer/types.js'

const STORE = 'peer'

export interface TabOutputs {
  /** a batch of records (JSON lines), as the peer writes them */
  onRecords?(lines: string): void
  onParams?(bytes: Uint8Array): void
  onInfo?(info: PeerInfo): void
}

export async function openTabStore(swarm: string, index: number, outputs: TabOutputs = {}): Promise<TabStore> {
  const db = await openDB('meshgd', 1, { upgrade: (d) => void d.createObjectStore(STORE) })
  return new TabStore(db, `${swarm}/${index}/`, outputs)
}

type Db = IDBPDatabase

export class TabStore implements PeerStore {
  readonly where: string
  readonly checkpoints: CheckpointStore
  readonly records: RecordLog

  constructor(
    private readonly db: Db,
    private readonly prefix: string,
    private readonly outputs: TabOutputs,
  ) {
    this.where = `IndexedDB meshgd/${prefix.slice(0, -1)}`
    this.checkpoints = new TabCheckpoints(db, `${prefix}checkpoint/`)
    this.records = new TabRecords(db, `${prefix}records/`, outputs)
  }

  async identity(): Promise<PrivateKey> {
    const key = `${this.prefix}identity.key`
    const stored = (await this.db.get(STORE, key)) as Uint8Array | undefined
    if (stored) return privateKeyFromProtobuf(stored)
    const made = await generateKeyPair('Ed25519')
    await this.db.put(STORE, privateKeyToProtobuf(made), key)
    return made
  }

  async readState(name: string): Promise<string | null> {
    return ((await this.db.get(STORE, `${this.prefix}state/${name}`)) as string | undefined) ?? null
  }

  async writeState(name: string, text: string): Promise<void> {
    await this.db.put(STORE, text, `${this.prefix}state/${name}`)
  }

  async writeParams(bytes: Uint8Array): Promise<void> {
    await this.db.put(STORE, bytes, `${this.prefix}params.f64`)
    this.outputs.onParams?.(bytes)
  }

  async writeInfo(info: PeerInfo): Promise<void> {
    await this.db.put(STORE, JSON.stringify(info), `${this.prefix}info.json`)
    this.outputs.onInfo?.(info)
  }

  /** Forget this peer's state (a fresh start from w^0). */
  async clear(): Promise<void> {
    await this.db.delete(STORE, IDBKeyRange.bound(this.prefix, `${this.prefix}\uffff`))
  }
}

/** Keys under `prefix`, in order. */
async function keysUnder(db: Db, prefix: string): Promise<string[]> {
  return (await db.getAllKeys(STORE, IDBKeyRange.bound(prefix, `${prefix}\uffff`))) as string[]
}

const roundKey = (round: number): string => String(round).padStart(10, '0')

class TabCheckpoints implements CheckpointStore {
  constructor(
    private readonly db: Db,
    private readonly prefix: string,
  ) {}

  async list(): Promise<{ entries: StoredCheckpoint[]; problems: string[] }> {
    const keys = (await keysUnder(this.db, this.prefix)).reverse()
    const entries = keys.map((key) => ({
      name: `IndexedDB ${key}`,
      round: Number(key.slice(this.prefix.length)),
      read: async () => ((await this.db.get(STORE, key)) as Uint8Array | undefined) ?? new Uint8Array(0),
    }))
    return { entries, problems: [] }
  }

  async save(round: number, bytes: Uint8Array, keep: number): Promise<string> {
    const key = `${this.prefix}${roundKey(round)}`
    const tx = this.db.transaction(STORE, 'readwrite')
    await tx.store.put(bytes, key)
    const keys = (await tx.store.getAllKeys(IDBKeyRange.bound(this.prefix, `${this.prefix}\uffff`))) as string[]
    for (const old of keys.slice(0, Math.max(0, keys.length - keep))) await tx.store.delete(old)
    await tx.done
    return `IndexedDB ${key}`
  }
}

class TabRecords implements RecordLog {
  private next = 0

  constructor(
    private readonly db: Db,
    private readonly prefix: string,
    private readonly outputs: TabOutputs,
  ) {}

  async open(from: number | null): Promise<void> {
    const keys = await keysUnder(this.db, this.prefix)
    const kept =
      from === null ? '' : recordsBefore((await Promise.all(keys.map((k) => this.db.get(STORE, k)))).join(''), from)
    const tx = this.db.transaction(STORE, 'readwrite')
    for (const key of keys) await tx.store.delete(key)
    if (kept) await tx.store.put(kept, `${this.prefix}${roundKey(0)}`)
    await tx.done
    this.next = kept ? 1 : 0
    if (kept) this.outputs.onRecords?.(kept)
  }

  append(lines: string): void {
    void this.db.put(STORE, lines, `${this.prefix}${roundKey(this.next++)}`)
    this.outputs.onRecords?.(lines)
  }

  async close(): Promise<void> {}
}
