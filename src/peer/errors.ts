/** The ways a peer's run fails, each with a code callers and tests branch on. */
export class PeerError extends Error {
  override readonly name = 'PeerError'
  constructor(
    readonly code: 'STARTUP_TIMEOUT' | 'NEIGHBOUR_TIMEOUT' | 'DIVERGED' | 'INDEX_TAKEN' | 'PIN_MISMATCH' | 'ISOLATED' | 'CHECKPOINT',
    message: string,
  ) {
    super(message)
  }
}
