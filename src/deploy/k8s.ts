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
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec'
import type { IProbe } from 'kubernetes-models/v1/Probe'
import type { ISecret } from 'kubernetes-models/v1/Secret'
import type { IService } from 'kubernetes-models/v1/Service'
import { ConfigError } from '../config/errors.js'
import type { ExperimentInput } from '../config/schema.js'
import { checkNamespace, k8sNames, podHost, type K8sNames } from './k8s-names.js'

export { checkNamespace, k8sNames, peerHost, peerIndexFromName, podHost, type K8sNames } from './k8s-names.js'

/**
 * Resources of one peer container (the bootstrap gets the same). Measured at d = 256 with the image's
 * NODE_OPTIONS (1 MB V8 semi-spaces): a running peer holds about 60 MB of its own memory (RssAnon; Pss about the
 * same when many peers share a host) and about 115 MB resident counting Node's code pages (VmRSS), which a pod's
 * memory accounting also charges. The limit also holds the exec probe's short-lived `meshgd health` process (about
 * 75 MB resident) beside it. Memory grows with d by about 8 bytes a coordinate per vector the algorithm keeps.
 */
export const PEER_MEMORY_REQUEST = '128Mi'
export const PEER_MEMORY_LIMIT = '256Mi'
export const PEER_CPU_REQUEST = '100m'

/** A ConfigMap holds at most 1 MiB (the API server's limit on the object). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024

/** Where the pod sees what the generator puts in it. */
export const EXPERIMENT_DIR = '/experiment'
export const EXPERIMENT_KEY = 'experiment.json'
export const SWARM_KEY_DIR = '/etc/meshgd/swarm-key'
export const SWARM_KEY_KEY = 'swarm.key'
/** Written by the peer's wrapper once `meshgd node` has finished, so a restarted pod does not run it again. */
export const DONE_FILE = '/data/finished'
const HEALTH_FILE = '/tmp/meshgd-health'
/** What `meshgd swarm` passes its peers (src/swarm/local.ts PEER_V8_FLAGS), for processes started elsewhere. */
export const PEER_NODE_OPTIONS = '--max-semi-space-size=1'

export interface K8sOptions {
  readonly image: string
  readonly namespace: string
  /** TCP port every pod listens on */
  readonly port: number
  /** a port to announce to Prometheus (scrape annotations and a container port), or null: none */
  readonly metricsPort: number | null
  /** the cluster's DNS domain */
  readonly clusterDomain: string
  /** size of each pod's /data volume claim */
  readonly storage: string
  /** the swarm key file's text, or null for an open swarm */
  readonly swarmKeyText: string | null
  /** for a CSV problem: the data file's name and text */
  readonly data: { readonly name: string; readonly text: string } | null
}

export type K8sManifest = IStatefulSet | IService | IConfigMap | ISecret

/** One file of the output: its name in the directory and the manifest it holds. */
export interface K8sFile {
  readonly file: string
  readonly manifest: K8sManifest
}

export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1'
  kind: 'Kustomization'
  resources: string[]
}

function labelsOf(experiment: ExperimentInput, component: 'peer' | 'bootstrap' | 'config'): Record<string, string> {
  // a label value: at most 63 characters, starting and ending with a letter or digit
  const instance =
    experiment.swarm.id
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 63)
      .replace(/[^A-Za-z0-9]+$/, '') || 'swarm'
  return {
    'app.kubernetes.io/name': 'meshgd',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
  }
}

/** The experiment as the pods read it: data and key paths pointing where they are mounted. */
function podExperiment(experiment: ExperimentInput, opts: K8sOptions): ExperimentInput {
  const keyFile = opts.swarmKeyText === null ? null : `${SWARM_KEY_DIR}/${SWARM_KEY_KEY}`
  const problem =
    experiment.problem.kind === 'csv' && opts.data
      ? { ...experiment.problem, path: `${EXPERIMENT_DIR}/${dataKey(opts.data.name)}` }
      : experiment.problem
  return { ...experiment, swarm: { ...experiment.swarm, key_file: keyFile }, problem }
}

/** The ConfigMap key of the data file: its name where that is a valid, free key. */
function dataKey(name: string): string {
  const key = name.replace(/[^-._a-zA-Z0-9]+/g, '_')
  return key === EXPERIMENT_KEY || key === '' || /^\.+$/.test(key) ? 'data.csv' : key
}

