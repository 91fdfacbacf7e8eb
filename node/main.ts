/**
 * Entry point of one peer process (what a container or VM runs): `node dist/node/main.js EXPERIMENT --index I ...`
 * is `meshgd node EXPERIMENT --index I ...`. Parsing, the runtime and graceful shutdown on SIGINT/SIGTERM live in
 * src/cli and src/peer.
 */
import { main } from '../src/cli/main.js'

process.exitCode = await main(['node', ...process.argv.slice(2)])
