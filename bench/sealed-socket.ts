/**
 * The cipher of a meshgd connection and nothing else of libp2p, for the bare baseline's `--sealed` runs
 * (bench/baseline-peer.ts): what any encrypted transport costs at the least, so that `npm run bench swarm` can split
 * meshgd's distance from the yardstick into the cipher's share and the libp2p stack's.
 *
 * Each frame is cut, as Noise cuts a stream, into messages of at most 65,519 bytes, sealed with ChaCha20-Poly1305
 * through the very functions a meshgd peer's Noise uses (src/net/noise-crypto.ts: a key object per session, a
 * 12-byte nonce counting messages) and written as Noise's transport messages are: a 2-byte big-endian length, the
 * ciphertext and its 16-byte tag, one socket write per frame. No handshake and one fixed key: this is a clock, not a
 * protocol; what it measures is the cipher's work per byte and per message, which a real key would not change.
 */
import { noiseCrypto } from '../src/net/noise-crypto.js'

/** Noise's largest plaintext per message: 65,535 bytes less the tag. */
const MAX_PLAINTEXT = 65_519
const TAG_BYTES = 16
const NO_AD = new Uint8Array(0)

/** The one key of every connection (see the header). */
const KEY = new Uint8Array(32).fill(7)

/** The 12-byte nonce of message `n`: 4 zero bytes and the counter, little-endian (Noise's ChaCha20-Poly1305). */
function nonceOf(n: number, into: Uint8Array): Uint8Array {
  new DataView(into.buffer, into.byteOffset, 12).setBigUint64(4, BigInt(n), true)
  return into
}

/** Seals frames for one socket. */
export class Sealer {
  private sent = 0
  private readonly nonce = new Uint8Array(12)

  /** The frame as Noise transport messages, joined into one buffer. */
  seal(frame: Uint8Array): Uint8Array {
    const messages = Math.max(1, Math.ceil(frame.byteLength / MAX_PLAINTEXT))
    const out = new Uint8Array(frame.byteLength + messages * (2 + TAG_BYTES))
    let at = 0
    for (let from = 0; from < frame.byteLength || at === 0; from += MAX_PLAINTEXT) {
      const part = frame.subarray(from, Math.min(frame.byteLength, from + MAX_PLAINTEXT))
      const sealed = noiseCrypto.chaCha20Poly1305Encrypt(part, nonceOf(this.sent++, this.nonce), NO_AD, KEY)
      out[at] = sealed.byteLength >> 8
      out[at + 1] = sealed.byteLength & 0xff
      at += 2
      for (const piece of sealed instanceof Uint8Array ? [sealed] : sealed) {
        out.set(piece, at)
        at += piece.byteLength
      }
    }
    return out
  }
}

/** Opens what one socket receives and hands each message's plaintext on, in order. */
export class Opener {
  private received = 0
  private readonly nonce = new Uint8Array(12)
  /** a message not yet whole, its 2-byte length included */
  private readonly pending = new Uint8Array(2 + MAX_PLAINTEXT + TAG_BYTES)
  private pendingBytes = 0

  constructor(private readonly onPlaintext: (plaintext: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.byteLength) {
      if (this.pendingBytes < 2) {
        this.pending[this.pendingBytes++] = chunk[at++]!
        continue
      }
      const whole = 2 + ((this.pending[0]! << 8) | this.pending[1]!)
      const take = Math.min(whole - this.pendingBytes, chunk.byteLength - at)
      if (this.pendingBytes === 2 && take === whole - 2) {
        this.open(chunk.subarray(at, at + take)) // the whole message is in this chunk: no copy
      } else {
        this.pending.set(chunk.subarray(at, at + take), this.pendingBytes)
        this.pendingBytes += take
        if (this.pendingBytes < whole) return
        this.open(this.pending.subarray(2, whole))
      }
      at += take
      this.pendingBytes = 0
    }
  }

  private open(message: Uint8Array): void {
    const nonce = nonceOf(this.received++, this.nonce)
    const opened = noiseCrypto.chaCha20Poly1305Decrypt(message, nonce, NO_AD, KEY)
    this.onPlaintext(opened instanceof Uint8Array ? opened : opened.subarray())
  }
}
