/** Entry point of the discovery-only bootstrap process: `meshgd bootstrap [--listen MA] [--key FILE]`. */
import { main } from '../src/cli/main.js'

process.exitCode = await main(['bootstrap', ...process.argv.slice(2)])
