/**
 * `meshgd k8s EXPERIMENT [-o DIR]`: Kubernetes manifests for the experiment's swarm (pure: the experiment, the
 * texts of its data and key, and the options in; manifest objects out; the CLI reads the files and writes YAML).
 *
 * - `<base>` StatefulSet of n peers (`podManagementPolicy: Parallel`): pod `<base>-<i>` is peer i
 *   (`meshgd node --index-from-hostname`), announcing `/dns4/<base>-<i>.<base>.<ns>.svc.<domain>/tcp/PORT`, the
 *   stable name its headless Service `<base>` gives it (`publishNotReadyAddresses`, so peers find each other
 *   before they are ready); a volume claim per pod at /data holds its identity, checkpoints and outputs, so a
 *   rescheduled pod resumes where it was.
 * - `<base>-bootstrap` StatefulSet of one with its key on a volume claim (a stable peer ID) and its headless
 *   Service; peers dial it as `/dns4/<base>-bootstrap.<ns>.svc.<domain>/tcp/PORT`.
 * - `<base>-experiment` ConfigMap: the fully resolved experiment as JSON (file plus every `--set`)
 *   and, for a CSV problem, the data file, mounted at /experiment.
 * - `<base>-swarm-key` Secret with the swarm key, mounted and passed as `--swarm-key`, when the swarm has one.
 *
 * The generated files are checked against the Kubernetes API schemas in test/deploy/k8s.test.ts; the types here
 * come from the same package (kubernetes-models, a type-only import), so a misspelt field does not compile.
 */
import { ConfigError } from '../config/errors.js'
import type { ExperimentInput } from '../config/schema.js'
import { checkNamespace, k8sNames } from './k8s-names.js'
import { configMap, headlessService, secret } from './k8s-config.js'
import type { K8sFile, K8sOptions, Kustomization } from './k8s-options.js'
import { bootstrapSet, peerSet } from './k8s-workloads.js'

export { checkNamespace, k8sNames, peerHost, peerIndexFromName, podHost, type K8sNames } from './k8s-names.js'
export * from './k8s-options.js'
export { PEER_WRAPPER } from './k8s-workloads.js'

/**
 * Every manifest of the swarm, one file each. Refuses (ConfigError, one line) a bad namespace, static or pinned
 * peer addresses (pods find each other through the bootstrap) and a ConfigMap above 1 MiB.
 */
export function k8sManifests(experiment: ExperimentInput, opts: K8sOptions): K8sFile[] {
  checkNamespace(opts.namespace)
  if (experiment.peers.length > 0) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'static or pinned peer addresses do not apply on Kubernetes, where pods find each other through the bootstrap; leave peers: out',
      'peers',
    )
  }
  const names = k8sNames(experiment.swarm.id)
  const files: K8sFile[] = [
    { file: 'experiment-configmap.yaml', manifest: configMap(experiment, names, opts) },
    ...(opts.swarmKeyText === null
      ? []
      : [{ file: 'swarm-key-secret.yaml', manifest: secret(experiment, names, opts, opts.swarmKeyText) }]),
    { file: 'bootstrap-service.yaml', manifest: headlessService(experiment, names.bootstrap, 'bootstrap', opts) },
    { file: 'bootstrap-statefulset.yaml', manifest: bootstrapSet(experiment, names, opts) },
    { file: 'peers-service.yaml', manifest: headlessService(experiment, names.peers, 'peer', opts) },
    { file: 'peers-statefulset.yaml', manifest: peerSet(experiment, names, opts) },
  ]
  return files
}

/** The kustomization.yaml listing every file (`kubectl apply -k DIR`). */
export function kustomization(files: readonly K8sFile[]): Kustomization {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files.map((f) => f.file) }
}
