/**
 * `meshgd bootstrap`: a discovery-only libp2p node. It prints each multiaddr it listens on, one per line, relays
 * the control topics (roster, status) of every swarm that shows up, never sees parameters, and runs until the
 * first SIGINT/SIGTERM (exit 0), keeping the heartbeat file of `meshgd health` fresh meanwhile.
 */
import type { Command } from 'commander'
import { checkMultiaddrs, metricsAddressOf, repeatableOption } from '../options.js'
import { abortOnSignals, EXIT_OK, heartbeat, type Exit } from '../process.js'
import { serveMetrics } from '../../observe/metrics-server.js'

export interface BootstrapCommandOptions {
  listen: string[]
  announce: string[]
  key?: string
  swarmKey?: string
  metrics?: string
}

export async function commandBootstrap(opts: BootstrapCommandOptions): Promise<number> {
  await checkMultiaddrs('--listen', opts.listen)
  await checkMultiaddrs('--announce', opts.announce)
  const metrics = opts.metrics === undefined ? undefined : metricsAddressOf(opts.metrics)
  const registry = metrics ? new (await import('prom-client')).Registry() : undefined
  const { createMeshNode } = await import('../../net/node.js')
  const { loadOrCreateKeyFile, readSwarmKey } = await import('../../net/identity.js')
  const { generateKeyPair } = await import('@libp2p/crypto/keys')
  const node = await createMeshNode({
    privateKey: opts.key ? await loadOrCreateKeyFile(opts.key) : await generateKeyPair('Ed25519'),
    listen: opts.listen.length > 0 ? opts.listen : ['/ip4/0.0.0.0/tcp/0'],
    announce: opts.announce,
    swarmKey: opts.swarmKey ? readSwarmKey(opts.swarmKey) : null,
    maxConnections: 1024,
    hub: true,
    ...(registry ? { metricsRegistry: registry } : {}),
  })
  await node.start()
  // libp2p's own metrics (connections, streams, bytes per protocol), for a Prometheus that scrapes the bootstrap
  const endpoint = registry && metrics ? await serveMetrics(registry, metrics) : undefined
  // Relay the control topics of every swarm that shows up, so peers that only know the bootstrap still hear each
  // other. Parameters never travel here.
  const pubsub = node.services.pubsub
  pubsub.addEventListener('subscription-change', (evt) => {
    for (const sub of evt.detail.subscriptions) {
      if (
        sub.subscribe &&
        /^meshgd\/[A-Za-z0-9._-]{1,64}\/(roster|status)$/.test(sub.topic) &&
        !pubsub.getTopics().includes(sub.topic)
      ) {
        pubsub.subscribe(sub.topic)
      }
    }
  })
  for (const addr of node.getMultiaddrs()) console.log(addr.toString())
  if (endpoint) console.error(`bootstrap: metrics at ${endpoint.url}`)
  const controller = new AbortController()
  const release = abortOnSignals(controller)
  const stopBeat = heartbeat('bootstrap')
  await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))
  stopBeat()
  release()
  await endpoint?.close()
  await node.stop()
  return EXIT_OK
}

/** Adds `meshgd bootstrap` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerBootstrapCommand(program: Command, exit: Exit): void {
  program
    .command('bootstrap')
    .description(
      'a discovery-only libp2p node; prints each multiaddr it listens on, one per line (it never sees parameters)',
    )
    .addOption(repeatableOption('--listen <multiaddr>', 'address to listen on', '/ip4/0.0.0.0/tcp/0'))
    .addOption(repeatableOption('--announce <multiaddr>', 'address to tell the others', 'the listening addresses'))
    .option('--key <file>', 'persistent identity key file (created when absent)')
    .option('--swarm-key <file>', 'libp2p private-network key')
    .option(
      '--metrics <addr>',
      "serve Prometheus metrics (libp2p's own) at /metrics on this port or multiaddr; off by default",
    )
    .action(async (opts: BootstrapCommandOptions) => {
      throw exit(await commandBootstrap(opts))
    })
}
