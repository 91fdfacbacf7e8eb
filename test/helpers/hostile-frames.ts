/**
 * Malformed and hostile params frames, one of each kind the guards of every peer refuse, for a neighbour to send over
 * its real, authenticated stream (`PeerOptions.inject`): the tests of the Node peer and of the browser peer use the
 * same list, and expect the same counts by reason.
 */
import { encodeF64, encodeFrame } from '../../src/codec/index.js'

/** What a victim counts after `rounds` rounds of `hostileFrames`: one of each kind every fifth round. */
export function hostileRejects(rounds: number): Record<string, number> {
  const n = Math.ceil(rounds / 5)
  return { NON_FINITE: n, WRONG_LENGTH: n, WRONG_SWARM: n, ROUND_OUT_OF_WINDOW: n, 'forged from': n }
}

/** Every fifth round, five bad frames from peer `from` of swarm `swarm` (vectors of `dim`); none in other rounds. */
export function hostileFrames(swarm: string, from: number, dim: number): (round: number) => Uint8Array[] {
  const env = { swarm, from, kind: 'params', codec: 'f64', dim } as const
  const vector = (): Uint8Array => encodeF64(new Float64Array(dim))
  return (t) =>
    t % 5 === 0
      ? [
          encodeFrame({ ...env, round: t }, encodeF64(new Float64Array(dim).fill(Infinity))), // non-finite
          encodeFrame({ ...env, round: t }, new Uint8Array(8 * dim + 1)), // wrong length
          encodeFrame({ ...env, round: t, swarm: 'other' }, vector()), // foreign swarm
          encodeFrame({ ...env, round: t + 100 }, vector()), // far outside the window
          encodeFrame({ ...env, round: t, from: from + 2 }, vector()), // forged sender
        ]
      : []
}
