/**
 * The one error contract (pure), after lodestar's `LodestarError<{code}>`: every error meshgd throws on purpose is a
 * `MeshgdError` with a `code` that callers and tests branch on, and an `outcome` that says what it means to the
 * command line:
 *
 *   input        the user's input is wrong (a config field, a flag, a data file): one line, exit 2
 *   failure      the run failed (a peer, a swarm, the network lab): one line, exit 1
 *   interrupted  the user stopped it (Ctrl-C): exit 130
 *
 * An input error about an experiment field carries its dotted path in `field` (its message starts with it), so that
 * the command line can say which file and line the field came from without reading the message.
 */
export type Outcome = 'input' | 'failure' | 'interrupted'

export interface ErrorDetails {
  /** what the error means to the command line (default: failure) */
  outcome?: Outcome
  /** the experiment field an input error is about, e.g. `topology.degree`; the message is prefixed with it */
  field?: string
  cause?: unknown
}

/** An error as it crosses a worker thread (structured clone keeps no class); `code` null: not meshgd's own. */
export interface SerializedError {
  name: string
  code: string | null
  message: string
  outcome: Outcome
  field?: string
}

export class MeshgdError<Code extends string = string> extends Error {
  override readonly name: string = 'MeshgdError'
  readonly outcome: Outcome
  readonly field: string | undefined

  constructor(
    readonly code: Code,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(
      details.field ? `${details.field}: ${message}` : message,
      details.cause === undefined ? undefined : { cause: details.cause },
    )
    this.outcome = details.outcome ?? 'failure'
    this.field = details.field
  }
}

/** Anything thrown, for a worker thread's message to its parent. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof MeshgdError) {
    const { name, code, message, outcome, field } = err
    return field === undefined ? { name, code, message, outcome } : { name, code, message, outcome, field }
  }
  const e = err instanceof Error ? err : new Error(String(err))
  return { name: e.name, code: null, message: e.message, outcome: 'failure' }
}

/** The error a worker thread sent: a MeshgdError again (its message already holds the field), or a plain Error. */
export function reviveError(s: SerializedError): Error {
  if (s.code === null) return Object.assign(new Error(s.message), { name: s.name })
  const error = new MeshgdError(s.code, s.message, { outcome: s.outcome })
  Object.defineProperty(error, 'name', { value: s.name })
  Object.defineProperty(error, 'field', { value: s.field })
  return error
}

/** `err` with `prefix: ` before its message, meaning what it meant (a MeshgdError stays one, with its outcome). */
export function prefixed(err: unknown, prefix: string): Error {
  const s = serializeError(err)
  return reviveError({ ...s, message: `${prefix}: ${s.message}` })
}

/** Whether `err` is meshgd's own error about bad input (exit 2). */
export function isInputError(err: unknown): err is MeshgdError {
  return err instanceof MeshgdError && err.outcome === 'input'
}
