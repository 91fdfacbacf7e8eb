/**
 * The browser tabs of a local swarm (`swarm.browser_peers`, docs/swarms.md "Peers in the browser"): `meshgd swarm`
 * starts no process for their indices. It serves their page beside its dashboard (`/peer/?index=I`), and writes the
 * outputs a finished tab posts (its parameters, report and records) into the run directory, where a peer process
 * would have written them, so that the summary gathers every peer alike.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../config/errors.js'
import type { ExperimentInput } from '../config/schema.js'
import type { ExtraRoutes } from '../dashboard/dashboard-server.js'
import { peerPage, type TabOutputs } from '../dashboard/peer-page.js'
import { writeFileAtomic } from '../observe/run-dir.js'

export class BrowserTabs {
  private routesNow: ExtraRoutes | null = null
  private readonly waiting = new Map<number, () => void>()
  private readonly done: Promise<void>

  constructor(
    readonly indices: readonly number[],
    private readonly out: string,
    private readonly dim: number,
  ) {
    this.done = Promise.all(indices.map((i) => new Promise<void>((r) => this.waiting.set(i, r)))).then(() => undefined)
  }

  /** Refuse what cannot hold tabs: no dashboard to serve their page, or the network lab. */
  static check(indices: readonly number[], dashboard: boolean, netns: boolean): void {
    if (indices.length === 0) return
    if (netns)
      throw new ConfigError(
        'CONFIG_INVALID',
        'browser tabs cannot join the network lab (--netns)',
        'swarm.browser_peers',
      )
    if (!dashboard)
      throw new ConfigError(
        'CONFIG_INVALID',
        `${indices.length === 1 ? 'peer' : 'peers'} ${indices.join(', ')} ${indices.length === 1 ? 'is a browser tab' : 'are browser tabs'}: meshgd swarm serves their page beside its dashboard; add --dashboard (or start the Node peers yourself and serve the page with meshgd web)`,
        'swarm.browser_peers',
      )
  }

  /** The dashboard's extra paths: the page, once `open` has built it. */
  readonly routes: ExtraRoutes = (req, res) => this.routesNow?.(req, res) ?? false

  /** Build the page for the bootstrap's WebSockets address; returns each tab's address under the dashboard's. */
  async open(
    experiment: ExperimentInput,
    baseDir: string,
    bootstrapWs: string,
    dashboardUrl: string,
  ): Promise<string[]> {
    this.routesNow = await peerPage({
      experiment,
      baseDir,
      bootstrap: [bootstrapWs],
      hosts: ['127.0.0.1'],
      prefix: '/peer/',
      uploads: { dim: this.dim, indices: this.indices, receive: (o) => this.receive(o) },
    })
    return this.indices.map((i) => `${dashboardUrl}peer/?index=${i}`)
  }

  /** Resolves once every tab has posted its outputs. */
  finished(): Promise<void> {
    return this.done
  }

  private receive(outputs: TabOutputs): void {
    const { index } = outputs
    const peerDir = join(this.out, 'peers', String(index))
    mkdirSync(peerDir, { recursive: true })
    mkdirSync(join(this.out, 'params'), { recursive: true })
    writeFileAtomic(join(this.out, 'params', `${index}.f64`), outputs.params)
    writeFileAtomic(join(peerDir, 'info.json'), JSON.stringify(outputs.info, null, 2) + '\n')
    writeFileAtomic(join(peerDir, 'metrics.jsonl'), outputs.records)
    this.waiting.get(index)?.()
  }
}
