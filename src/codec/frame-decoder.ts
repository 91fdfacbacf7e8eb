/**
 * Reassembles the frames of wire.ts (`uvarint(bodyLength) body`) from a byte stream (pure): `push(chunk)` yields
 * every complete body.
 *
 * A body inside one chunk is yielded as a view on that chunk. A body spanning chunks is copied, chunk by chunk as it
 * arrives, into an assembly buffer (bodies.ts) with its float64 payload 8-byte aligned, so that the payload is read
 * in place and no chunk is kept past its own `push` (the few bytes of a prefix split between chunks are copied too):
 * the bytes are copied once and the chunks die young. A length prefix above the cap throws before any of the body is
 * buffered.
 */
import { assemblyBuffer, type BodyPool } from './bodies.js'
import { WireError } from './wire.js'

/** The longest length prefix accepted (8 bytes of LEB128 hold every safe length). */
const MAX_PREFIX_BYTES = 8

export class FrameDecoder {
  /** bytes not yet part of a body: a prefix, or the start of a body too short to place yet */
  private chunks: Uint8Array[] = []
  private buffered = 0
  /** the length of the body being read, -1 while reading a prefix */
  private expected = -1
  /** the body being assembled across chunks, and how much of it has arrived */
  private body: Uint8Array | null = null
  private filled = 0

  constructor(
    readonly maxBodyBytes: number,
    private readonly pool?: BodyPool,
  ) {}

  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let at = 0
    if (this.body) {
      at = this.fill(chunk)
      if (this.filled < this.body.length) return
      const body = this.body
      this.body = null
      this.expected = -1
      yield body
    }
    if (at < chunk.length) {
      this.chunks.push(at === 0 ? chunk : chunk.subarray(at))
      this.buffered += chunk.length - at
    }
    yield* this.drain()
  }

  /** Every body complete in the buffered chunks; then a longer body starts its assembly. */
  private *drain(): Generator<Uint8Array> {
    for (;;) {
      if (this.expected < 0 && !this.readPrefix()) return this.keepRest()
      if (this.buffered >= this.expected) {
        const body = this.take(this.expected)
        this.expected = -1
        yield body
        continue
      }
      // the envelope length (the body's first two bytes) places the payload: assemble from then on
      if (this.buffered >= 2) this.startBody()
      else this.keepRest()
      return
    }
  }

  /** Copy the few bytes left over (part of a prefix, or one byte of a body) out of the chunks they came in. */
  private keepRest(): void {
    if (this.chunks.length === 0) return
    const rest = new Uint8Array(this.buffered)
    let at = 0
    for (const c of this.chunks) {
      rest.set(c, at)
      at += c.length
    }
    this.chunks = [rest]
  }

  /** Read a length prefix into `expected`; false while it is incomplete. */
  private readPrefix(): boolean {
    let value = 0
    let factor = 1
    let length = 0
    for (const c of this.chunks) {
      for (let k = 0; k < c.length; k++) {
        const b = c[k]!
        value += (b & 0x7f) * factor
        length++
        if ((b & 0x80) === 0) {
          if (value > this.maxBodyBytes) {
            throw new WireError('FRAME_TOO_LARGE', `frame of ${value} bytes over the cap of ${this.maxBodyBytes}`)
          }
          this.skip(length)
          this.expected = value
          return true
        }
        factor *= 128
        if (length >= MAX_PREFIX_BYTES)
          throw new WireError('BAD_VARINT', `length prefix longer than ${MAX_PREFIX_BYTES} bytes`)
      }
    }
    return false
  }

  /** Drop the next `count` buffered bytes (a prefix). */
  private skip(count: number): void {
    this.buffered -= count
    while (count > 0) {
      const c = this.chunks[0]!
      if (c.length > count) {
        this.chunks[0] = c.subarray(count)
        return
      }
      count -= c.length
      this.chunks.shift()
    }
  }

  /** The next `count` buffered bytes: a view when one chunk holds them, else an aligned copy. */
  private take(count: number): Uint8Array {
    const first = this.chunks[0]
    if (first && first.length >= count) {
      const out = first.subarray(0, count)
      if (first.length === count) this.chunks.shift()
      else this.chunks[0] = first.subarray(count)
      this.buffered -= count
      return out
    }
    const out = this.alignedBody(count)
    let at = 0
    while (at < count) {
      const c = this.chunks[0]!
      const n = Math.min(c.length, count - at)
      out.set(c.subarray(0, n), at)
      at += n
      if (n === c.length) this.chunks.shift()
      else this.chunks[0] = c.subarray(n)
    }
    this.buffered -= count
    return out
  }

  /** Move every buffered byte (all of them belong to the body) into a new assembly buffer. */
  private startBody(): void {
    const body = this.alignedBody(this.expected)
    let at = 0
    for (const c of this.chunks) {
      body.set(c, at)
      at += c.length
    }
    this.chunks = []
    this.buffered = 0
    this.body = body
    this.filled = at
  }

  /** Copy what of `chunk` the body still lacks; returns how much of the chunk was used. */
  private fill(chunk: Uint8Array): number {
    const body = this.body!
    const n = Math.min(body.length - this.filled, chunk.length)
    body.set(n === chunk.length ? chunk : chunk.subarray(0, n), this.filled)
    this.filled += n
    return n
  }

  /**
   * A body of `count` bytes whose payload, after the u16 envelope length and the envelope that the first two
   * buffered bytes announce, starts at a multiple of 8 bytes of its own buffer.
   */
  private alignedBody(count: number): Uint8Array {
    const first = this.chunks[0]!
    const second = first.length > 1 ? first[1]! : this.chunks[1]![0]!
    const payloadAt = 2 + ((first[0]! << 8) | second)
    const pad = (8 - (payloadAt % 8)) % 8
    return new Uint8Array(assemblyBuffer(pad + count, this.pool), pad, count)
  }
}
