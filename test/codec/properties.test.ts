/**
 * Property tests (fast-check, fixed seed, bounded runs) for everything that decodes untrusted bytes: whatever
 * arrives, the decoders either accept a well-formed message or throw the codec's own error, and never buffer
 * beyond their cap.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeBody,
  decodeVector,
  encodeF64,
  encodeFrame,
  encodeVector,
  FrameDecoder,
  WireError,
  type Envelope,
} from '../../src/codec/index.js'
import { parseRosterEntry, parseStatus } from '../../src/net/roster.js'
import { Rng } from '../../src/util/rng.js'

const limits = { swarm: 'p', dim: 4, maxPeers: 8, roundWindow: { own: 10, behind: 0, ahead: 2 } }
const settings = { seed: 20261122, numRuns: 400 }

function ownErrorsOnly(fn: () => unknown): boolean {
  try {
    fn()
    return true
  } catch (err) {
    return err instanceof WireError
  }
}

describe('frame decoder and envelope guard under fuzzing', () => {
  it('random byte streams, split anywhere, only ever yield bodies within the cap or throw WireError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder(100)
        return ownErrorsOnly(() => {
          for (const chunk of chunks) {
            for (const body of decoder.push(chunk)) {
              if (body.length > 100) throw new Error('body over the cap')
              decodeBody(body, limits)
            }
          }
        })
      }),
      settings,
    )
  })

  it('huge length prefixes are refused at once, whatever follows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 101, max: 2 ** 48 }), fc.uint8Array({ maxLength: 50 }), (length, rest) => {
        const prefix: number[] = []
        let v = length
        while (v >= 0x80) {
          prefix.push((v & 0x7f) | 0x80)
          v = Math.floor(v / 128)
        }
        prefix.push(v)
        const decoder = new FrameDecoder(100)
        try {
          const bodies = [...decoder.push(Uint8Array.from([...prefix, ...rest]))]
          return bodies.length < 0 // unreachable: the push must throw
        } catch (err) {
          return err instanceof WireError && err.code === 'FRAME_TOO_LARGE'
        }
      }),
      settings,
    )
  })

  it('a valid frame with one byte corrupted is rejected by a codec error or decodes to a guarded envelope', () => {
    const envelope = fc.record({
      swarm: fc.constant('p'),
      round: fc.integer({ min: 10, max: 12 }),
      from: fc.integer({ min: 0, max: 7 }),
      kind: fc.constantFrom('params', 'final'),
      codec: fc.constant('f64'),
      dim: fc.constant(4),
    }) as fc.Arbitrary<Envelope>
    fc.assert(
      fc.property(
        envelope,
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 4, maxLength: 4 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (env, values, at, flip) => {
          const frame = encodeFrame(env, encodeF64(Float64Array.from(values)))
          const body = frame.slice(frame.length - (frame.length - 1)) // drop the 1-byte prefix (bodies here are < 128 bytes)
          body[at % body.length]! ^= flip
          return ownErrorsOnly(() => {
            const { envelope: e, payload } = decodeBody(body, limits)
            expect(e.swarm).toBe('p')
            expect(e.dim).toBe(4)
            if (e.kind === 'params') decodeVector({ codec: 'f64' }, payload, 4)
          })
        },
      ),
      settings,
    )
  })

  it('round-trips arbitrary valid envelopes and vectors exactly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 12 }),
        fc.integer({ min: 0, max: 7 }),
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 4, maxLength: 4 }),
        (round, from, values) => {
          const v = Float64Array.from(values)
          const frame = encodeFrame({ swarm: 'p', round, from, kind: 'params', codec: 'f64', dim: 4 }, encodeF64(v))
          const [body] = [...new FrameDecoder(1000).push(frame)]
          const { envelope, payload } = decodeBody(body!, limits)
          const back = decodeVector({ codec: 'f64' }, payload, 4)
          return (
            envelope.round === round && envelope.from === from && Buffer.from(back.buffer).equals(Buffer.from(v.buffer))
          )
        },
      ),
      settings,
    )
  })

  it('quantized payloads of any length either decode or fail with a codec error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(2, 3, 8, 16), (bytes, bits) => {
        return (
          ownErrorsOnly(() => decodeVector({ codec: 'uniform', bits }, bytes, 17)) &&
          ownErrorsOnly(() => decodeVector({ codec: 'qsgd', levels: bits }, bytes, 17))
        )
      }),
      settings,
    )
    // and valid ones always decode
    const v = Float64Array.from({ length: 17 }, (_, k) => k - 8)
    expect(
      decodeVector(
        { codec: 'qsgd', levels: 3 },
        encodeVector({ codec: 'qsgd', levels: 3 }, v, Rng.derive(1, 0, 'q')),
        17,
      ),
    ).toHaveLength(17)
  })

  it('roster and status parsers accept nothing malformed and never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.jsonValue(), (bytes, json) => {
        const asJson = new TextEncoder().encode(JSON.stringify(json))
        for (const data of [bytes, asJson]) {
          const entry = parseRosterEntry(data, 'p', 8)
          if (entry && (entry.swarm !== 'p' || entry.index < 0 || entry.index >= 8)) return false
          const status = parseStatus(data, 8)
          if (status && (status.index < 0 || status.index >= 8)) return false
        }
        return true
      }),
      settings,
    )
  })
})
