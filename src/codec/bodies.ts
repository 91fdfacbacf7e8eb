/**
 * The buffers that received frame bodies are assembled in (pure): FrameDecoder (frame-decoder.ts) copies a body that
 * spans several chunks into one of these, placed so that a float64 payload starts 8-byte aligned, and decodeFloats
 * (wire.ts) reads such a payload in place instead of copying it. A frame of d = 100,000 is copied once on its way in.
 *
 * A `BodyPool` keeps a few spare buffers for the next bodies, so that a peer receiving the same large frame every
 * round does not allocate (and later collect) a new megabyte each time; a `VectorPool` does the same for the
 * vectors that quantized payloads are decoded into. Whoever holds a received vector gives it back when nothing
 * refers to it any more (src/peer/neighbours.ts, when a vector leaves the book).
 */

/** Buffers made here: their bodies are the only holders of their bytes. */
const assembled = new WeakSet<ArrayBufferLike>()

/** Whether `buffer` holds a body that FrameDecoder assembled (and no other bytes). */
export function isAssembled(buffer: ArrayBufferLike): boolean {
  return assembled.has(buffer)
}

/** Capacity classes: a body's size moves by a byte or two with the envelope (the round number); its class does not. */
const CLASS_BYTES = 256

function capacityFor(bytes: number): number {
  return Math.ceil(bytes / CLASS_BYTES) * CLASS_BYTES
}

/** A new assembly buffer of at least `bytes`, from `pool` when it has a spare one. */
export function assemblyBuffer(bytes: number, pool?: BodyPool): ArrayBuffer {
  const spare = pool?.take(bytes)
  if (spare) return spare
  const buffer = new ArrayBuffer(capacityFor(bytes))
  assembled.add(buffer)
  return buffer
}

/** At most `keep` spare assembly buffers per capacity class. */
export class BodyPool {
  private readonly spares = new Map<number, ArrayBuffer[]>()
  private readonly idle = new WeakSet<ArrayBuffer>()

  constructor(readonly keep = 4) {}

  /** A spare buffer that holds `bytes`, or undefined. */
  take(bytes: number): ArrayBuffer | undefined {
    const buffer = this.spares.get(capacityFor(bytes))?.pop()
    if (buffer) this.idle.delete(buffer)
    return buffer
  }

  /**
   * Give back the buffer under `view` once nothing reads it any more. Buffers that FrameDecoder did not assemble
   * (a body read in place from its chunk, a decoded copy) and buffers already given back are ignored.
   */
  give(view: ArrayBufferView): void {
    const buffer = view.buffer
    if (!(buffer instanceof ArrayBuffer) || !assembled.has(buffer) || this.idle.has(buffer)) return
    let spares = this.spares.get(buffer.byteLength)
    if (!spares) this.spares.set(buffer.byteLength, (spares = []))
    if (spares.length >= this.keep) return
    spares.push(buffer)
    this.idle.add(buffer)
  }

  /** Spare buffers held now, for tests and the memory bench. */
  get spareCount(): number {
    let count = 0
    for (const spares of this.spares.values()) count += spares.length
    return count
  }
}

/** At most `keep` spare vectors of dimension `dim`, for decoded payloads; it takes back only vectors it made. */
export class VectorPool {
  private readonly made = new WeakSet<Float64Array>()
  private readonly spares: Float64Array[] = []

  constructor(
    readonly dim: number,
    readonly keep = 4,
  ) {}

  /** A vector of `dim` entries (a spare one's old values are still in it). */
  take(): Float64Array {
    const spare = this.spares.pop()
    if (spare) return spare
    const v = new Float64Array(this.dim)
    this.made.add(v)
    return v
  }

  /** Give back a vector nothing reads any more; vectors this pool did not make, or already holds, are ignored. */
  give(v: Float64Array): void {
    if (!this.made.has(v) || this.spares.length >= this.keep || this.spares.includes(v)) return
    this.spares.push(v)
  }

  get spareCount(): number {
    return this.spares.length
  }
}
