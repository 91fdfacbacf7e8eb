/**
 * One peer's runtime (docs/design.md "Layers and the import rule", `src/peer/`): the rooms in order. context.ts builds what they share; the
 * identity is checked against its pin; links.ts makes the node, roster and params transport; recovery.ts resumes a
 * previous life; startup.ts joins the swarm and finds the neighbours; round-loop.ts runs the rounds; finish.ts
 * writes the outputs, lingers for the neighbours and reports. Everything started here is stopped here.
 */
import { join } from 'node:path'
import type { PrivateKey } from '@libp2p/interface'
import { Registry } from 'prom-client'
import { pinsOf, type Pin } from '../config/pins.js'
import { loadOrCreateIdentity } from '../net/identity.js'
import { serveMetrics, type MetricsEndpoint } from '../observe/metrics-server.js'
import { createCore, type PeerCore } from './context.js'
import { PeerError } from './errors.js'
import { finish } from './finish.js'
import { PeerLinks } from './links.js'
import { registerPeerMetrics } from './metrics.js'
import { Recorder } from './recorder.js'
import { Checkpointer, hadPreviousLife, resumeFromCheckpoint } from './recovery.js'
import { runRounds } from './round-loop.js'
import { joinSwarm } from './startup.js'
import type { PeerInfo, PeerOptions } from './types.js'

export { PeerError } from './errors.js'
export { stateFingerprint } from './recovery.js'
export type { PeerInfo, PeerOptions } from './types.js'

export async function runPeer(opts: PeerOptions): Promise<PeerInfo> {
  const core = createCore(opts)
  // Pinned identities (peers: [{index, peer_id, addr}]) are trusted over the roster.
  const pins = pinsOf(opts.experiment)
  const privateKey = await pinnedIdentity(core, pins)
  const registry = opts.metrics ? new Registry() : undefined
  const links = await PeerLinks.create(core, privateKey, pins, registry)
  const resumed = resumeFromCheckpoint(core, links)
  const previousLife = hadPreviousLife(core, resumed)
  const checkpointer = new Checkpointer(core, links)
  const stopSending = (): void => links.controller.abort(new Error('meshgd: peer stopping'))
  opts.signal.addEventListener('abort', stopSending, { once: true })
  const recorder = new Recorder(core, links, resumed)
  let rebindCheck: ReturnType<typeof setInterval> | undefined
  let endpoint: MetricsEndpoint | undefined
  try {
    if (registry && opts.metrics) {
      registerPeerMetrics(registry, { core, links, recorder, checkpointer })
      endpoint = await serveMetrics(registry, opts.metrics)
      opts.metrics.onListening?.(endpoint.url)
    }
    const startupTimeout = await joinSwarm(core, links, privateKey, previousLife)
    // while a neighbour may be gone, ask the directory now and then whether its index has a new identity (lost disk)
    rebindCheck = setInterval(
      () => {
        const gone = links.suspectIndices()
        if (gone.length > 0) void links.askWhoHolds(gone)
      },
      Math.max(1000, core.experiment.run.neighbour_timeout_ms),
    )
    const interrupted = await runRounds(core, links, recorder, checkpointer, { startupTimeout })
    return await finish(core, links, recorder, checkpointer, interrupted, resumed)
  } finally {
    await endpoint?.close()
    clearInterval(rebindCheck)
    opts.signal.removeEventListener('abort', stopSending)
    links.controller.abort(new Error('meshgd: peer stopping'))
    recorder.close()
    links.roster.stop()
    await links.transport.stop().catch(() => undefined)
    await Promise.resolve(links.node.stop()).catch(() => undefined)
  }
}

/** This peer's key (created on first start under state/), checked against its pin when it has one. */
async function pinnedIdentity(core: PeerCore, pins: ReadonlyMap<number, Pin>): Promise<PrivateKey> {
  const privateKey = await loadOrCreateIdentity(core.stateDir)
  const ownPin = pins.get(core.i)
  if (ownPin) {
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const own = peerIdFromPrivateKey(privateKey).toString()
    if (own !== ownPin.peerId) {
      throw new PeerError(
        'PIN_MISMATCH',
        `peers: index ${core.i} is pinned to ${ownPin.peerId}, but this peer's identity (${join(core.stateDir, 'identity.key')}) is ${own}`,
      )
    }
  }
  return privateKey
}
