/**
 * The peer's platform in a Node process (`meshgd node`; src/peer/platform.ts): the experiment resolved against its
 * file's folder, a libp2p node over TCP (src/net/node.ts), Node's SHA-256, the run directory's files
 * (peer-files.ts), and with `--metrics` a Prometheus endpoint beside the rooms (metrics.ts).
 */
import { createHash } from 'node:crypto'
import { Registry } from 'prom-client'
import { resolveExperiment } from '../exchange/resolve.js'
import { createMeshNode } from '../net/node.js'
import type { PeerPlatform } from '../peer/platform.js'
import { MetricsRoom, type MetricsAddress } from './metrics.js'
import { PeerFiles } from './peer-files.js'

export interface NodePlatformOptions {
  /** the folder relative paths of the experiment (problem.path) are read from */
  readonly baseDir: string
  /** the run directory: writes peers/<i>/ and params/<i>.f64 */
  readonly out: string
  readonly index: number
  /** serve Prometheus metrics here (`--metrics`) */
  readonly metrics?: MetricsAddress
}

export function nodePlatform(opts: NodePlatformOptions): PeerPlatform {
  const registry = opts.metrics ? new Registry() : undefined
  const metrics = opts.metrics
  return {
    resolve: (input, index) => resolveExperiment(input, opts.baseDir, index),
    createNode: (init) => createMeshNode({ ...init, ...(registry ? { metricsRegistry: registry } : {}) }),
    sha256: (bytes) => createHash('sha256').update(bytes).digest(),
    store: new PeerFiles(opts.out, opts.index),
    ...(registry && metrics ? { extraRooms: (rooms) => [new MetricsRoom(registry, metrics, rooms)] } : {}),
  }
}
