/**
 * `meshgd node` alone: the entry of the Node peer's bundle (dist/meshgd-node.mjs, built by scripts/build-node.ts),
 * which bin/meshgd.js runs for `meshgd node`. One minified file in place of the hundreds of modules the peer loads
 * keeps about 18 MB less in each peer process (BENCHMARKS.md, "Memory over a long run"); the command, its options
 * and its exit statuses are the CLI's own (commands/node.ts, program.ts).
 */
import { registerNodeCommand } from './commands/node.js'
import { runCommands } from './program.js'

/** Run `meshgd node ...` (argv starts with `node`); resolves to the exit status. */
export function nodeMain(argv: readonly string[]): Promise<number> {
  return runCommands(argv, [['node', () => Promise.resolve(registerNodeCommand)]])
}
