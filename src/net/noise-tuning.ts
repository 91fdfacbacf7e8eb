/**
 * Noise as meshgd runs it: `@chainsafe/libp2p-noise` with three changes that keep the bytes on the wire the same and
 * take out costs the CPU profiles of an 8-peer ring found per message (BENCHMARKS.md, "Swarm against a bare
 * baseline"):
 *
 * - One socket write per encrypted message. Noise hands the connection under it each message as a list of two
 *   buffers (a 2-byte length prefix and the ciphertext), and the TCP transport writes every buffer of a list with a
 *   `socket.write` of its own: two system calls and, with TCP_NODELAY, two segments per message. `joinSends` makes
 *   the connection join a list into one buffer first.
 * - No exception per received chunk. Noise splits what it receives with `@libp2p/utils`' LengthPrefixedDecoder,
 *   whose length decoder must throw a RangeError when fewer than 2 bytes are buffered: that happens once per chunk
 *   (the buffer is drained at the end of each), and building the error with its stack cost more than decrypting
 *   an 8 kB message. `quietLengthDecoder` says "not yet" without throwing (see there).
 * - On Node, the cipher's key object made once per session (noise-crypto.ts, given by node.ts; a browser keeps
 *   Noise's own pure-JavaScript cipher).
 */
import { noise, type ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { ConnectionEncrypter, MessageStream, SecureConnectionOptions } from '@libp2p/interface'

type EncrypterFactory<C> = (components: C) => ConnectionEncrypter
/** Noise's largest message, 65,535 bytes: a length its 2-byte prefix can say, and more than a 1-byte buffer holds. */
export const NOISE_MAX_MESSAGE = 0xffff

/** Noise with the changes above, on `crypto` (Noise's default when left out). */
export function tunedNoise(crypto?: ICryptoInterface): EncrypterFactory<Parameters<ReturnType<typeof noise>>[0]> {
  return tuned(noise(crypto ? { crypto } : {}))
}

/** `encrypter`, writing each message as one buffer, and splitting what it receives without exceptions. */
export function tuned<C>(encrypter: EncrypterFactory<C>): EncrypterFactory<C> {
  return (components) => {
    const inner = encrypter(components)
    const wrapped: ConnectionEncrypter = Object.create(inner) as ConnectionEncrypter
    wrapped.secureInbound = async (connection: MessageStream, options?: SecureConnectionOptions) =>
      quietDecoding(await inner.secureInbound(joinSends(connection), options))
    wrapped.secureOutbound = async (connection: MessageStream, options?: SecureConnectionOptions) =>
      quietDecoding(await inner.secureOutbound(joinSends(connection), options))
    return wrapped
  }
}

/** The same connection, whose `send` joins a list of buffers into one before it is queued. */
export function joinSends(connection: MessageStream): MessageStream {
  const send = connection.send.bind(connection)
  connection.send = (data: Parameters<MessageStream['send']>[0]): boolean =>
    send(data instanceof Uint8Array ? data : data.subarray())
  return connection
}

/**
 * Noise's big-endian u16 length prefix, read from the decoder's buffer (a Uint8Array or a Uint8ArrayList). With
 * fewer than 2 bytes buffered it answers the largest length instead of throwing: the decoder then sees that the
 * buffer cannot hold a whole message yet and waits for more, which is what the RangeError told it.
 */
export function quietLengthDecoder(data: { byteLength: number; get(i: number): number } | Uint8Array): number {
  if (data.byteLength < 2) return NOISE_MAX_MESSAGE
  return data instanceof Uint8Array ? (data[0]! << 8) | data[1]! : (data.get(0) << 8) | data.get(1)
}

interface DecodingStream {
  decoder?: { lengthDecoder?: unknown }
}

/** Give the secured connection's length-prefixed decoder the quiet length decoder (left alone if its shape differs). */
function quietDecoding<T extends { connection: unknown }>(secured: T): T {
  const decoder = (secured.connection as DecodingStream).decoder
  if (decoder && typeof decoder.lengthDecoder === 'function') decoder.lengthDecoder = quietLengthDecoder
  return secured
}