function configMap(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions): IConfigMap {
  const data: Record<string, string> = {
    [EXPERIMENT_KEY]: `${JSON.stringify(podExperiment(experiment, opts), null, 2)}\n`,
  }
  if (opts.data) data[dataKey(opts.data.name)] = opts.data.text
  const bytes = Object.entries(data).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0)
  if (bytes > CONFIGMAP_MAX_BYTES) {
    const what = opts.data ? `problem.path ${opts.data.name}: the data` : 'the experiment'
    throw new ConfigError(
      'CONFIG_INVALID',
      `${what} (${(bytes / CONFIGMAP_MAX_BYTES).toFixed(2)} MiB with the experiment) is above a ConfigMap's 1 MiB limit; put it in the image or on a volume`,
    )
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: names.experiment, namespace: opts.namespace, labels: labelsOf(experiment, 'config') },
    data,
  }
}

function secret(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions, keyText: string): ISecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.swarmKey, namespace: opts.namespace, labels: labelsOf(experiment, 'config') },
    type: 'Opaque',
    data: { [SWARM_KEY_KEY]: Buffer.from(keyText, 'utf8').toString('base64') },
  }
}

function headlessService(
  experiment: ExperimentInput,
  name: string,
  component: 'peer' | 'bootstrap',
  opts: K8sOptions,
): IService {
  const labels = labelsOf(experiment, component)
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: opts.namespace, labels },
    spec: {
      clusterIP: 'None',
      // DNS names exist from the start: peers dial each other before their readiness probes pass
      publishNotReadyAddresses: true,
      selector: labels,
      ports: [{ name: 'p2p', port: opts.port, targetPort: 'p2p', protocol: 'TCP' }],
    },
  }
}

/** `meshgd health` as an exec probe (the process rewrites MESHGD_HEALTH_FILE every 5 s while its event loop runs). */
function healthProbe(maxAge: number, initialDelaySeconds: number, periodSeconds: number): IProbe {
  return {
    exec: { command: ['meshgd', 'health', '--max-age', String(maxAge)] },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  }
}

/**
 * The peer container's wrapper (`sh -c SCRIPT meshgd ARGS...`). It runs `meshgd ARGS` and passes SIGTERM on (so
 * the peer checkpoints on shutdown); a failure exits with the peer's status, so Kubernetes restarts the pod and the
 * peer resumes. A peer that finished leaves MESHGD_DONE_FILE and the pod stays up, still beating its heartbeat, so
 * `kubectl cp` can copy the results (a StatefulSet restarts every container that exits); a restarted finished pod
 * does not run the peer again.
 */
export const PEER_WRAPPER = [
  'trap \'kill -TERM "$peer" 2>/dev/null; wait "$peer"; exit 143\' TERM INT',
  'if [ ! -e "$MESHGD_DONE_FILE" ]; then',
  '  meshgd "$@" & peer=$!',
  '  wait "$peer"; code=$?',
  '  [ "$code" -eq 0 ] || exit "$code"',
  '  touch "$MESHGD_DONE_FILE"',
  'fi',
  'echo "meshgd: this peer has finished; its results are in /data/run" >&2',
  "trap 'exit 0' TERM INT",
  'while :; do touch "$MESHGD_HEALTH_FILE"; sleep 5 & wait $!; done',
].join('\n')

function peerArgs(names: K8sNames, opts: K8sOptions): string[] {
  const keyArgs = opts.swarmKeyText === null ? [] : ['--swarm-key', `${SWARM_KEY_DIR}/${SWARM_KEY_KEY}`]
  return [
    'node',
    `${EXPERIMENT_DIR}/${EXPERIMENT_KEY}`,
    '--index-from-hostname',
    '--listen',
    `/ip4/0.0.0.0/tcp/${opts.port}`,
    '--announce',
    // $(POD_NAME) is expanded by the kubelet from the container's environment
    `/dns4/${podHost(names, '$(POD_NAME)', opts)}/tcp/${opts.port}`,
    '--bootstrap',
    `/dns4/${names.bootstrap}.${opts.namespace}.svc.${opts.clusterDomain}/tcp/${opts.port}`,
    '--out',
    '/data/run',
    '--log-json',
    ...metricsArgs(opts),
    ...keyArgs,
  ]
}

/** `--metrics-port P`: every process serves Prometheus metrics on P, all interfaces (the scrape comes from another pod). */
const metricsArgs = (opts: K8sOptions): string[] =>
  opts.metricsPort === null ? [] : ['--metrics', String(opts.metricsPort)]

const metricsPorts = (opts: K8sOptions): IContainer['ports'] =>
  opts.metricsPort === null ? [] : [{ name: 'metrics', containerPort: opts.metricsPort, protocol: 'TCP' }]

