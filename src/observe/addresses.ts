/**
 * Where `--dashboard` and `--metrics` serve, parsed from their option values. Kept apart from the servers so that
 * parsing a command's options does not load node:http (and with it undici: 40 ms of every command's start).
 */
import type { Server } from 'node:net'
import { MeshgdError } from '../util/errors.js'

export interface DashboardAddress {
  host: string
  port: number
}

/** The default port of `--dashboard` without a value. */
export const DASHBOARD_PORT = 8090

/** `--dashboard` (true: the default), `--dashboard 8090`, `--dashboard 0.0.0.0:8090`: where to serve. */
export function parseDashboardAddress(value: string | true): DashboardAddress {
  if (value === true) return { host: '127.0.0.1', port: DASHBOARD_PORT }
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value)
  const port = m ? Number(m[2]) : NaN
  if (!m || port > 65535)
    throw new RangeError(`--dashboard ${value}: expected a port (8090) or HOST:PORT (0.0.0.0:8090)`)
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port }
}

export interface MetricsAddress {
  host: string
  port: number
}

/** `--metrics 9464` (all interfaces) or `--metrics /ip4/127.0.0.1/tcp/9464` (or /ip6/...): where to serve. */
export function parseMetricsAddress(text: string): MetricsAddress {
  const port = (p: string): number => {
    const n = Number(p)
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`--metrics ${text}: port ${p} is not 0..65535`)
    return n
  }
  if (/^\d+$/.test(text)) return { host: '0.0.0.0', port: port(text) }
  const m = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d+)$/.exec(text)
  if (!m) throw new RangeError(`--metrics ${text}: expected a port (9464) or a multiaddr such as /ip4/0.0.0.0/tcp/9464`)
  return { host: m[2]!, port: port(m[3]!) }
}

/** A server's address cannot be had (in use, not this machine's, not allowed): bad input naming the flag, exit 2. */
export class AddressError extends MeshgdError<'ADDRESS_UNUSABLE'> {
  override readonly name = 'AddressError'
  constructor(message: string) {
    super('ADDRESS_UNUSABLE', message, { outcome: 'input' })
  }
}

/** Listen on `address`, or reject with one line naming `flag` (`--dashboard 127.0.0.1:8090: the port is in use`). */
export function listenOn(server: Server, address: { host: string; port: number }, flag: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        EADDRINUSE: 'the port is in use',
        EACCES: 'not allowed to listen there',
        EADDRNOTAVAIL: 'not an address of this machine',
      }
      const reason = err.code !== undefined ? why[err.code] : undefined
      reject(
        reason
          ? new AddressError(
              `${flag} ${address.host}:${address.port}: ${reason} (${err.code}); choose another (port 0 takes a free one)`,
            )
          : err,
      )
    })
    server.listen(address.port, address.host, () => resolve())
  })
}
