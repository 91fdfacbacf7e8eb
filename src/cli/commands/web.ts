/**
 * `meshgd web EXPERIMENT --bootstrap ADDR`: serve the page of a browser peer (docs/swarms.md "Peers in the
 * browser"). Opening `http://HOST:PORT/?index=I` joins the swarm as peer I and runs its rounds in the tab; the
 * server only hands out the page, the bundle and the experiment's data, and never sees a parameter.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Command } from 'commander'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../../config/errors.js'
import { staticAddrsOf } from '../../config/pins.js'
import { peerPage } from '../../dashboard/peer-page.js'
import { resolveExperiment } from '../../exchange/resolve.js'
import { hostOf, isWebSocketAddr } from '../../net/mesh-node.js'
import { listenOn, parseDashboardAddress } from '../../observe/addresses.js'
import { checkMultiaddrs, loadForCommand, repeatableOption, setOption } from '../options.js'
import { abortOnSignals, EXIT_OK, type Exit } from '../process.js'

export interface WebCommandOptions {
  bootstrap: string[]
  port: string
  peerHost: string[]
  set: string[]
}

export async function commandWeb(file: string, opts: WebCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  await checkMultiaddrs('--bootstrap', opts.bootstrap)
  const bootstrap = webSocketBootstrap(opts.bootstrap)
  resolveExperiment(loaded.experiment, loaded.baseDir) // every check of `meshgd sim` before a page is served
  const hosts = [
    ...new Set([
      ...bootstrap.map((a) => hostOf(multiaddr(a))),
      ...staticAddrsOf(loaded.experiment).map((a) => hostOf(multiaddr(a))),
      ...opts.peerHost,
    ]),
  ]
  const handle = await peerPage({ experiment: loaded.experiment, baseDir: loaded.baseDir, bootstrap, hosts })
  const server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  const address = parseDashboardAddress(opts.port)
  await listenOn(server, address, '--port')
  const { port } = server.address() as AddressInfo
  const shown = address.host === '0.0.0.0' ? '127.0.0.1' : address.host
  const browser = loaded.experiment.swarm.browser_peers
  const indices = browser.length > 0 ? browser : [0]
  for (const i of indices) console.log(`http://${shown}:${port}/?index=${i}`)
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))
  release()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return EXIT_OK
}

/** A tab reaches the bootstrap over WebSockets only: its `/ws` addresses, or one line saying what to give. */
function webSocketBootstrap(addrs: readonly string[]): string[] {
  const ws = addrs.filter(isWebSocketAddr)
  if (ws.length === 0)
    throw new ConfigError(
      'CONFIG_INVALID',
      `--bootstrap: a browser reaches the bootstrap over WebSockets; give its /ws address (start it with meshgd bootstrap --listen /ip4/0.0.0.0/tcp/4002/ws)${addrs.length > 0 ? `, not ${addrs.join(', ')}` : ''}`,
    )
  return ws
}

/** Adds `meshgd web` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerWebCommand(program: Command, exit: Exit): void {
  program
    .command('web')
    .description('serve the page of a browser peer: http://HOST:PORT/?index=I joins the swarm as peer I')
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .addOption(repeatableOption('--bootstrap <multiaddr>', "the bootstrap's WebSockets address (/ws)"))
    .option('--port <port>', 'port, or HOST:PORT, to serve the page on', '127.0.0.1:8091')
    .addOption(
      repeatableOption(
        '--peer-host <host>',
        "a host of the swarm's Node peers that tabs may reach over plain ws:// or at a private address",
        "the bootstrap's",
      ),
    )
    .addOption(setOption())
    .action(async (file: string, opts: WebCommandOptions) => {
      throw exit(await commandWeb(file, opts))
    })
}