/** What both containers share: image, environment, volumes, resources, a locked-down security context. */
function containerBase(opts: K8sOptions): Omit<IContainer, 'name'> {
  return {
    image: opts.image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MESHGD_HEALTH_FILE', value: HEALTH_FILE },
      // small V8 young generation: about 50 MB less resident memory per peer (BENCHMARKS.md)
      { name: 'NODE_OPTIONS', value: PEER_NODE_OPTIONS },
    ],
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'tmp', mountPath: '/tmp' },
      ...(opts.swarmKeyText === null ? [] : [{ name: 'swarm-key', mountPath: SWARM_KEY_DIR, readOnly: true }]),
    ],
    resources: {
      requests: { memory: PEER_MEMORY_REQUEST, cpu: PEER_CPU_REQUEST },
      limits: { memory: PEER_MEMORY_LIMIT },
    },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  }
}

/** The pod spec around one container: the image's non-root `node` user (uid 1000), its volumes. */
function podSpec(container: IContainer, names: K8sNames, opts: K8sOptions, withExperiment: boolean): IPodSpec {
  return {
    securityContext: {
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    // 64 peers would otherwise each get environment variables for every Service in the namespace
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    containers: [container],
    volumes: [
      { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
      ...(withExperiment ? [{ name: 'experiment', configMap: { name: names.experiment } }] : []),
      ...(opts.swarmKeyText === null
        ? []
        : [{ name: 'swarm-key', secret: { secretName: names.swarmKey, defaultMode: 0o440 } }]),
    ],
  }
}

function statefulSet(
  experiment: ExperimentInput,
  name: string,
  component: 'peer' | 'bootstrap',
  replicas: number,
  pod: IPodSpec,
  opts: K8sOptions,
): IStatefulSet {
  const labels = labelsOf(experiment, component)
  const metrics = opts.metricsPort !== null
  const annotations = metrics
    ? {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(opts.metricsPort),
        'prometheus.io/path': '/metrics',
      }
    : undefined
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: opts.namespace, labels },
    spec: {
      serviceName: name,
      replicas,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: labels },
      template: { metadata: { labels, ...(annotations ? { annotations } : {}) }, spec: pod },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data', labels },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: opts.storage } } },
        },
      ],
    },
  }
}

function peerSet(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions): IStatefulSet {
  const base = containerBase(opts)
  const container: IContainer = {
    name: 'peer',
    ...base,
    command: ['/bin/sh', '-c', PEER_WRAPPER, 'meshgd'],
    args: peerArgs(names, opts),
    env: [...(base.env ?? []), { name: 'MESHGD_DONE_FILE', value: DONE_FILE }],
    ports: [{ name: 'p2p', containerPort: opts.port, protocol: 'TCP' }, ...metricsPorts(opts)!],
    volumeMounts: [...(base.volumeMounts ?? []), { name: 'experiment', mountPath: EXPERIMENT_DIR, readOnly: true }],
    // compose's healthcheck: start_period 60 s, every 15 s, 3 retries
    livenessProbe: healthProbe(60, 60, 15),
    readinessProbe: healthProbe(30, 5, 10),
  }
  return statefulSet(
    experiment,
    names.peers,
    'peer',
    experiment.swarm.peers,
    podSpec(container, names, opts, true),
    opts,
  )
}

function bootstrapSet(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions): IStatefulSet {
  const keyArgs = opts.swarmKeyText === null ? [] : ['--swarm-key', `${SWARM_KEY_DIR}/${SWARM_KEY_KEY}`]
  const container: IContainer = {
    name: 'bootstrap',
    ...containerBase(opts),
    command: ['meshgd'],
    args: [
      'bootstrap',
      '--listen',
      `/ip4/0.0.0.0/tcp/${opts.port}`,
      '--announce',
      `/dns4/${names.bootstrap}-0.${names.bootstrap}.${opts.namespace}.svc.${opts.clusterDomain}/tcp/${opts.port}`,
      '--key',
      '/data/bootstrap.key',
      ...metricsArgs(opts),
      ...keyArgs,
    ],
    ports: [{ name: 'p2p', containerPort: opts.port, protocol: 'TCP' }, ...metricsPorts(opts)!],
    livenessProbe: healthProbe(60, 10, 15),
    readinessProbe: healthProbe(30, 2, 10),
  }
  return statefulSet(experiment, names.bootstrap, 'bootstrap', 1, podSpec(container, names, opts, false), opts)
}

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
