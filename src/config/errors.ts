/** A bad experiment file, `--set` override or input file: the CLI prints the one-line message and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code: 'CONFIG_INVALID' | 'CONFIG_SYNTAX' | 'CONFIG_READ' | 'INPUT_INVALID'
  constructor(message: string, code: ConfigError['code'] = 'CONFIG_INVALID') {
    super(message)
    this.code = code
  }
}
