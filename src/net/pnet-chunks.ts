/**
 * A keyed swarm (`swarm.key_file`) with large vectors crashed every peer: `@libp2p/pnet` encrypts each write with
 * the `xsalsa20` package, whose WebAssembly instances share one memory. A write larger than that memory's free
 * space (about 600 kB: a parameter frame at d = 100,000 is 800 kB) grows it, which detaches the views the other
 * instances (every connection holds two) keep; each of them then finds its view empty and grows the memory again by
 * a whole write, until the 64 MiB maximum: "WebAssembly.Memory.grow(): Maximum memory size exceeded", thrown in the
 * socket's data handler, and the process stops.
 *
 * `boundedXorWrites` makes every update 64 kB or less, so no update ever needs more than the memory's initial
 * 640 kB and it never grows; the keystream is the same (XSalsa20 is a stream cipher, and the package carries a
 * partial 64-byte block from one update to the next), so the bytes on the wire are too (tested against
 * `@noble/ciphers`). Installed once per process, before the first connection.
 */
import { createRequire } from 'node:module'

/** The largest update handed to the WebAssembly cipher at once. */
export const XOR_PIECE_BYTES = 65_536

interface XorStream {
  update(input: Uint8Array, output?: Uint8Array): Uint8Array
}

interface XSalsa20Module {
  (nonce: Uint8Array, key: Uint8Array): XorStream
  prototype: XorStream
}

let installed = false

/** The `xsalsa20` package that `@libp2p/pnet` uses (resolved from pnet, so that it is the same copy). */
export function pnetXsalsa20(): XSalsa20Module {
  const fromPnet = createRequire(createRequire(import.meta.url).resolve('@libp2p/pnet'))
  return fromPnet('xsalsa20') as XSalsa20Module
}

/** Split every XSalsa20 update of the package `@libp2p/pnet` uses into pieces of at most XOR_PIECE_BYTES. */
export function boundedXorWrites(): void {
  if (installed) return
  installed = true
  const module = pnetXsalsa20()
  const update = module.prototype.update
  module.prototype.update = function (this: XorStream, input: Uint8Array, output?: Uint8Array): Uint8Array {
    if (input.length <= XOR_PIECE_BYTES) return update.call(this, input, output)
    const out = output ?? new Uint8Array(input.length)
    for (let at = 0; at < input.length; at += XOR_PIECE_BYTES) {
      const end = Math.min(input.length, at + XOR_PIECE_BYTES)
      update.call(this, input.subarray(at, end), out.subarray(at, end))
    }
    return out
  }
}
