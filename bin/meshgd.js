#!/usr/bin/env node
// The meshgd command. The TypeScript sources are compiled to dist/ by `npm run build` (run by `prepare`).
import { main } from '../dist/src/cli/main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    console.error(`meshgd: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  },
)
