/**
 * The swarm's configuration on Kubernetes (pure): the experiment (and a CSV problem's data) in a ConfigMap, the
 * swarm key in a Secret, and the headless Services that give every pod its stable DNS name.
 */
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import type { ISecret } from 'kubernetes-models/v1/Secret'
import type { IService } from 'kubernetes-models/v1/Service'
import { ConfigError } from '../config/errors.js'
import type { ExperimentInput } from '../config/schema.js'
import {
  CONFIGMAP_MAX_BYTES,
  EXPERIMENT_DIR,
  EXPERIMENT_KEY,
  labelsOf,
  MODULE_KEY_PREFIX,
  SWARM_KEY_DIR,
  SWARM_KEY_KEY,
  type K8sOptions,
} from './k8s-options.js'
import { CONTAINER_MODULE_DIR } from './compose.js'
import type { K8sNames } from './k8s-names.js'

/** The experiment as the pods read it: data and key paths pointing where they are mounted. */
function podExperiment(experiment: ExperimentInput, opts: K8sOptions): ExperimentInput {
  const keyFile = opts.swarmKeyText === null ? null : `${SWARM_KEY_DIR}/${SWARM_KEY_KEY}`
  const problem =
    experiment.problem.kind === 'csv' && opts.data
      ? { ...experiment.problem, path: `${EXPERIMENT_DIR}/${dataKey(opts.data.name)}` }
      : experiment.problem.kind === 'module' && opts.module
        ? { ...experiment.problem, path: `${CONTAINER_MODULE_DIR}/${opts.module.name}` }
        : experiment.problem
  return { ...experiment, swarm: { ...experiment.swarm, key_file: keyFile }, problem }
}

/** The ConfigMap key of the data file: its name where that is a valid, free key. */
function dataKey(name: string): string {
  const key = name.replace(/[^-._a-zA-Z0-9]+/g, '_')
  return key === EXPERIMENT_KEY || key === '' || /^\.+$/.test(key) ? 'data.csv' : key
}

export function configMap(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions): IConfigMap {
  const data: Record<string, string> = {
    [EXPERIMENT_KEY]: `${JSON.stringify(podExperiment(experiment, opts), null, 2)}\n`,
  }
  if (opts.data) data[dataKey(opts.data.name)] = opts.data.text
  for (const [name, text] of Object.entries(opts.module?.files ?? {})) data[`${MODULE_KEY_PREFIX}${name}`] = text
  const bytes = Object.entries(data).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0)
  if (bytes > CONFIGMAP_MAX_BYTES) {
    const what = opts.data
      ? `problem.path ${opts.data.name}: the data`
      : opts.module
        ? `problem.path ${opts.module.name}: the module's folder`
        : 'the experiment'
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

export function secret(experiment: ExperimentInput, names: K8sNames, opts: K8sOptions, keyText: string): ISecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.swarmKey, namespace: opts.namespace, labels: labelsOf(experiment, 'config') },
    type: 'Opaque',
    data: { [SWARM_KEY_KEY]: Buffer.from(keyText, 'utf8').toString('base64') },
  }
}

export function headlessService(
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
