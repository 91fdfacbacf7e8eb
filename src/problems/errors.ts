import { MeshgdError } from '../util/errors.js'

/** A problem that cannot be built from its spec or data: one line naming the field or the file, line and column. */
export class ProblemError extends MeshgdError<
  | 'INVALID'
  | 'CSV_EMPTY'
  | 'CSV_RAGGED'
  | 'CSV_NOT_A_NUMBER'
  | 'CSV_TARGET'
  | 'CSV_TOO_FEW_ROWS'
  | 'CSV_LABEL'
  | 'MODULE_INVALID'
  | 'MODULE_THREW'
> {
  override readonly name = 'ProblemError'
  constructor(code: ProblemError['code'], message: string, field?: string) {
    super(code, message, { outcome: 'input', ...(field ? { field } : {}) })
  }
}
