/**
 * The Node peer's bundle (`npm run build` runs this after tsc): `meshgd node` (src/cli/node-main.ts) and everything
 * it imports, one minified ES module at dist/meshgd-node.mjs, which bin/meshgd.js runs for `meshgd node`. A peer
 * process then holds one file's code instead of some 600 modules' (their source text, module records and package
 * lookups): about 18 MB less resident memory per peer (BENCHMARKS.md, "Memory over a long run").
 *
 * Kept outside the bundle, loaded from node_modules as before:
 * - `xsalsa20`, the swarm key's cipher: src/net/pnet-chunks.ts patches the copy `@libp2p/pnet` loads, which must be
 *   the copy the bundled pnet uses;
 * - optional native add-ons, loaded when installed (`msgpackr-extract` of msgpackr, `bufferutil` and
 *   `utf-8-validate` of ws), and packages with native parts the peer does not load (`node-datachannel`, esbuild).
 */
import { build } from 'esbuild'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { oneCopyPerVersion, root } from './build-web.js'

const EXTERNAL = ['xsalsa20', 'msgpackr-extract', 'bufferutil', 'utf-8-validate', 'node-datachannel', 'esbuild']

/** CommonJS packages in the bundle still call require() for Node's own modules: give them one. */
const REQUIRE_SHIM =
  "import { createRequire as __meshgdRequire } from 'node:module'; const require = __meshgdRequire(import.meta.url);"

/** What the build made: the bundle's size, and what it still imports at run time (Node's modules and EXTERNAL). */
export interface NodeBundle {
  readonly bytes: number
  readonly imports: readonly string[]
}

export async function buildNodePeer(outfile = join(root, 'dist', 'meshgd-node.mjs')): Promise<NodeBundle> {
  const result = await build({
    entryPoints: [join(root, 'src', 'cli', 'node-main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    outfile,
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    metafile: true,
    logLevel: 'warning',
    plugins: [oneCopyPerVersion],
  })
  const output = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.mjs'))![1]
  return { bytes: output.bytes, imports: [...new Set(output.imports.map((i) => i.path))].sort() }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { bytes } = await buildNodePeer()
  process.stdout.write(`meshgd: Node peer bundle dist/meshgd-node.mjs (${(bytes / 1024).toFixed(0)} KiB)\n`)
}
