/**
 * What every part of `meshgd k8s`'s manifests shares (pure): the options, where the pods see what the generator puts
 * in them, the containers' resources, the file and manifest types, and the labels.
 */
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet'
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { ISecret } from 'kubernetes-models/v1/Secret'
import type { IService } from 'kubernetes-models/v1/Service'
import type { ExperimentInput } from '../config/schema.js'

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
/** A problem module's files in the ConfigMap: keys with this prefix, mounted at compose.ts's CONTAINER_MODULE_DIR. */
export const MODULE_KEY_PREFIX = 'problem--'
export const SWARM_KEY_DIR = '/etc/meshgd/swarm-key'
export const SWARM_KEY_KEY = 'swarm.key'
/** Written by the peer's wrapper once `meshgd node` has finished, so a restarted pod does not run it again. */
export const DONE_FILE = '/data/finished'
export const HEALTH_FILE = '/tmp/meshgd-health'
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
  /** for a problem module: its file's name, and the text of each file of its folder that travels with it */
  readonly module?: { readonly name: string; readonly files: Readonly<Record<string, string>> } | null
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

export function labelsOf(
  experiment: ExperimentInput,
  component: 'peer' | 'bootstrap' | 'config',
): Record<string, string> {
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
