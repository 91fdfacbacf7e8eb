/**
 * The names a Kubernetes swarm lives by: every object's, from the swarm id; the namespace as a DNS label; a peer's
 * index in its StatefulSet pod's name; and the DNS names of the peers' pods behind their headless Service.
 */
import { ConfigError } from '../config/errors.js'

/** Names of everything the manifests create, from the swarm id. */
export interface K8sNames {
  /** the peers' StatefulSet and their headless Service */
  readonly peers: string
  readonly bootstrap: string
  readonly experiment: string
  readonly swarmKey: string
}

/**
 * The base of every name: `meshgd-` and the swarm id as a DNS label (lowercase letters, digits, dashes). At most
 * 42 characters, so that `<base>-bootstrap` stays within the 52 a StatefulSet name may have (its pods carry a
 * `controller-revision-hash` label of the name plus 11 characters, and a label value has at most 63).
 */
export function k8sNames(swarmId: string): K8sNames {
  const id = swarmId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  const base = `meshgd-${id || 'swarm'}`.slice(0, 42).replace(/-+$/, '')
  return {
    peers: base,
    bootstrap: `${base}-bootstrap`,
    experiment: `${base}-experiment`,
    swarmKey: `${base}-swarm-key`,
  }
}

/** A namespace name: a DNS label (RFC 1123), 1-63 characters. */
export function checkNamespace(namespace: string): void {
  if (namespace.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `--namespace ${namespace}: must be a DNS label (1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit)`,
    )
  }
}

/**
 * The peer index in a StatefulSet pod's name (the hostname inside the pod): the number after its last `-`
 * (`meshgd-demo-3` is peer 3), or the whole text when it is a number (an index in an environment variable).
 */
export function peerIndexFromName(name: string, peers: number, source: string): number {
  const match = /(?:^|-)(\d+)$/.exec(name)
  if (!match)
    throw new ConfigError(
      'CONFIG_INVALID',
      `${source} "${name}": no peer index in it (expected a StatefulSet pod name such as meshgd-demo-3)`,
    )
  const index = Number(match[1])
  if (!Number.isSafeInteger(index) || index >= peers) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `${source} "${name}": index ${match[1]} is not a peer of this swarm (0..${peers - 1})`,
    )
  }
  return index
}

/** The DNS name of a peer's pod (`<base>-<i>`, or `$(POD_NAME)` in the pod template), through the headless Service. */
export function podHost(names: K8sNames, podName: string, opts: { namespace: string; clusterDomain: string }): string {
  return `${podName}.${names.peers}.${opts.namespace}.svc.${opts.clusterDomain}`
}

/** The DNS name of peer i's pod. */
export function peerHost(names: K8sNames, index: number, opts: { namespace: string; clusterDomain: string }): string {
  return podHost(names, `${names.peers}-${index}`, opts)
}
