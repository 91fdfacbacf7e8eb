/**
 * Questions about an experiment's compression that the runtimes ask, apart from the schema (schema.ts), so that the
 * peer's rooms and a browser peer's bundle do not load zod to ask them.
 */
import type { CompressionSpec } from './schema.js'

/** Whether the experiment sends compressed differences against public copies (CHOCO), not the vectors themselves. */
export function isDifferenceMode(compression: CompressionSpec): boolean {
  return 'mode' in compression && compression.mode === 'difference'
}
