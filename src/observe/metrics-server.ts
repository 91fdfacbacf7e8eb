/**
 * The `/metrics` endpoint of `meshgd node` and `meshgd bootstrap` (`--metrics`): a prom-client registry served in
 * the Prometheus text format over plain HTTP. What it holds is decided by the caller; metrics are computed when
 * scraped, so an endpoint nobody reads costs nothing per round. `node:http` is loaded only here, when an endpoint is
 * asked for: in Node 24 it brings undici, about 7 MB of a peer's memory that a peer without `--metrics` never uses.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { listenOn, type MetricsAddress } from './addresses.js'

export { parseMetricsAddress, type MetricsAddress } from './addresses.js'

export interface MetricsEndpoint {
  /** http://host:port/metrics as bound (the port the system chose when 0 was asked) */
  readonly url: string
  close(): Promise<void>
}

/** Serve `registry` at /metrics on `address`; resolves once listening. */
export async function serveMetrics(registry: Registry, address: MetricsAddress): Promise<MetricsEndpoint> {
  const { createServer } = await import('node:http')
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('meshgd serves /metrics only\n')
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    )
  })
  await listenOn(server, address, '--metrics')
  const bound = server.address() as AddressInfo
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address
  return {
    url: `http://${host}:${bound.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
