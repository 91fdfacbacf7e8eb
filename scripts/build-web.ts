/**
 * The browser peer's bundle (`npm run build` runs this after tsc): src/peer-web/main.ts and everything it imports,
 * one minified ES module for browsers, at dist/web/peer.js, which `meshgd web` serves beside web/peer/index.html.
 * esbuild's browser platform takes each package's browser build (package.json "browser" fields), so no Node module
 * reaches the bundle: one that did would fail this build.
 */
import { existsSync, readFileSync } from 'node:fs'
import { build, type Plugin } from 'esbuild'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root, found from this file (scripts/ in the sources, dist/scripts/ once compiled). */
const root = join(dirname(fileURLToPath(import.meta.url)), import.meta.url.includes('/dist/') ? '../..' : '..')

/** The package a resolved file belongs to: its folder and `name@version` (null outside one). */
function packageOf(
  file: string,
  cache: Map<string, { dir: string; id: string } | null>,
): { dir: string; id: string } | null {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (cache.has(dir)) return cache.get(dir)!
    const manifest = join(dir, 'package.json')
    if (!existsSync(manifest)) continue
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string }
    if (!name || !version) continue // a folder's own {"type": "module"}, not a package
    const found = { dir, id: `${name}@${version}` }
    cache.set(dir, found)
    return found
  }
  return null
}

const AGAIN = Symbol('resolving again')

/**
 * npm nests a copy of a package wherever an older major of it holds the top level (two dozen copies of
 * `uint8arrays` 6.1.1, several of `protons-runtime` 7.1.2): each copy of the same name and version resolves to the
 * first one, so the bundle holds it once.
 */
const oneCopyPerVersion: Plugin = {
  name: 'one-copy-per-version',
  setup(b) {
    const cache = new Map<string, { dir: string; id: string } | null>()
    const first = new Map<string, string>()
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === AGAIN) return undefined
      const { path, errors, namespace } = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: AGAIN,
      })
      const pkg = errors.length === 0 && namespace === 'file' && path ? packageOf(path, cache) : null
      if (!pkg) return undefined
      if (!first.has(pkg.id)) first.set(pkg.id, pkg.dir)
      return { path: join(first.get(pkg.id)!, relative(pkg.dir, path)) }
    })
  },
}

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
    plugins: [oneCopyPerVersion],
  })
  return result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('.js'))!]!.bytes
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await buildWebPeer()
  process.stdout.write(`meshgd: browser peer bundle dist/web/peer.js (${(bytes / 1024).toFixed(0)} KiB)\n`)
}
