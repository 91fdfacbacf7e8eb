/**
 * `meshgd k8s EXPERIMENT [-o DIR]`: writes the Kubernetes manifests of src/deploy/k8s.ts into DIR, one YAML file
 * per manifest and a kustomization.yaml (`kubectl apply -k DIR`). It checks the experiment as a run would first, so
 * a mistake fails once here rather than in every pod; a refusal is one line and exit 2 (a ConfigError).
 *
 * Also how `meshgd node` finds its index on Kubernetes: `--index-from-hostname` (a StatefulSet pod's name) or
 * `--index-from-env VAR`.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { EXIT_OK, type Exit } from '../process.js'
import { ConfigError } from '../../config/errors.js'
import type { LoadedExperiment } from '../../config/load.js'
import { loadForCommand, setOption } from '../options.js'
import { k8sManifests, kustomization, peerIndexFromName, type K8sOptions } from '../../deploy/k8s.js'

export interface K8sCommandOptions {
  out: string
  image: string
  namespace: string
  swarmKey?: string
  port: string
  metricsPort?: string
  clusterDomain: string
  storage: string
  set: string[]
}

/** How `meshgd node` was told its index: exactly one of the three. */
export interface NodeIndexOptions {
  index?: string
  indexFromHostname?: boolean
  indexFromEnv?: string
}

/** The peer index of `meshgd node` from --index, --index-from-hostname or --index-from-env (ConfigError if bad). */
export function nodeIndexOf(
  opts: NodeIndexOptions,
  peers: number,
  host: string = hostname(),
  env: NodeJS.ProcessEnv = process.env,
): number {
  const given = [opts.index !== undefined, opts.indexFromHostname === true, opts.indexFromEnv !== undefined].filter(
    Boolean,
  ).length
  if (given !== 1)
    throw new ConfigError(
      'CONFIG_INVALID',
      'meshgd node: give exactly one of --index I, --index-from-hostname or --index-from-env VAR',
    )
  if (opts.indexFromHostname) return peerIndexFromName(host, peers, 'hostname')
  if (opts.indexFromEnv !== undefined) {
    const value = env[opts.indexFromEnv]
    if (value === undefined || value === '')
      throw new ConfigError('CONFIG_INVALID', `--index-from-env ${opts.indexFromEnv}: the variable is not set`)
    return peerIndexFromName(value, peers, `--index-from-env ${opts.indexFromEnv}`)
  }
  const index = Number(opts.index)
  if (!Number.isInteger(index) || index < 0 || index >= peers)
    throw new ConfigError('CONFIG_INVALID', `--index ${opts.index}: must be an integer in 0..${peers - 1}`)
  return index
}

function portOf(flag: string, text: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError('CONFIG_INVALID', `${flag} ${text}: must be a TCP port (1..65535)`)
  return port
}

/** The swarm key's text: `--swarm-key`, else the experiment's `swarm.key_file`; checked as every process would. */
async function swarmKeyTextOf(flag: string | undefined, loaded: LoadedExperiment): Promise<string | null> {
  const keyFile = flag
    ? resolve(flag)
    : loaded.experiment.swarm.key_file
      ? resolve(loaded.baseDir, loaded.experiment.swarm.key_file)
      : null
  if (keyFile === null) return null
  if (!existsSync(keyFile))
    throw new ConfigError(
      'CONFIG_INVALID',
      `${keyFile}: swarm key file not found (create it with meshgd keygen -o ${keyFile})`,
    )
  const { readSwarmKey } = await import('../../net/identity.js')
  return new TextDecoder().decode(readSwarmKey(keyFile))
}

