/**
 * The compose swarm run for real: `meshgd compose` writes the file for a 6-peer ring, `podman-compose` brings it up
 * with the `meshgd:latest` image (built by `npm run image`, lab/containers.sh, which `.ci/run` calls first; built here
 * when it is missing), and the test reads what the readers of docs/swarms.md "Tested with Podman on Debian" read:
 * the peers' outputs copied out of their volumes with `podman cp`.
 *
 * - A plain run: every peer exits 0 and `params/*.f64` are bit-identical to `meshgd sim` of the same resolved
 *   experiment. The same with a problem module that imports a package, mounted into the containers.
 * - A crash: while the swarm runs, the healthcheck reports healthy (a running peer's and the bootstrap's, read while
 *   the ring waits at its barrier; see the test); then one peer's process is SIGKILLed, the `restart: on-failure`
 *   policy brings its container back, it resumes from the checkpoint on its volume, and every peer ends at the exact
 *   minimum-norm interpolant (a dense Gram solve here). The kill goes to the container's process from the host, as
 *   a crash or the OOM killer would: `podman kill` marks the container stopped by its user, and then (as with
 *   `docker stop`) no restart policy applies.
 * - `podman-compose down -v` leaves no container or volume of the project behind, and no network once the one that
 *   Debian's podman-compose 1.0.3 leaves (its `down` never removes networks) is removed as docs/swarms.md says.
 *
 * Runs as root with rootful Podman (what lab/containers.sh prepares); skipped with a message only where podman
 * cannot run at all.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonWriter, meshgdRunner, paramsBytes, root, workDir } from '../helpers/meshgd.js'
import {
  distance,
  info,
  minNormInterpolant,
  norm,
  params,
  recordedRound,
  shardsOf,
  sleep,
} from '../helpers/processes.js'

const IMAGE = 'meshgd:latest'
const PEERS = 6

function podmanMissing(): string | null {
  const r = spawnSync('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}'], { encoding: 'utf8' })
  if (r.error) return `no podman on PATH (${r.error.message})`
  if (r.status !== 0) return `podman info failed: ${r.stderr.trim().split('\n').at(-1)}`
  return null
}
const missing = podmanMissing()
if (missing)
  console.warn(`compose-podman tests skipped: ${missing}; lab/containers.sh --engine podman installs and sets it up`)

const work = workDir('compose-podman')
const meshgd = meshgdRunner({ cwd: work, timeout: 120_000 })
const writeExperiment = jsonWriter(work)
/** every compose project a test brought up, so that afterAll takes down whatever a failed test left */
const projects = new Map<string, { dir: string; file: string }>()

function run(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; timeout?: number } = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: options.timeout ?? 120_000, cwd: options.cwd })
}

/** `podman ARGS`, which must succeed: its standard output, trimmed. */
function podman(...args: string[]): string {
  const r = run('podman', args)
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: exit ${r.status}: ${r.stderr}`)
  return r.stdout.trim()
}

/** `podman-compose -p PROJECT -f FILE ARGS` from the compose file's folder (its relative bind mounts start there). */
function compose(project: string, args: readonly string[]): SpawnSyncReturns<string> {
  const { dir, file } = projects.get(project)!
  return run('podman-compose', ['-p', project, '-f', file, ...args], { cwd: dir, timeout: 300_000 })
}

/** The image, built by lab/containers.sh (with Podman) when it is not there, and podman-compose with it. */
function ensureImage(): void {
  if (run('podman', ['image', 'exists', IMAGE]).status === 0 && run('podman-compose', ['version']).status === 0) return
  console.warn(`compose-podman: no ${IMAGE} in Podman's store: building it with lab/containers.sh --engine podman`)
  const r = run('bash', [join(root, 'lab', 'containers.sh'), '--engine', 'podman'], { timeout: 900_000 })
  if (r.status !== 0) throw new Error(`lab/containers.sh failed: ${r.stderr}`)
}

/** A 6-peer ring experiment and its compose file (`meshgd compose`), under work/NAME; returns the compose project. */
function composeRing(
  name: string,
  rounds: number,
  neighbourTimeoutMs = 5000,
  // stable at d = 50 with these steps (meshgd theory: R = 0.973 per round), exact to 1e-8 well before 1000 rounds
  problem: Record<string, unknown> = { kind: 'planted', loss: 'squared', dim: 50, samples_per_peer: 1, seed: 7 },
): { project: string; body: Record<string, unknown>; record: string; experiment: string } {
  const body = {
    swarm: { id: `${name}-${process.pid}`, peers: PEERS },
    topology: { kind: 'ring' },
    problem,
    algorithm: { kind: 'elastic', eta: 0.8, mu: 0.25 },
    run: { rounds, record_every: 50, checkpoint_every: 100, neighbour_timeout_ms: neighbourTimeoutMs },
  }
  const dir = join(work, name)
  const file = join(dir, 'compose.yaml')
  const experiment = writeExperiment(name, body)
  const r = meshgd(['compose', experiment, '-o', file, '--image', IMAGE])
  expect(r.status, r.stderr).toBe(0)
  const project = `meshgd-${body.swarm.id}`
  projects.set(project, { dir, file })
  return { project, body, record: join(dir, 'compose.experiment.json'), experiment }
}

