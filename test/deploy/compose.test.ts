/**
 * `meshgd compose`: the generated file, read back as YAML, checked against the structure Docker Compose requires
 * (top-level keys, service fields and their types, every named volume, network, secret and dependency declared,
 * every bind source present) and against what meshgd needs (one service per peer, unique announce addresses on the
 * compose network, the bootstrap by service name, the swarm key as a secret), for a ring, a torus and a keyed swarm.
 */
import { quickHealth } from '../../src/cli/health-check.js'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { projectName } from '../../src/deploy/compose.js'
import { meshgdRunner, root, workDir } from '../helpers/meshgd.js'

/** The smallest problem module that passes meshgd's checks: one parameter, one sample, zero loss. */
const MINIMAL_MODULE =
  'export default () => ({ dim: 1, samples: () => 1, loss: () => 0, gradient: (i, w, b, out) => { out[0] = 0 } })\n'

const work = workDir('compose')
const meshgd = meshgdRunner({ cwd: work, timeout: 60_000 })

const SERVICE_KEYS = new Set([
  'image',
  'command',
  'volumes',
  'networks',
  'restart',
  'depends_on',
  'ports',
  'secrets',
  'healthcheck',
])
const RESTART = new Set(['no', 'always', 'on-failure', 'unless-stopped'])

type Doc = {
  name: string
  services: Record<
    string,
    Record<string, unknown> & { command: string[]; volumes: Array<Record<string, unknown>>; networks: string[] }
  >
  networks: Record<string, unknown>
  volumes: Record<string, unknown>
  secrets?: Record<string, { file: string }>
}

/** The structure checks (what `docker compose config` would refuse), returning the problems found. */
function composeProblems(doc: Doc, composeDir: string): string[] {
  const problems: string[] = []
  for (const key of Object.keys(doc))
    if (!['name', 'services', 'networks', 'volumes', 'secrets'].includes(key))
      problems.push(`unknown top-level key ${key}`)
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(doc.name)) problems.push(`bad project name ${doc.name}`)
  for (const [name, s] of Object.entries(doc.services)) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) problems.push(`bad service name ${name}`)
    for (const key of Object.keys(s)) if (!SERVICE_KEYS.has(key)) problems.push(`${name}: unknown key ${key}`)
    if (typeof s.image !== 'string' || s.image === '') problems.push(`${name}: no image`)
    if (!Array.isArray(s.command) || !s.command.every((c) => typeof c === 'string'))
      problems.push(`${name}: command is not a list of strings`)
    if (!RESTART.has(s.restart as string)) problems.push(`${name}: restart ${String(s.restart)}`)
    for (const n of s.networks) if (!(n in doc.networks)) problems.push(`${name}: undeclared network ${n}`)
    for (const v of s.volumes) {
      if (typeof v.target !== 'string' || !v.target.startsWith('/'))
        problems.push(`${name}: volume target ${String(v.target)}`)
      if (v.type === 'volume' && !(String(v.source) in doc.volumes))
        problems.push(`${name}: undeclared volume ${String(v.source)}`)
      if (v.type === 'bind' && !existsSync(resolve(composeDir, String(v.source))))
        problems.push(`${name}: bind source ${String(v.source)} does not exist`)
      if (v.type !== 'volume' && v.type !== 'bind') problems.push(`${name}: volume type ${String(v.type)}`)
    }
    for (const dep of (s.depends_on as string[] | undefined) ?? [])
      if (!(dep in doc.services)) problems.push(`${name}: depends on unknown ${dep}`)
    for (const sec of (s.secrets as string[] | undefined) ?? [])
      if (!doc.secrets || !(sec in doc.secrets)) problems.push(`${name}: undeclared secret ${sec}`)
    for (const p of (s.ports as unknown[] | undefined) ?? [])
      if (typeof p !== 'string' || !/^\d+:\d+$/.test(p)) problems.push(`${name}: port ${String(p)}`)
    const hc = s.healthcheck as { test?: unknown[] } | undefined
    if (hc && (!Array.isArray(hc.test) || hc.test[0] !== 'CMD')) problems.push(`${name}: healthcheck test`)
  }
  for (const [name, sec] of Object.entries(doc.secrets ?? {}))
    if (!existsSync(resolve(composeDir, sec.file))) problems.push(`secret ${name}: ${sec.file} does not exist`)
  return problems
}