/** The options of the generator, each checked (one line naming the flag). */
async function k8sOptionsOf(opts: K8sCommandOptions, loaded: LoadedExperiment): Promise<K8sOptions> {
  if (!/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(opts.storage))
    throw new ConfigError('CONFIG_INVALID', `--storage ${opts.storage}: must be a quantity such as 1Gi or 500Mi`)
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(opts.clusterDomain)) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `--cluster-domain ${opts.clusterDomain}: must be a DNS name such as cluster.local`,
    )
  }
  if (opts.image.trim() === '' || /\s/.test(opts.image))
    throw new ConfigError('CONFIG_INVALID', `--image "${opts.image}": must be an image name such as meshgd:latest`)
  const problem = loaded.experiment.problem
  const dataFile = problem.kind === 'csv' ? resolve(loaded.baseDir, problem.path) : null
  return {
    image: opts.image,
    namespace: opts.namespace,
    port: portOf('--port', opts.port),
    metricsPort: opts.metricsPort === undefined ? null : portOf('--metrics-port', opts.metricsPort),
    clusterDomain: opts.clusterDomain,
    storage: opts.storage,
    swarmKeyText: await swarmKeyTextOf(opts.swarmKey, loaded),
    data: dataFile === null ? null : { name: basename(dataFile), text: readFileSync(dataFile, 'utf8') },
    module: problem.kind === 'module' ? moduleFiles(resolve(loaded.baseDir, problem.path)) : null,
  }
}

/**
 * A problem module and the text files beside it (scripts, JSON, CSV), which travel in the ConfigMap; data of its
 * own elsewhere (a package of the image, a volume) it finds itself.
 */
function moduleFiles(path: string): { name: string; files: Record<string, string> } {
  const dir = dirname(path)
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { withFileTypes: true }))
    if (entry.isFile() && MODULE_FILES.test(entry.name)) files[entry.name] = readFileSync(join(dir, entry.name), 'utf8')
  files[basename(path)] = readFileSync(path, 'utf8')
  return { name: basename(path), files }
}

const MODULE_FILES = /\.(mjs|cjs|js|json|csv|tsv|txt)$/

export async function commandK8s(file: string, opts: K8sCommandOptions): Promise<number> {
  const loaded = loadForCommand(file, opts.set)
  // loaded when used: `meshgd node` imports this file for nodeIndexOf and should not pay for the rest
  const { resolveExperiment } = await import('../../exchange/resolve.js')
  const { stringify } = await import('yaml')
  resolveExperiment(loaded.experiment, loaded.baseDir) // the same checks as a run: fail here, not in 64 pods
  const files = k8sManifests(loaded.experiment, await k8sOptionsOf(opts, loaded))
  const dir = resolve(opts.out)
  mkdirSync(dir, { recursive: true })
  const header = `# generated by meshgd k8s ${file}${opts.set.map((s) => ` --set ${s}`).join('')}\n`
  for (const { file: name, manifest } of files) {
    writeFileSync(join(dir, name), header + stringify(manifest, { lineWidth: 0, aliasDuplicateObjects: false }))
    if (manifest.kind === 'Secret') chmodSync(join(dir, name), 0o600) // it holds the swarm key
  }
  const note =
    "# the namespace is part of every peer's address: regenerate with --namespace rather than setting one here\n"
  writeFileSync(join(dir, 'kustomization.yaml'), header + note + stringify(kustomization(files)))
  console.error(
    `meshgd: wrote ${files.length + 1} files to ${dir} (${loaded.experiment.swarm.peers} peers and a bootstrap); start with: kubectl apply -k ${opts.out}`,
  )
  return EXIT_OK
}

/** Adds `meshgd k8s` to the program; `exit` turns the handler's exit status into what the program throws. */
export function registerK8sCommand(program: Command, exit: Exit): void {
  program
    .command('k8s')
    .description(
      'write Kubernetes manifests for the experiment: a StatefulSet of peers, a bootstrap, the experiment and key, a kustomization.yaml',
    )
    .argument('<experiment>', 'experiment file (YAML or JSON)')
    .option('-o, --out <dir>', 'where to write the files', 'k8s')
    .option(
      '--image <name>',
      'the meshgd image (build it from the Dockerfile and push it where the cluster pulls from)',
      'meshgd:latest',
    )
    .option('--namespace <ns>', "the namespace the swarm runs in (part of every peer's address)", 'default')
    .option('--swarm-key <file>', 'swarm key file to put in a Secret (default: swarm.key_file)')
    .option('--port <port>', 'TCP port every pod listens on', '4001')
    .option(
      '--metrics-port <port>',
      'every peer and the bootstrap serve Prometheus /metrics on this port, with scrape annotations (default: none)',
    )
    .option('--cluster-domain <domain>', "the cluster's DNS domain", 'cluster.local')
    .option('--storage <size>', "size of each pod's /data volume claim", '1Gi')
    .addOption(setOption())
    .action(async (file: string, opts: K8sCommandOptions) => {
      throw exit(await commandK8s(file, opts))
    })
}
