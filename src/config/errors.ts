import { MeshgdError } from '../util/errors.js'

/** A bad experiment file, `--set` override or input file: the CLI prints the one-line message and exits 2. */
export class ConfigError extends MeshgdError<'CONFIG_INVALID' | 'CONFIG_SYNTAX' | 'CONFIG_READ'> {
  override readonly name = 'ConfigError'
  constructor(code: ConfigError['code'], message: string, field?: string) {
    super(code, message, { outcome: 'input', ...(field ? { field } : {}) })
  }
}