function generate(name: string, body: Record<string, unknown>, extra: string[] = []): { doc: Doc; dir: string } {
  const dir = join(work, name)
  mkdirSync(join(dir, 'experiments'), { recursive: true })
  const file = join(dir, 'experiments', `${name}.yaml`)
  writeFileSync(file, JSON.stringify(body))
  const out = join(dir, 'deploy', 'compose.yaml')
  mkdirSync(dirname(out), { recursive: true })
  const r = meshgd(['compose', file, '-o', out, ...extra])
  expect(r.stderr).toMatch(/^meshgd: wrote .*compose\.yaml/)
  expect(r.status).toBe(0)
  return { doc: parse(readFileSync(out, 'utf8')) as Doc, dir: dirname(out) }
}

function optionOf(command: string[], flag: string): string | undefined {
  const k = command.indexOf(flag)
  return k >= 0 ? command[k + 1] : undefined
}

function expectPeers(doc: Doc, n: number): void {
  expect(Object.keys(doc.services).sort()).toEqual(
    ['bootstrap', ...Array.from({ length: n }, (_, i) => `peer-${i}`)].sort(),
  )
  const announced = new Set<string>()
  for (let i = 0; i < n; i++) {
    const s = doc.services[`peer-${i}`]!
    expect(s.command.slice(0, 4)).toEqual(['node', '/experiment/experiment.json', '--index', String(i)])
    expect(optionOf(s.command, '--bootstrap')).toBe('/dns4/bootstrap/tcp/4001')
    expect(optionOf(s.command, '--listen')).toBe('/ip4/0.0.0.0/tcp/4001')
    expect(optionOf(s.command, '--out')).toBe('/data/run')
    announced.add(optionOf(s.command, '--announce')!)
    // its own volume for its state and outputs, and the experiment read-only
    expect(s.volumes).toContainEqual({ type: 'volume', source: `peer-${i}`, target: '/data' })
    expect(s.volumes.find((v) => v.target === '/experiment/experiment.json')?.read_only).toBe(true)
    expect(s.restart).toBe('on-failure')
  }
  expect([...announced].sort()).toEqual(Array.from({ length: n }, (_, i) => `/dns4/peer-${i}/tcp/4001`).sort())
}

describe('meshgd compose', () => {
  it('a ring: a bootstrap and one service per peer, structurally valid', () => {
    const { doc, dir } = generate('ring', {
      swarm: { id: 'Ring.Demo', peers: 6 },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', dim: 8 },
    })
    expect(composeProblems(doc, dir)).toEqual([])
    expect(doc.name).toBe('meshgd-ring-demo')
    expectPeers(doc, 6)
    expect(doc.services.bootstrap!.command).toEqual([
      'bootstrap',
      '--listen',
      '/ip4/0.0.0.0/tcp/4001',
      '--key',
      '/data/bootstrap.key',
      '--metrics',
      '9464',
    ])
    for (let i = 0; i < 6; i++) expect(optionOf(doc.services[`peer-${i}`]!.command, '--metrics')).toBe('9464')
    expect(doc.secrets).toBeUndefined()
    // the resolved experiment is written beside the compose file and mounted by a path relative to it
    expect(doc.services['peer-0']!.volumes.find((v) => v.target === '/experiment/experiment.json')?.source).toBe(
      './compose.experiment.json',
    )
    expect(JSON.parse(readFileSync(join(dir, 'compose.experiment.json'), 'utf8')).swarm).toMatchObject({
      id: 'Ring.Demo',
      peers: 6,
    })
  })

  it('--prometheus: a Prometheus service whose scrape config names the bootstrap and every peer', () => {
    const { doc, dir } = generate(
      'prom',
      { swarm: { id: 'prom', peers: 5 }, topology: { kind: 'ring' }, problem: { kind: 'planted', dim: 8 } },
      ['--prometheus'],
    )
    expect(composeProblems(doc, dir)).toEqual([])
    const prometheus = doc.services.prometheus!
    expect(prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/)
    expect(prometheus.ports).toEqual(['9090:9090'])
    const mount = prometheus.volumes.find((v) => v.target === '/etc/prometheus/prometheus.yml')!
    expect(mount.read_only).toBe(true)
    const config = parse(readFileSync(resolve(dir, String(mount.source)), 'utf8')) as {
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>
    }
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((sc) => sc.targets)).sort()
    expect(targets).toEqual(['bootstrap:9464', ...Array.from({ length: 5 }, (_, i) => `peer-${i}:9464`)].sort())
    // every target is a service of the file that serves /metrics on that port
    for (const t of targets) expect(optionOf(doc.services[t.split(':')[0]!]!.command, '--metrics')).toBe('9464')
  })

  it('a problem module: its folder is mounted inside the app, where its imports find the image’s packages', () => {
    const dir = join(work, 'module')
    mkdirSync(join(dir, 'experiments', 'model'), { recursive: true })
    writeFileSync(join(dir, 'experiments', 'model', 'problem.mjs'), MINIMAL_MODULE)
    const { doc, dir: composeDir } = generate('module', {
      swarm: { id: 'module', peers: 3 },
      problem: { kind: 'module', path: 'model/problem.mjs', options: { hidden: 8 } },
    })
    expect(composeProblems(doc, composeDir)).toEqual([])
    expectPeers(doc, 3)
    for (let i = 0; i < 3; i++) {
      const mount = doc.services[`peer-${i}`]!.volumes.find((v) => v.target === '/app/problem')
      expect(mount).toMatchObject({ type: 'bind', read_only: true })
      expect(resolve(composeDir, String(mount!.source))).toBe(join(dir, 'experiments', 'model'))
    }
    const inContainers = JSON.parse(readFileSync(join(composeDir, 'compose.experiment.json'), 'utf8'))
    expect(inContainers.problem).toEqual({ kind: 'module', path: '/app/problem/problem.mjs', options: { hidden: 8 } })
  })

  it('a torus with another image and port', () => {
    const { doc, dir } = generate(
      'torus',
      { swarm: { id: 'torus', peers: 9 }, topology: { kind: 'torus' }, problem: { kind: 'planted', dim: 8 } },
      ['--image', 'registry.example/meshgd:0.1', '--port', '5001'],
    )
    expect(composeProblems(doc, dir)).toEqual([])
    expect(Object.keys(doc.services)).toHaveLength(10)
    for (const s of Object.values(doc.services)) expect(s.image).toBe('registry.example/meshgd:0.1')
    expect(optionOf(doc.services['peer-8']!.command, '--announce')).toBe('/dns4/peer-8/tcp/5001')
  })

  it('a keyed swarm: the key is a compose secret every process reads', () => {
    const dir = join(work, 'keyed')
    mkdirSync(join(dir, 'experiments'), { recursive: true })
    expect(meshgd(['keygen', '-o', join(dir, 'experiments', 'swarm.key')]).status).toBe(0)
    const { doc, dir: composeDir } = generate('keyed', {
      swarm: { id: 'keyed', peers: 4, key_file: 'swarm.key' },
      topology: { kind: 'ring' },
      problem: { kind: 'planted', dim: 8 },
    })
    expect(composeProblems(doc, composeDir)).toEqual([])
    expectPeers(doc, 4)
    expect(Object.keys(doc.secrets!)).toEqual(['swarm_key'])
    expect(readFileSync(resolve(composeDir, doc.secrets!.swarm_key!.file), 'utf8')).toMatch(
      /^\/key\/swarm\/psk\/1\.0\.0\//,
    )
    for (const s of Object.values(doc.services)) {
      expect(s.secrets).toEqual(['swarm_key'])
      expect(optionOf(s.command, '--swarm-key')).toBe('/run/secrets/swarm_key')
    }
  })

  it('refuses what would fail in every container: a bad experiment, a missing key, a bad port', () => {
    const file = join(work, 'bad.yaml')
    writeFileSync(file, 'swarm: { peers: 4 }\ntopology: { kind: tree }\n')
    expect(meshgd(['compose', file]).stderr).toMatch(/^meshgd: .*topology\.kind/)
    writeFileSync(file, 'swarm: { peers: 4, key_file: nowhere.key }\n')
    const missing = meshgd(['compose', file])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/nowhere\.key: swarm key file not found/)
    writeFileSync(file, 'swarm: { peers: 4 }\n')
    expect(meshgd(['compose', file, '--port', '70000']).stderr).toMatch(/--port 70000/)
    // printed to stdout without -o
    const printed = meshgd(['compose', file])
    expect(printed.status).toBe(0)
    expect(Object.keys((parse(printed.stdout) as Doc).services)).toHaveLength(5)
  })

  it('project names are what compose accepts', () => {
    expect(projectName('My_Swarm.v2')).toBe('meshgd-my_swarm-v2')
    expect(projectName('---')).toBe('meshgd-swarm')
  })
})

describe('the Dockerfile', () => {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8')
  it('is multi-stage on Node 24, runs as a non-root user, has a healthcheck and meshgd as entrypoint', () => {
    const froms = text.split('\n').filter((l) => l.startsWith('FROM '))
    expect(froms.length).toBeGreaterThanOrEqual(2)
    for (const f of froms) expect(f).toMatch(/^FROM node:24/)
    expect(text).toMatch(/^RUN npm ci --omit=dev/m)
    expect(text).toMatch(/^USER node$/m)
    expect(text).toMatch(/^HEALTHCHECK .*CMD \["meshgd", "health"/m)
    expect(text).toMatch(/^ENTRYPOINT \["meshgd"\]$/m)
    expect(text).toMatch(/^VOLUME \/data$/m)
    // every path it copies from the context exists and is not excluded by .dockerignore
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
    for (const line of text.split('\n').filter((l) => /^COPY (?!--from)/.test(l))) {
      for (const src of line.split(/\s+/).slice(1, -1)) {
        expect(existsSync(join(root, src)), src).toBe(true)
        expect(ignored, src).not.toContain(src)
      }
    }
    for (const heavy of ['node_modules', 'dist', '.git', 'runs']) expect(ignored).toContain(heavy)
  })

  it('meshgd health: healthy with a fresh heartbeat, unhealthy with none or an old one', () => {
    const beat = join(work, 'heartbeat')
    expect(meshgd(['health', '--file', beat]).status).toBe(1)
    writeFileSync(beat, 'peer 0 pid 1\n')
    expect(meshgd(['health', '--file', beat]).status).toBe(0)
    const stale = meshgd(['health', '--file', beat, '--max-age', '-1'])
    expect(stale.status).toBe(1)
    expect(stale.stderr).toMatch(/last heartbeat \d+ s ago/)
    // bin/meshgd.js answers these forms without loading the program; anything else goes to the full command
    expect(quickHealth(['--file', beat], {})).toBe(0)
    expect(quickHealth([], { MESHGD_HEALTH_FILE: beat })).toBe(0)
    expect(quickHealth(['--max-age', '30'], {})).toBeNull() // no file: the command says so
    expect(quickHealth(['--file', beat, '--bogus', '1'], {})).toBeNull()
    expect(meshgd(['health', '--file', beat, '--max-age', 'soon']).stderr).toMatch(
      /^meshgd: --max-age soon: must be a number of seconds/,
    )
  })
})

describe('the example systemd units', () => {
  const help = meshgd(['node', '--help']).stdout + meshgd(['bootstrap', '--help']).stdout
  for (const unit of ['meshgd-node@.service', 'meshgd-bootstrap.service']) {
    it(`${unit}: the sections systemd needs, a restart policy, and only options meshgd has`, () => {
      const text = readFileSync(join(root, 'deploy', 'systemd', unit), 'utf8')
      for (const section of ['[Unit]', '[Service]', '[Install]']) expect(text).toContain(section)
      expect(text).toMatch(/^Restart=(on-failure|always)$/m)
      expect(text).toMatch(/^User=meshgd$/m)
      const exec = /^ExecStart=((?:[^\n]*\\\n)*[^\n]*)/m.exec(text)![1]!.replace(/\\\n/g, ' ')
      expect(exec).toMatch(/\/opt\/meshgd\/bin\/meshgd\.js (node|bootstrap) /)
      for (const flag of exec.match(/--[a-z-]+/g)!) expect(help, flag).toContain(flag)
    })
  }
})
