/**
 * `meshgd compose EXPERIMENT [-o FILE]`: a Docker Compose file for the experiment's swarm (pure: experiment and
 * paths in, a compose document out; the CLI writes it).
 *
 * - `bootstrap`: `meshgd bootstrap` with a persistent key on its own volume, so its address stays the same across
 *   restarts; peers reach it as `/dns4/bootstrap/tcp/PORT` on the compose network.
 * - `peer-<i>` for every peer: `meshgd node /experiment/experiment.json --index i`, announcing
 *   `/dns4/peer-<i>/tcp/PORT`. The experiment every peer runs is the resolved one (the file plus every `--set`,
 *   written by the CLI beside the compose file and mounted read-only), never the user's file and flags; a CSV
 *   problem's data folder is mounted read-only at /experiment/data. Its own volume at /data holds its state
 *   (identity, checkpoints) and outputs; `restart: on-failure`, so a crashed peer comes back and resumes from its
 *   checkpoint.
 * - with a swarm key (`swarm.key_file`, or `--swarm-key`): a compose secret, passed to every process as
 *   `--swarm-key /run/secrets/swarm_key`.
 * - every process serves Prometheus metrics on port 9464 of the compose network (`--metrics 9464`); with
 *   `--prometheus`, a `prometheus` service scrapes them all through a generated scrape config (`prometheusConfig`,
 *   written beside the compose file) and publishes its UI on the host's port 9090.
 */
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import type { ExperimentInput } from '../config/schema.js'

/**
 * Where the containers see the resolved experiment, a CSV problem's data folder, and a problem module's folder. The
 * module's is inside the image's app folder, so that its own imports of packages find the image's node_modules; the
 * Kubernetes pods (k8s-workloads.ts) mount it there too.
 */
export const CONTAINER_EXPERIMENT = '/experiment/experiment.json'
export const CONTAINER_DATA_DIR = '/experiment/data'
export const CONTAINER_MODULE_DIR = '/app/problem'

export interface ComposeOptions {
  /** the resolved experiment's file for the containers (written beside the compose file) */
  readonly experimentRecord: string
  /** the folder of a CSV problem's data file, or null */
  readonly dataDir: string | null
  /** the folder of a problem module, or null */
  readonly moduleDir?: string | null
  /** where the compose file will be written (relative paths in it are relative to its folder) */
  readonly composeFile: string
  readonly image: string
  readonly port: number
  /** a swarm key file to pass as a secret, or null */
  readonly swarmKeyFile: string | null
  /** the generated Prometheus scrape config to mount into a `prometheus` service, or null for none */
  readonly prometheusConfig?: string | null
}

/** The port every container serves /metrics on, inside the compose network. */
export const METRICS_PORT = 9464
/** The Prometheus image of `--prometheus` (pinned). */
export const PROMETHEUS_IMAGE = 'prom/prometheus:v3.5.0'

export interface ComposeService {
  image: string
  command: string[]
  volumes: Array<{ type: 'volume' | 'bind'; source: string; target: string; read_only?: boolean }>
  networks: string[]
  restart: string
  depends_on?: string[]
  ports?: string[]
  secrets?: string[]
  healthcheck?: { test: string[]; interval: string; timeout: string; retries: number; start_period: string }
}

export interface ComposeDocument {
  name: string
  services: Record<string, ComposeService>
  networks: Record<string, Record<string, never>>
  volumes: Record<string, Record<string, never>>
  secrets?: Record<string, { file: string }>
}

/** A compose project name: lowercase letters, digits, dashes and underscores, starting with a letter or digit. */
export function projectName(swarmId: string): string {
  const name = swarmId
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
  return `meshgd-${name || 'swarm'}`
}

/** A path as the compose file should hold it: relative to the compose file's folder when below it. */
function pathFrom(composeFile: string, target: string): string {
  const rel = relative(dirname(resolve(composeFile)), resolve(target))
  if (rel === '') return '.'
  return rel.startsWith('..') || isAbsolute(rel) ? resolve(target) : `./${rel}`
}

export function composeDocument(experiment: ExperimentInput, opts: ComposeOptions): ComposeDocument {
  const services: Record<string, ComposeService> = { bootstrap: bootstrapService(opts) }
  const volumes: Record<string, Record<string, never>> = { bootstrap: {} }
  const mounts = inputMounts(opts)
  for (let i = 0; i < experiment.swarm.peers; i++) {
    services[`peer-${i}`] = peerService(i, mounts, opts)
    volumes[`peer-${i}`] = {}
  }
  if (opts.prometheusConfig) services.prometheus = prometheusService(pathFrom(opts.composeFile, opts.prometheusConfig))
  return {
    name: projectName(experiment.swarm.id),
    services,
    networks: { mesh: {} },
    volumes,
    ...(opts.swarmKeyFile ? { secrets: { swarm_key: { file: pathFrom(opts.composeFile, opts.swarmKeyFile) } } } : {}),
  }
}

