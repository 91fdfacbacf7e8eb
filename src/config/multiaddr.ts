/**
 * A multiaddr in an experiment file (`peers:`): its shape, and an address and port in range, in one line naming
 * what is wrong (`999.0.0.1 is not an IPv4 address`).
 */
import { isIPv4, isIPv6 } from '@chainsafe/is-ip'
import { z } from 'zod'

/** What is wrong with a multiaddr's address or port (an IPv4 address out of range, a port above 65535), or null. */
export function multiaddrProblem(text: string): string | null {
  const [, protocol, host, transport, port] =
    /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]*)(?:\/(tcp|udp)\/([^/]*))?/.exec(text) ?? []
  if (protocol === 'ip4' && !isIPv4(host ?? '')) return `${host} is not an IPv4 address (four numbers 0..255)`
  if (protocol === 'ip6' && !isIPv6(host ?? '')) return `${host} is not an IPv6 address`
  if (!host) return 'no host'
  if (transport && !(/^\d{1,5}$/.test(port ?? '') && Number(port) <= 65535))
    return `${transport} port ${port} is not 0..65535`
  return null
}

export const multiaddrField = z
  .string()
  .max(256)
  .regex(/^\/(ip4|ip6|dns|dns4|dns6)\//, 'must be a multiaddr such as /ip4/10.0.0.5/tcp/4001')
  .superRefine((text, ctx) => {
    const problem = multiaddrProblem(text)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })
