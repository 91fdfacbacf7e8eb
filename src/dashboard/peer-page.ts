/**
 * The page of a browser peer (`meshgd web`, and `meshgd swarm --dashboard` for an index no process holds;
 * docs/swarms.md "Peers in the browser"), served from the package: web/peer/index.html, the bundle `npm run build`
 * makes (dist/web/peer.js, src/peer-web), and what the page fetches to run the experiment: `setup.json` (the
 * experiment, the bootstrap's WebSockets address, the hosts a tab may reach), a CSV problem's text, and a problem
 * module bundled for the browser with esbuild (its own imports of packages included).
 */
import { existsSync, readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigError } from '../config/errors.js'
import { portableExperiment } from '../config/portable.js'
import type { ExperimentInput } from '../config/schema.js'

export interface PeerPageInit {
  /** the experiment as loaded, and the folder its relative paths are read from */
  readonly experiment: ExperimentInput
  readonly baseDir: string
  /** the bootstrap's WebSockets addresses (`/ws`) */
  readonly bootstrap: readonly string[]
  /** hosts a tab may reach over plain WebSockets or at private addresses (the bootstrap's, the Node peers') */
  readonly hosts: readonly string[]
}

interface Served {
  readonly type: string
  readonly body: string | Buffer
}

/** The page's files, built once: a request handler that answers the page's paths and returns false for others. */
export async function peerPage(init: PeerPageInit): Promise<(req: IncomingMessage, res: ServerResponse) => boolean> {
  const files: Record<string, string> = {}
  const served = new Map<string, Served>()
  let module: string | null = null
  // paths made absolute: what the page's sources are keyed by
  const experiment = portableExperiment(init.experiment, init.baseDir)
  const problem = experiment.problem
  if (problem.kind === 'csv') {
    files[problem.path] = `data/${basename(problem.path)}`
    served.set(`/${files[problem.path]}`, { type: 'text/plain; charset=utf-8', body: readFileSync(problem.path) })
  }
  if (problem.kind === 'module') {
    module = 'problem.js'
    served.set('/problem.js', { type: 'text/javascript', body: await bundleModule(problem.path) })
  }
  const setup = { experiment, bootstrap: init.bootstrap, hosts: init.hosts, files, module }
  served.set('/setup.json', { type: 'application/json', body: JSON.stringify(setup) })
  served.set('/', { type: 'text/html; charset=utf-8', body: readFileSync(join(packageRoot(), 'web/peer/index.html')) })
  served.set('/peer.js', { type: 'text/javascript', body: readFileSync(bundlePath()) })
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname
    const file = served.get(path === '/index.html' ? '/' : path)
    if (!file || req.method !== 'GET') return false
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body)
    return true
  }
}

/** A problem module and what it imports, as one ES module for browsers. */
async function bundleModule(path: string): Promise<string> {
  const { build } = await import('esbuild')
  try {
    const out = await build({
      entryPoints: [path],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    })
    return out.outputFiles[0]!.text
  } catch (err) {
    const first = (err as { errors?: Array<{ text: string }> }).errors?.[0]?.text ?? (err as Error).message
    throw new ConfigError('CONFIG_INVALID', `problem module ${path}: cannot run in a browser: ${first}`, 'problem.path')
  }
}

/** The package's root, found upwards from this file (dist/src/dashboard or src/dashboard). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let up = 0; up < 5; up++, dir = dirname(dir)) if (existsSync(join(dir, 'web', 'peer', 'index.html'))) return dir
  throw new Error('meshgd: the browser peer page (web/peer/index.html) is missing from this installation')
}

function bundlePath(): string {
  const path = join(packageRoot(), 'dist', 'web', 'peer.js')
  if (!existsSync(path))
    throw new Error(`meshgd: the browser peer bundle ${path} is missing; build it with npm run build`)
  return path
}
