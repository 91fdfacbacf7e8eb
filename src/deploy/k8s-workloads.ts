/**
 * The swarm's workloads on Kubernetes (pure): the peers' and the bootstrap's StatefulSets, their pod specs and
 * containers (a locked-down security context, `meshgd health` as the probes, the peer's wrapper script).
 */
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet'
import type { IContainer } from 'kubernetes-models/v1/Container'
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec'
import type { IProbe } from 'kubernetes-models/v1/Probe'
import type { IVolume } from 'kubernetes-models/v1/Volume'
import type { ExperimentInput } from '../config/schema.js'
import { podHost, type K8sNames } from './k8s-names.js'
import {
  DONE_FILE,
  EXPERIMENT_DIR,
  EXPERIMENT_KEY,
  HEALTH_FILE,
  labelsOf,
  MODULE_KEY_PREFIX,
  PEER_CPU_REQUEST,
  PEER_MEMORY_LIMIT,
  PEER_MEMORY_REQUEST,
  PEER_NODE_OPTIONS,
  SWARM_KEY_DIR,
  SWARM_KEY_KEY,
  type K8sOptions,
} from './k8s-options.js'
import { CONTAINER_MODULE_DIR } from './compose.js'

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

/** A problem module's files out of the ConfigMap, under their own names. */
function moduleVolume(names: K8sNames, files: Readonly<Record<string, string>>): IVolume {
  const items = Object.keys(files).map((name) => ({ key: `${MODULE_KEY_PREFIX}${name}`, path: name }))
  return { name: 'problem', configMap: { name: names.experiment, items } }
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
      ...(withExperiment && opts.module ? [moduleVolume(names, opts.module.files)] : []),
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

export function peerSet(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions): IStatefulSet {
  const base = containerBase(opts)
  const container: IContainer = {
    name: 'peer',
    ...base,
    command: ['/bin/sh', '-c', PEER_WRAPPER, 'meshgd'],
    args: peerArgs(names, opts),
    env: [...(base.env ?? []), { name: 'MESHGD_DONE_FILE', value: DONE_FILE }],
    ports: [{ name: 'p2p', containerPort: opts.port, protocol: 'TCP' }, ...metricsPorts(opts)!],
    volumeMounts: [
      ...(base.volumeMounts ?? []),
      { name: 'experiment', mountPath: EXPERIMENT_DIR, readOnly: true },
      ...(opts.module ? [{ name: 'problem', mountPath: CONTAINER_MODULE_DIR, readOnly: true }] : []),
    ],
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

export function bootstrapSet(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions): IStatefulSet {
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
