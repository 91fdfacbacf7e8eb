/**
 * The bare baseline's wire format (bench/baseline-peer.ts): a frame is a u32 payload length, a u32 round and the
 * payload, little-endian. A payload is either one vector under the experiment's codec (its length is fixed by the
 * codec and d, so any other length is refused) or, as the first frame a dialling peer sends, a 4-byte hello carrying
 * its index (round HELLO_ROUND). No envelope, no encryption, no multiplexing: the floor meshgd is measured against.
 */

export const HELLO_ROUND = 0xffff_ffff
const HEADER_BYTES = 8
const HELLO_BYTES = 4

export interface BaselineFrame {
  readonly round: number
  readonly payload: Buffer
}

/** The header of a frame: u32 payload length, u32 round. */
export function frameHeader(payloadBytes: number, round: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES)
  header.writeUInt32LE(payloadBytes, 0)
  header.writeUInt32LE(round, 4)
  return header
}

/** A hello frame: the dialling peer's index, so the accepting peer knows which neighbour the socket is. */
export function helloFrame(index: number): Buffer {
  const payload = Buffer.allocUnsafe(HELLO_BYTES)
  payload.writeUInt32LE(index, 0)
  return Buffer.concat([frameHeader(HELLO_BYTES, HELLO_ROUND), payload])
}

/**
 * Splits a byte stream into frames. Chunks are kept as they come and joined once per frame, so a frame of many
 * chunks costs one copy. A length other than the vector's or a hello's is a RangeError (the stream is not ours).
 */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0

  constructor(private readonly vectorBytes: number) {}

  *push(chunk: Buffer): Generator<BaselineFrame> {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    while (this.buffered >= HEADER_BYTES) {
      const head = this.chunks[0]!.length >= HEADER_BYTES ? this.chunks[0]! : this.join()
      const length = head.readUInt32LE(0)
      const round = head.readUInt32LE(4)
      const hello = round === HELLO_ROUND && length === HELLO_BYTES
      if (length !== this.vectorBytes && !hello) {
        throw new RangeError(`baseline frame: payload of ${length} bytes, expected ${this.vectorBytes} (or a ${HELLO_BYTES}-byte hello)`)
      }
      if (this.buffered < HEADER_BYTES + length) return
      const frame = this.take(HEADER_BYTES + length)
      yield { round, payload: frame.subarray(HEADER_BYTES) }
    }
  }

  /** Everything buffered as one Buffer (kept as the only chunk). */
  private join(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)]
    return this.chunks[0]!
  }

  private take(bytes: number): Buffer {
    const all = this.join()
    const rest = all.subarray(bytes)
    this.chunks = rest.length > 0 ? [rest] : []
    this.buffered = rest.length
    return all.subarray(0, bytes)
  }
}