/** What every service of the swarm shares: the listen address, the swarm key (a secret) and the health check. */
function common(opts: ComposeOptions, role: 'bootstrap' | 'peer') {
  return {
    listen: `/ip4/0.0.0.0/tcp/${opts.port}`,
    keyArgs: opts.swarmKeyFile ? ['--swarm-key', '/run/secrets/swarm_key'] : [],
    secrets: opts.swarmKeyFile ? { secrets: ['swarm_key'] } : {},
    healthcheck: {
      test: ['CMD', 'meshgd', 'health', '--max-age', '60'],
      interval: '15s',
      timeout: '5s',
      retries: 3,
      start_period: role === 'bootstrap' ? '10s' : '60s',
    },
  }
}

function bootstrapService(opts: ComposeOptions): ComposeService {
  const { listen, keyArgs, secrets, healthcheck } = common(opts, 'bootstrap')
  return {
    image: opts.image,
    command: [
      'bootstrap',
      '--listen',
      listen,
      '--key',
      '/data/bootstrap.key',
      '--metrics',
      String(METRICS_PORT),
      ...keyArgs,
    ],
    volumes: [{ type: 'volume', source: 'bootstrap', target: '/data' }],
    networks: ['mesh'],
    restart: 'unless-stopped',
    ...secrets,
    healthcheck,
  }
}

/** The experiment record and a CSV problem's data folder or a problem module's folder, mounted read-only into every peer. */
function inputMounts(opts: ComposeOptions): ComposeService['volumes'] {
  const mounts: ComposeService['volumes'] = [
    {
      type: 'bind',
      source: pathFrom(opts.composeFile, opts.experimentRecord),
      target: CONTAINER_EXPERIMENT,
      read_only: true,
    },
  ]
  if (opts.dataDir)
    mounts.push({
      type: 'bind',
      source: pathFrom(opts.composeFile, opts.dataDir),
      target: CONTAINER_DATA_DIR,
      read_only: true,
    })
  if (opts.moduleDir)
    mounts.push({
      type: 'bind',
      source: pathFrom(opts.composeFile, opts.moduleDir),
      target: CONTAINER_MODULE_DIR,
      read_only: true,
    })
  return mounts
}

function peerService(i: number, mounts: ComposeService['volumes'], opts: ComposeOptions): ComposeService {
  const name = `peer-${i}`
  const { listen, keyArgs, secrets, healthcheck } = common(opts, 'peer')
  return {
    image: opts.image,
    command: [
      'node',
      CONTAINER_EXPERIMENT,
      '--index',
      String(i),
      '--listen',
      listen,
      '--announce',
      `/dns4/${name}/tcp/${opts.port}`,
      '--bootstrap',
      `/dns4/bootstrap/tcp/${opts.port}`,
      '--out',
      '/data/run',
      '--log-json',
      '--metrics',
      String(METRICS_PORT),
      ...keyArgs,
    ],
    volumes: [...mounts, { type: 'volume', source: name, target: '/data' }],
    networks: ['mesh'],
    restart: 'on-failure',
    depends_on: ['bootstrap'],
    ...secrets,
    healthcheck,
  }
}

function prometheusService(config: string): ComposeService {
  return {
    image: PROMETHEUS_IMAGE,
    command: ['--config.file=/etc/prometheus/prometheus.yml'],
    volumes: [{ type: 'bind', source: config, target: '/etc/prometheus/prometheus.yml', read_only: true }],
    networks: ['mesh'],
    restart: 'unless-stopped',
    depends_on: ['bootstrap'],
    ports: ['9090:9090'],
  }
}

/** The scrape config of `--prometheus`: the bootstrap and every peer by service name, each labelled with its role. */
export function prometheusConfig(experiment: ExperimentInput): Record<string, unknown> {
  const target = (service: string): string => `${service}:${METRICS_PORT}`
  return {
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    scrape_configs: [
      {
        job_name: 'meshgd',
        static_configs: [
          { targets: [target('bootstrap')], labels: { role: 'bootstrap' } },
          {
            targets: Array.from({ length: experiment.swarm.peers }, (_, i) => target(`peer-${i}`)),
            labels: { role: 'peer' },
          },
        ],
      },
    ],
  }
}
