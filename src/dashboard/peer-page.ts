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
  /** where the page is served: `/` (`meshgd web`) or `/peer/` (beside the dashboard of `meshgd swarm`) */
  readonly prefix?: string
  /** take the outputs a finished tab posts (`meshgd swarm` writes them into its run directory) */
  readonly uploads?: Uploads
}

/** What a finished tab posts: its parameters (little-endian float64), its report and its records. */
export interface TabOutputs {
  readonly index: number
  readonly params: Uint8Array
  readonly info: Record<string, unknown>
  readonly records: string
}

export interface Uploads {
  /** the length of a parameter vector, and the indices tabs hold */
  readonly dim: number
  readonly indices: readonly number[]
  receive(outputs: TabOutputs): void
}

interface Served {
  readonly type: string
  readonly body: string | Buffer
}

/**
 * The page's files, built once: a request handler that answers the page's paths (and the outputs tabs post, where
 * `uploads` takes them) and returns false for others.
 */
export async function peerPage(init: PeerPageInit): Promise<(req: IncomingMessage, res: ServerResponse) => boolean> {
  const files: Record<string, string> = {}
  const served = new Map<string, Served>()
  // paths made absolute: what the page's sources are keyed by
  const experiment = portableExperiment(init.experiment, init.baseDir)
  const problem = experiment.problem
  if (problem.kind === 'csv') {
    files[problem.path] = `data/${basename(problem.path)}`
    served.set(`/${files[problem.path]}`, { type: 'text/plain; charset=utf-8', body: readFileSync(problem.path) })
  }
  const module = problem.kind === 'module' ? 'problem.js' : null
  if (problem.kind === 'module')
    served.set(`/${module}`, { type: 'text/javascript', body: await bundleModule(problem.path) })
  const upload = init.uploads ? 'outputs' : null
  const setup = { experiment, bootstrap: init.bootstrap, hosts: init.hosts, files, module, upload }
  served.set('/setup.json', { type: 'application/json', body: JSON.stringify(setup) })
  served.set('/', { type: 'text/html; charset=utf-8', body: readFileSync(join(packageRoot(), 'web/peer/index.html')) })
  served.set('/peer.js', { type: 'text/javascript', body: readFileSync(bundlePath()) })
  const prefix = init.prefix ?? '/'
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://page')
    if (!url.pathname.startsWith(prefix)) return false
    const path = `/${url.pathname.slice(prefix.length)}`
    if (req.method === 'POST' && path === '/outputs' && init.uploads) return receiveOutputs(req, res, init.uploads)
    const file = served.get(path === '/index.html' ? '/' : path)
    if (!file || req.method !== 'GET') return false
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(file.body)
    return true
  }
}

/** Read a tab's posted outputs (JSON, bounded), check them, and hand them on; 400 with one line when unsound. */
function receiveOutputs(req: IncomingMessage, res: ServerResponse, uploads: Uploads): true {
  const cap = 4 * uploads.dim * 8 + (64 << 20)
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size > cap) req.destroy()
    else chunks.push(chunk)
  })
  req.on('end', () => {
    const problem = outputsProblem(Buffer.concat(chunks).toString('utf8'), uploads)
    if (typeof problem === 'string') return void res.writeHead(400, { 'content-type': 'text/plain' }).end(problem)
    uploads.receive(problem)
    res.writeHead(204).end()
  })
  return true
}

/** The outputs, or what is wrong with them. */
function outputsProblem(text: string, uploads: Uploads): TabOutputs | string {
  let body: { index?: unknown; params?: unknown; info?: unknown; records?: unknown }
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    return 'outputs: not JSON\n'
  }
  const { index, params, info, records } = body
  if (typeof index !== 'number' || !uploads.indices.includes(index)) return 'outputs: not an index tabs hold\n'
  const bytes = typeof params === 'string' ? Buffer.from(params, 'base64') : Buffer.alloc(0)
  if (bytes.length !== uploads.dim * 8) return `outputs: params are not ${uploads.dim} float64 values\n`
  if (typeof info !== 'object' || info === null || typeof records !== 'string') return 'outputs: no info or records\n'
  return { index, params: new Uint8Array(bytes), info: info as Record<string, unknown>, records }
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
