/**
 * The browser peer's bundle (`npm run build` runs this after tsc): src/peer-web/main.ts and everything it imports,
 * one minified ES module for browsers, at dist/web/peer.js, which `meshgd web` serves beside web/peer/index.html.
 * esbuild's browser platform takes each package's browser build (package.json "browser" fields), so no Node module
 * reaches the bundle: one that did would fail this build.
 */
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root, found from this file (scripts/ in the sources, dist/scripts/ once compiled). */
const root = join(dirname(fileURLToPath(import.meta.url)), import.meta.url.includes('/dist/') ? '../..' : '..')

export async function buildWebPeer(outfile = join(root, 'dist', 'web', 'peer.js')): Promise<number> {
  const result = await build({
    entryPoints: [join(root, 'src', 'peer-web', 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile,
    metafile: true,
    logLevel: 'warning',
  })
  return result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('.js'))!]!.bytes
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await buildWebPeer()
  process.stdout.write(`meshgd: browser peer bundle dist/web/peer.js (${(bytes / 1024).toFixed(0)} KiB)\n`)
}
