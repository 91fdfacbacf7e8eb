/**
 * What arrives: the params transport's handlers (who may open a stream to this peer, with what frame cap, into which
 * pools) and the inbound frame handler that checks each frame (nothing malformed or foreign changes state) and puts
 * its vector in the NeighbourBook.
 */
import { decodeBody, decodeFloats, decodeVector, frameCapForDim, readsInPlace, type Envelope } from '../codec/index.js'
import type { Pin } from '../config/pins.js'
import type { MeshNode } from '../net/mesh-node.js'
import type { ParamsTransport } from '../net/params-protocol.js'
import type { Roster } from '../net/roster.js'
import type { PeerCore } from './context.js'
import type { LinkSender } from './link-sender.js'
import type { NeighbourView } from './neighbour-view.js'
import { sleep } from './sleep.js'

/** The rooms of the links that inbound streams and frames read (links.ts builds them first). */
export interface InboundParts {
  readonly node: MeshNode
  readonly pins: ReadonlyMap<number, Pin>
  readonly roster: Roster
  readonly view: NeighbourView
  /** a neighbour back from away gets what it needs again */
  readonly sender: Pick<LinkSender, 'resend'>
  /** ask the bootstrap directory who holds these neighbour indices now */
  askWhoHolds(indices: readonly number[]): Promise<void>
}

export function createTransport(core: PeerCore, links: InboundParts): ParamsTransport {
  const { position } = core
  const pinnedIndex = new Map([...links.pins].map(([j, pin]) => [pin.peerId, j]))
  /** The graph index of an authenticated remote peer: its pin, else its roster entry. */
  const indexOf = (remote: string): number | undefined => pinnedIndex.get(remote) ?? links.roster.byPeer.get(remote)
  const transport = links.node.services.params
  transport.serve({
    maxFrameBytes: frameCapForDim(core.wireDim, core.stopBytes),
    isAllowed: async (remote) => {
      // Before every neighbour is known a neighbour's stream may beat its roster entry: wait a little for it.
      // After that, anyone not in the roster is a stranger and is refused at once.
      for (let waited = 0; waited < 10_000 && !core.opts.signal.aborted; waited += 50) {
        const index = indexOf(remote)
        if (index !== undefined) return position.has(index)
        if (core.neighbours.every((j) => links.view.known(j))) break
        await sleep(50, core.opts.signal)
      }
      // a stranger while a neighbour is down may be that neighbour under a new identity: ask the directory
      const suspects = links.view.suspectIndices()
      if (indexOf(remote) === undefined && suspects.length > 0) await links.askWhoHolds(suspects)
      const index = indexOf(remote)
      return index !== undefined && position.has(index)
    },
    onReject: (remote, err) => core.reject(`stream: ${(err as { code?: string }).code ?? err.message}`, remote),
    onFrame: (remote, body) => onFrame(core, links, indexOf(remote), remote, body),
    bodies: core.bodies,
  })
  return transport
}

/** One inbound frame: checked (nothing malformed or foreign changes state), then into the book. */
function onFrame(
  core: PeerCore,
  links: InboundParts,
  from: number | undefined,
  remote: string,
  body: Uint8Array,
): void {
  const { i, wireDim: d, codec, book } = core
  if (from === undefined || !core.position.has(from)) return core.reject('not a neighbour', remote)
  let envelope: Envelope
  let payload: Uint8Array
  try {
    // a neighbour may be anywhere from round 0 (restarted without a checkpoint) to the last round
    const roundWindow = { own: 0, behind: 0, ahead: core.experiment.run.rounds + 1 }
    ;({ envelope, payload } = decodeBody(body, {
      swarm: core.swarm,
      dim: d,
      maxPeers: core.graph.n,
      roundWindow,
      stopBytes: core.stopBytes,
    }))
  } catch (err) {
    return core.reject((err as { code?: string }).code ?? 'bad frame', remote)
  }
  if (envelope.from !== from) return core.reject('forged from', remote)
  const k = core.position.get(from)!
  const now = performance.now()
  if (envelope.kind === 'hello') {
    // the neighbour (re)started at envelope.round: what it had of ours may be lost
    const { revived } = book.restarted(k, envelope.round, now)
    core.log(`peer ${i}: neighbour ${from} ${revived ? 'is back and ' : ''}restarted at round ${envelope.round}`)
    links.sender.resend(k)
    return core.news.notify()
  }
  const isFinal = envelope.kind === 'final'
  if (!(isFinal && envelope.codec === 'f64') && !(envelope.kind === 'params' && envelope.codec === codec.codec)) {
    return core.reject('unexpected kind or codec', remote)
  }
  let vector: Float64Array
  // into a spare vector unless read in place; the book gives it back when it lets go of it
  const into = isFinal || (codec.codec === 'f64' && readsInPlace(payload)) ? undefined : core.decoded.take()
  try {
    vector = isFinal ? decodeFloats('f64', payload, d) : decodeVector(codec, payload, d, into)
  } catch (err) {
    if (into) core.decoded.give(into)
    return core.reject((err as { code?: string }).code ?? 'bad payload', remote)
  }
  // a decoded copy (quantized codecs) leaves the body free at once; a vector read in place goes back via the book
  if (vector.buffer !== body.buffer) core.bodies.give(body)
  const { revived } = book.receive(k, envelope.round, vector, core.counters.round, now, isFinal)
  if (envelope.stop) core.targetWatch?.heard(k, envelope.round, envelope.stop)
  if (revived) {
    core.log(`peer ${i}: neighbour ${from} is back (round ${envelope.round})`)
    links.sender.resend(k) // what we sent while it was away may be lost
  }
  core.news.notify()
}