function up(project: string): void {
  const r = compose(project, ['up', '-d'])
  expect(r.status, r.stderr).toBe(0)
}

const label = (project: string): string => `label=io.podman.compose.project=${project}`

/** The container of a compose service (found by podman-compose's labels, not by its naming scheme). */
function container(project: string, service: string): string {
  const name = podman(
    'ps',
    '-a',
    '--filter',
    label(project),
    '--filter',
    `label=com.docker.compose.service=${service}`,
    '--format',
    '{{.Names}}',
  )
  if (!name || name.includes('\n')) throw new Error(`no single container for ${project} ${service}: "${name}"`)
  return name
}

interface ContainerState {
  Status: string
  ExitCode: number
  Pid: number
  restarts: number
}
function state(name: string): ContainerState {
  const [s, restarts] = podman('inspect', '--format', '{{json .State}}\t{{.RestartCount}}', name).split('\t')
  return { ...(JSON.parse(s!) as ContainerState), restarts: Number(restarts) }
}

/** Where a peer's volume lies on this machine (to follow its progress without entering the container). */
const volumeRun = (project: string, i: number): string =>
  join(podman('volume', 'inspect', '--format', '{{.Mountpoint}}', `${project}_peer-${i}`), 'run')

/**
 * The container's health after `podman healthcheck run` (Podman runs the image's HEALTHCHECK on a systemd timer,
 * and there is no systemd here, so the test runs it): until one check passes, at most `retries: 3` of them.
 */
function healthcheck(name: string): string {
  const failures: string[] = []
  for (let attempt = 0; attempt < 3; attempt++) {
    const check = run('podman', ['healthcheck', 'run', name])
    if (check.status === 0) break
    failures.push(`${check.stdout}${check.stderr}`.trim())
  }
  if (failures.length > 0)
    console.warn(`compose-podman: healthcheck of ${name} failed ${failures.length} time(s): ${failures.join('; ')}`)
  return podman('inspect', '--format', '{{.State.Health.Status}}', name)
}

async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now()
  while (!done()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
    await sleep(250)
  }
}

/** Every peer's container exited 0 (with `restart: on-failure`, any other exit is followed by a restart). */
async function waitForPeers(project: string, timeoutMs = 300_000): Promise<void> {
  const names = Array.from({ length: PEERS }, (_, i) => container(project, `peer-${i}`))
  await until(
    `${project}: every peer exits 0`,
    () => names.every((n) => ((s) => s.Status === 'exited' && s.ExitCode === 0)(state(n))),
    timeoutMs,
  ).catch((err: Error) => {
    const tails = names.map(
      (n) => `${n}: ${JSON.stringify(state(n))}\n${run('podman', ['logs', '--tail', '5', n]).stderr}`,
    )
    throw new Error(`${err.message}\n${tails.join('\n')}`)
  })
}

/** The gathering route of docs/swarms.md: each peer's /data/run copied into one run directory. */
function gather(project: string, out: string): void {
  mkdirSync(out, { recursive: true })
  for (let i = 0; i < PEERS; i++) podman('cp', `${container(project, `peer-${i}`)}:/data/run/.`, out)
}

/** What of the project is still there: containers, volumes and networks, by podman-compose's project label. */
function leftovers(project: string): { containers: string[]; volumes: string[]; networks: string[] } {
  const list = (...args: string[]): string[] =>
    podman(...args)
      .split('\n')
      .filter(Boolean)
  return {
    containers: list('ps', '-a', '--filter', label(project), '--format', '{{.Names}}'),
    volumes: list('volume', 'ls', '--filter', label(project), '--format', '{{.Name}}'),
    networks: list('network', 'ls', '--filter', label(project), '--format', '{{.Name}}'),
  }
}

/**
 * `podman-compose down -v`, then the project's networks removed where podman-compose left them (1.0.3, Debian
 * bookworm's, removes containers and volumes only); what `down -v` itself left is returned.
 */
function down(project: string): ReturnType<typeof leftovers> {
  const r = compose(project, ['down', '-v'])
  if (r.status !== 0) throw new Error(`podman-compose down -v: ${r.stderr}`)
  const left = leftovers(project)
  for (const network of left.networks) {
    console.warn(`compose-podman: podman-compose down left the network ${network}; removing it (podman network rm)`)
    podman('network', 'rm', network)
  }
  projects.delete(project)
  return left
}

beforeAll(() => {
  if (!missing) ensureImage()
}, 900_000)

afterAll(() => {
  for (const project of [...projects.keys()]) {
    try {
      down(project)
    } catch (err) {
      console.warn(`compose-podman: cleaning up ${project}: ${(err as Error).message}`)
    }
  }
}, 300_000)

