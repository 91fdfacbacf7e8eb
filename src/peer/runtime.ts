/**
 * One peer's runtime (docs/design.md "Layers and the import rule", `src/peer/`): the rooms in order. context.ts builds what they share; the
 * identity is checked against its pin; links.ts makes the node, roster and params transport; recovery.ts resumes a
 * previous life; startup.ts joins the swarm and finds the neighbours; round-loop.ts runs the rounds; finish.ts
 * writes the outputs, lingers for the neighbours and reports. Where the peer runs (its files or browser storage, its
 * transports) is the platform's (platform.ts). The rooms that hold resources (the recorder's log, the platform's
 * extra rooms such as the metrics server, the node and its streams, the rebind check's timer) are js-libp2p
 * `Startable`s: started here in order, and all stopped here by one `stop` however the run ends.
 */
import { start, stop, type PrivateKey } from '@libp2p/interface'
import { pinsOf, type Pin } from '../config/pins.js'
import { createCore, type PeerCore } from './context.js'
import { PeerError } from './errors.js'
import { finish } from './finish.js'
import { PeerLinks, RebindWatch } from './links.js'
import { Recorder } from './recorder.js'
import { Checkpointer, hadPreviousLife, resumeFromCheckpoint } from './recovery.js'
import { runRounds } from './round-loop.js'
import { joinSwarm } from './startup.js'
import type { PeerInfo, PeerOptions } from './types.js'

export { PeerError } from './errors.js'
export { stateFingerprint } from './recovery.js'
export type { PeerInfo, PeerOptions } from './types.js'
export type { PeerPlatform } from './platform.js'

export async function runPeer(opts: PeerOptions): Promise<PeerInfo> {
  const core = createCore(opts)
  // Pinned identities (peers: [{index, peer_id, addr}]) are trusted over the roster.
  const pins = pinsOf(opts.experiment)
  const privateKey = await pinnedIdentity(core, pins)
  const links = await PeerLinks.create(core, privateKey, pins)
  const resumed = await resumeFromCheckpoint(core, links)
  const previousLife = await hadPreviousLife(core, resumed)
  const checkpointer = new Checkpointer(core, links)
  const recorder = new Recorder(core, links, resumed)
  const extra = opts.platform.extraRooms?.({ core, links, recorder, checkpointer }) ?? []
  const rebinds = new RebindWatch(core, links)
  // the rooms that hold resources (a log, a server, the node and its streams, a timer): all stopped at the end
  const rooms = [rebinds, ...extra, recorder, links]
  const stopSending = (): void => links.controller.abort(new Error('meshgd: peer stopping'))
  opts.signal.addEventListener('abort', stopSending, { once: true })
  try {
    await start(recorder, ...extra)
    await start(links)
    const startupTimeout = await joinSwarm(core, links, privateKey, previousLife)
    await start(rebinds)
    const interrupted = await runRounds(core, links, recorder, checkpointer, { startupTimeout })
    return await finish(core, links, recorder, checkpointer, interrupted, resumed)
  } finally {
    opts.signal.removeEventListener('abort', stopSending)
    await stop(...rooms)
  }
}

/** This peer's key (created on first start and kept by the platform), checked against its pin when it has one. */
async function pinnedIdentity(core: PeerCore, pins: ReadonlyMap<number, Pin>): Promise<PrivateKey> {
  const privateKey = await core.platform.store.identity()
  const ownPin = pins.get(core.i)
  if (ownPin) {
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const own = peerIdFromPrivateKey(privateKey).toString()
    if (own !== ownPin.peerId) {
      throw new PeerError(
        'PIN_MISMATCH',
        `peers: index ${core.i} is pinned to ${ownPin.peerId}, but this peer's identity (${core.platform.store.where}/state/identity.key) is ${own}`,
      )
    }
  }
  return privateKey
}
