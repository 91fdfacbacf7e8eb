import { MeshgdError } from '../util/errors.js'

/** The ways a peer's run fails, each with a code callers and tests branch on. */
export class PeerError extends MeshgdError<
  'STARTUP_TIMEOUT' | 'NEIGHBOUR_TIMEOUT' | 'DIVERGED' | 'INDEX_TAKEN' | 'PIN_MISMATCH' | 'ISOLATED' | 'CHECKPOINT'
> {
  override readonly name = 'PeerError'
  constructor(code: PeerError['code'], message: string) {
    // a second process with a live peer's index is the operator's input, not a failed run
    super(code, message, { outcome: code === 'INDEX_TAKEN' ? 'input' : 'failure' })
  }
}