describe.skipIf(missing !== null)(
  'the compose swarm with Podman (meshgd compose, podman-compose, meshgd:latest)',
  () => {
    it('6-peer ring: every peer exits 0, params/*.f64 bit-identical to meshgd sim, down -v leaves nothing', async () => {
      const { project, record } = composeRing('exact', 300)
      up(project)
      await waitForPeers(project)
      const out = join(work, 'exact', 'run')
      gather(project, out)
      const sim = join(work, 'exact', 'sim')
      const r = meshgd(['sim', record, '--out', sim, '--quiet'])
      expect(r.status, r.stderr).toBe(0)
      for (let i = 0; i < PEERS; i++) expect(paramsBytes(out, i).equals(paramsBytes(sim, i)), `peer ${i}`).toBe(true)
      const left = down(project)
      expect(left.containers).toEqual([])
      expect(left.volumes).toEqual([])
      expect(leftovers(project)).toEqual({ containers: [], volumes: [], networks: [] })
    }, 600_000)

    it('a problem module that imports a package: mounted at /app/problem, every peer bit-identical to meshgd sim', async () => {
      const module = { kind: 'module', path: join(root, 'test', 'fixtures', 'modules', 'with-package.mjs') }
      const { project, experiment } = composeRing('module', 200, 5000, module)
      up(project)
      await waitForPeers(project)
      const out = join(work, 'module', 'run')
      gather(project, out)
      const sim = join(work, 'module', 'sim')
      const r = meshgd(['sim', experiment, '--out', sim, '--quiet', '--no-theory'])
      expect(r.status, r.stderr).toBe(0)
      for (let i = 0; i < PEERS; i++) expect(paramsBytes(out, i).equals(paramsBytes(sim, i)), `peer ${i}`).toBe(true)
      down(project)
    }, 600_000)

    it('a peer crashed mid-run (SIGKILL): healthy while running, restarted by on-failure, resumed from its checkpoint, exact answer', async () => {
      const rounds = 1000
      // neighbours wait up to 60 s for a silent peer: the ring holds at its barrier while a peer is paused or restarts
      const { project, body } = composeRing('crash', rounds, 60_000)
      up(project)
      const victim = container(project, 'peer-2')
      await until('peer 0 reaches round 100', () => recordedRound(volumeRun(project, 0), 0) >= 100, 240_000)
      // the healthcheck (meshgd health: the heartbeat file is fresh) of a running peer and of the bootstrap, taken while
      // peer 3 is paused and so the whole ring waits at its barrier: `meshgd health` is a Node start-up (about 1.5 s
      // in an idle container), and on two cores saturated by six peers (and on a shared machine by more) it exceeds
      // the 5 s timeout. The peers waiting are running: their event loops beat the heartbeat every 5 s.
      const paused = container(project, 'peer-3')
      podman('pause', paused)
      try {
        await sleep(2000)
        for (const service of ['peer-0', 'bootstrap'])
          expect(healthcheck(container(project, service)), service).toBe('healthy')
        expect(state(container(project, 'peer-0')).Status).toBe('running')
      } finally {
        podman('unpause', paused)
      }
      await until('peer 2 reaches round 400', () => recordedRound(volumeRun(project, 2), 2) >= 400, 240_000)
      const before = state(victim)
      expect(before.Status).toBe('running')
      process.kill(before.Pid, 'SIGKILL')
      await until(
        'peer 2 restarted by its restart policy',
        () => ((s) => s.restarts > before.restarts && s.Status === 'running')(state(victim)),
        60_000,
      )
      await waitForPeers(project)
      const out = join(work, 'crash', 'run')
      gather(project, out)
      expect(state(victim).restarts).toBe(before.restarts + 1)
      for (let i = 0; i < PEERS; i++)
        if (i !== 2) expect(state(container(project, `peer-${i}`)).restarts, `peer ${i}`).toBe(0)
      const logs = run('podman', ['logs', victim])
      expect(logs.stdout + logs.stderr).toMatch(
        /resuming from \/data\/run\/peers\/2\/state\/checkpoint-\d+\.bin \(round \d+\)/,
      )
      // killed at round 400 or later: checkpoint 400 on its volume, or 300 while 400 was still being written
      expect(info(out, 2).resumed_from).toBeGreaterThanOrEqual(300)
      const w = minNormInterpolant(shardsOf(body, work))
      for (let i = 0; i < PEERS; i++) {
        expect(info(out, i).rounds, `peer ${i}`).toBe(rounds)
        expect(distance(params(out, i), w) / norm(w), `peer ${i}`).toBeLessThanOrEqual(1e-8)
      }
      const left = down(project)
      expect(left.containers).toEqual([])
      expect(left.volumes).toEqual([])
      expect(leftovers(project)).toEqual({ containers: [], volumes: [], networks: [] })
    }, 600_000)
  },
)
