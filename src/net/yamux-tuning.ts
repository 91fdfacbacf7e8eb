/**
 * Yamux as meshgd runs it. `@chainsafe/libp2p-yamux` answers every data frame it reads with a window update, so
 * each parameter frame costs a second message the other way (another Noise seal, socket write and wake-up on
 * both sides); Go's and Rust's yamux send one only once half of the receive window has been read. The same rule here
 * (`halfWindowUpdates`, installed once per process on the library's stream class): a stream still grants at least
 * half its window, so a sender is never stopped longer than the library's rule would stop it. Frames of a few kB
 * then cost one window update per hundred kB rather than one each (BENCHMARKS.md, "Swarm against a bare
 * baseline", for the figures).
 *
 * The library's stream class is reached through its exported `./stream` entry; if its shape changes (a field
 * renamed), `halfWindowUpdates` leaves it as it is and says so, rather than guessing.
 */
import { yamux } from '@chainsafe/libp2p-yamux'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/** The fields of the library's YamuxStream the rule reads. */
interface WindowFields {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate(): void
}

let installed = false

/**
 * Send a stream's window update only once half its receive window has been read (or when the update carries a
 * flag: the first frame's SYN/ACK). Installed once per process.
 */
export function halfWindowUpdates(): void {
  if (installed) return
  installed = true
  const proto = YamuxStream.prototype as unknown as WindowFields
  const original = proto.sendWindowUpdate
  if (typeof original !== 'function') {
    const host = globalThis as { process?: { emitWarning(message: string): void } }
    host.process?.emitWarning('meshgd: @chainsafe/libp2p-yamux changed shape; window updates stay one per data frame')
    return
  }
  proto.sendWindowUpdate = function (this: WindowFields): void {
    const read = this.recvWindow - this.recvWindowCapacity
    if (this.state === StreamState.Established && read < this.recvWindow / 2) return
    original.call(this)
  }
}

/** Yamux with the window-update rule above. */
export function tunedYamux(): ReturnType<typeof yamux> {
  halfWindowUpdates()
  return yamux()
}
