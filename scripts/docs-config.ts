/**
 * `npm run docs:config`: writes docs/configuration.md, the configuration reference, from the schema
 * (src/config/reference.ts). Run it after changing the schema or a field's meaning; `npm test` fails until then.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configurationReference } from '../src/config/reference.js'

// compiled to dist/scripts/: the repository root is two folders up
writeFileSync(join(import.meta.dirname, '..', '..', 'docs/configuration.md'), configurationReference())
