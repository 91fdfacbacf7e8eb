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
import { noiseCrypto, TAG_BYTES } from '../src/net/noise-crypto.js'
import { NOISE_MAX_MESSAGE } from '../src/net/noise-tuning.js'

/** Noise's largest plaintext per message: its largest message less the tag (65,519 bytes). */
const MAX_PLAINTEXT = NOISE_MAX_MESSAGE - TAG_BYTES
const NO_AD = new Uint8Array(0)

/** The one key of every connection (see the header). */
const KEY = new Uint8Array(32).fill(7)

/** One direction's nonces: 4 zero bytes and the message counter, little-endian (Noise's ChaCha20-Poly1305). */
class Nonces {
  private count = 0n
  private readonly nonce = new Uint8Array(12)
  private readonly view = new DataView(this.nonce.buffer)

  /** The next message's nonce (the same buffer every time). */
  next(): Uint8Array {
    this.view.setBigUint64(4, this.count++, true)
    return this.nonce
  }
}

/** Seals frames for one socket. */
export class Sealer {
  private readonly nonces = new Nonces()

  /** The frame as Noise transport messages (an empty frame: one empty message), joined into one buffer. */
  seal(frame: Uint8Array): Uint8Array {
    const messages = Math.max(1, Math.ceil(frame.byteLength / MAX_PLAINTEXT))
    const out = new Uint8Array(frame.byteLength + messages * (2 + TAG_BYTES))
    let at = 0
    for (let m = 0; m < messages; m++) {
      const part = frame.subarray(m * MAX_PLAINTEXT, Math.min(frame.byteLength, (m + 1) * MAX_PLAINTEXT))
      const sealed = noiseCrypto.chaCha20Poly1305Encrypt(part, this.nonces.next(), NO_AD, KEY)
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
  private readonly nonces = new Nonces()
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
    const opened = noiseCrypto.chaCha20Poly1305Decrypt(message, this.nonces.next(), NO_AD, KEY)
    this.onPlaintext(opened instanceof Uint8Array ? opened : opened.subarray())
  }
}
