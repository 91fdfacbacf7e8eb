import { MeshgdError } from '../util/errors.js'

/** The network lab cannot run: a bad `network:` section or a too large swarm is input; the rest a failure. */
export class LabError extends MeshgdError<
  'NOT_ROOT' | 'MISSING_TOOL' | 'TOO_MANY_PEERS' | 'BAD_NETWORK' | 'EMULATOR_FAILED'
> {
  override readonly name = 'LabError'
  constructor(code: LabError['code'], message: string) {
    super(code, message, { outcome: code === 'BAD_NETWORK' ? 'input' : 'failure' })
  }
}
