/**
 * `meshgd k8s`: the files the built command writes, read back as YAML, each manifest validated against the
 * Kubernetes API schemas (kubernetes-models) and against the rules the API server adds to them (names, labels,
 * references between the objects), for a ring of 8, a torus of 64, a keyed swarm and a CSV problem; the addressing
 * (peer i announces the headless DNS name of pod i, whose ordinal is its --index); the ConfigMap's experiment
 * (what loadExperiment returns with every --set); the peer's wrapper script, run with a stand-in meshgd; and the
 * refusals, one line and exit 2. No cluster runs here, so this is as far as the manifests are checked.
 */
import { spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Secret } from 'kubernetes-models/v1/Secret'
import { Service } from 'kubernetes-models/v1/Service'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { nodeIndexOf } from '../../src/cli/commands/k8s.js'
import { experimentFrom, loadExperiment } from '../../src/config/load.js'
import { k8sManifests, k8sNames, PEER_WRAPPER, peerHost, peerIndexFromName } from '../../src/deploy/k8s.js'
import { meshgdRunner, workDir } from '../helpers/meshgd.js'

/** The smallest problem module that passes meshgd's checks: one parameter, one sample, zero loss. */
const MINIMAL_MODULE =
  'export default () => ({ dim: 1, samples: () => 1, loss: () => 0, gradient: (i, w, b, out) => { out[0] = 0 } })\n'

const work = workDir('k8s')
const meshgd = meshgdRunner({ cwd: work, timeout: 60_000 })

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>

/** The schema check of kubernetes-models for each kind the generator writes (it throws on a violation). */
const MODELS: Record<string, (o: Obj) => void> = {
  'apps/v1 StatefulSet': (o) => new StatefulSet(o as never).validate(),
  'v1 Service': (o) => new Service(o as never).validate(),
  'v1 ConfigMap': (o) => new ConfigMap(o as never).validate(),
  'v1 Secret': (o) => new Secret(o as never).validate(),
}

function validate(o: Obj): void {
  const check = MODELS[`${o.apiVersion} ${o.kind}`]
  if (!check) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`)
  check(o)
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/

function labelProblems(where: string, labels: Obj | undefined): string[] {
  return Object.entries(labels ?? {}).flatMap(([k, v]) => [
    ...(LABEL_KEY.test(k) ? [] : [`${where}: label key ${k}`]),
    ...(typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v) ? [] : [`${where}: label value ${String(v)}`]),
  ])
}

/** What the API server checks beyond the OpenAPI schema, for one StatefulSet among all the manifests. */
function statefulSetProblems(set: Obj, all: Obj[]): string[] {
  const name = set.metadata.name as string
  const problems: string[] = []
  if (name.length > 52) problems.push(`${name}: a StatefulSet name over 52 characters`)
  const pod = set.spec.template
  for (const [k, v] of Object.entries(set.spec.selector.matchLabels))
    if (pod.metadata.labels[k] !== v) problems.push(`${name}: selector ${k} does not match the pod labels`)
  const service = all.find((o) => o.kind === 'Service' && o.metadata.name === set.spec.serviceName)
  if (!service || service.spec.clusterIP !== 'None')
    problems.push(`${name}: serviceName ${set.spec.serviceName} is not a headless Service here`)
  else
    for (const [k, v] of Object.entries(service.spec.selector))
      if (pod.metadata.labels[k] !== v) problems.push(`${name}: its Service does not select its pods`)
  const claims = (set.spec.volumeClaimTemplates as Obj[]).map((c) => c.metadata.name as string)
  const volumes = (pod.spec.volumes as Obj[]).map((v) => v.name as string)
  for (const v of pod.spec.volumes as Obj[]) {
    if (v.configMap && !all.some((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap.name))
      problems.push(`${name}: no ConfigMap ${v.configMap.name}`)
    if (v.secret && !all.some((o) => o.kind === 'Secret' && o.metadata.name === v.secret.secretName))
      problems.push(`${name}: no Secret ${v.secret.secretName}`)
  }
  for (const c of pod.spec.containers as Obj[]) {
    const mounts = (c.volumeMounts as Obj[]).map((m) => m.name as string)
    for (const m of mounts)
      if (!volumes.includes(m) && !claims.includes(m)) problems.push(`${name}: mount of an undeclared volume ${m}`)
    for (const claim of claims) if (!mounts.includes(claim)) problems.push(`${name}: claim ${claim} is mounted nowhere`)
    for (const p of c.ports as Obj[])
      if (p.name.length > 15 || !DNS_LABEL.test(p.name)) problems.push(`${name}: port name ${p.name}`)
    for (const p of service?.spec.ports ?? [])
      if (!(c.ports as Obj[]).some((cp) => cp.name === p.targetPort))
        problems.push(`${name}: Service targets an unknown port ${p.targetPort}`)
  }
  problems.push(...labelProblems(`${name} pod`, pod.metadata.labels))
  return problems
}

/** Names, namespaces, labels, ConfigMap keys and size, and the references between the objects. */
function apiServerProblems(all: Obj[]): string[] {
  const problems: string[] = []
  for (const o of all) {
    const { name, namespace, labels } = o.metadata
    const nameRule = o.kind === 'Service' ? DNS_1035 : DNS_LABEL
    if (typeof name !== 'string' || name.length > 63 || !nameRule.test(name))
      problems.push(`${o.kind} name ${String(name)}`)
    if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace))
      problems.push(`${o.kind} ${name}: namespace ${String(namespace)}`)
    problems.push(...labelProblems(`${o.kind} ${name}`, labels))
    if (o.kind === 'ConfigMap') {
      for (const key of Object.keys(o.data)) if (!/^[-._a-zA-Z0-9]+$/.test(key)) problems.push(`ConfigMap key ${key}`)
      if (JSON.stringify(o.data).length > 1024 * 1024) problems.push('ConfigMap over 1 MiB')
    }
    if (o.kind === 'StatefulSet') problems.push(...statefulSetProblems(o, all))
  }
  return problems
}

interface Generated {
  dir: string
  files: string[]
  manifests: Obj[]
  kustomization: Obj
}

function generate(name: string, body: string, extra: string[] = []): Generated {
  const dir = join(work, name)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, body)
  const out = join(dir, 'k8s')
  const r = meshgd(['k8s', file, '-o', out, ...extra])
  expect(r.stderr).toMatch(/^meshgd: wrote \d+ files to .*k8s .*kubectl apply -k/)
  expect(r.status).toBe(0)
  const files = readdirSync(out).filter((f) => f !== 'kustomization.yaml')
  const manifests = files.map((f) => parse(readFileSync(join(out, f), 'utf8')) as Obj)
  return {
    dir: out,
    files,
    manifests,
    kustomization: parse(readFileSync(join(out, 'kustomization.yaml'), 'utf8')) as Obj,
  }
}

function byKind(g: Generated, kind: string, name: string): Obj {
  const found = g.manifests.find((o) => o.kind === kind && o.metadata.name === name)
  expect(found, `${kind} ${name}`).toBeDefined()
  return found!
}

function optionOf(args: string[], flag: string): string | undefined {
  const k = args.indexOf(flag)
  return k >= 0 ? args[k + 1] : undefined
}

/** Every check that holds for any generated swarm of n peers in namespace ns. */
function expectSwarm(g: Generated, swarmId: string, n: number, ns = 'default'): void {
  for (const o of g.manifests) expect(() => validate(o), `${o.kind} ${o.metadata?.name}`).not.toThrow()
  expect(apiServerProblems(g.manifests)).toEqual([])
  // the kustomization lists every file, and only files that are there
  expect(g.kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' })
  expect([...g.kustomization.resources].sort()).toEqual([...g.files].sort())
  const names = k8sNames(swarmId)
  const peers = byKind(g, 'StatefulSet', names.peers)
  expect(peers.spec).toMatchObject({ replicas: n, podManagementPolicy: 'Parallel', serviceName: names.peers })
  expect(byKind(g, 'Service', names.peers).spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true })
  expect(byKind(g, 'StatefulSet', names.bootstrap).spec.replicas).toBe(1)
  expect(byKind(g, 'ConfigMap', names.experiment).data['experiment.json']).toBeDefined()
  for (const o of g.manifests)
    expect(o.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'meshgd',
      'app.kubernetes.io/instance': swarmId,
    })
  expectAddressing(peers, byKind(g, 'StatefulSet', names.bootstrap), n, ns)
}

/** Pod i (the StatefulSet's name and ordinal i) announces its own headless DNS name and runs as peer i. */
function expectAddressing(peers: Obj, bootstrap: Obj, n: number, ns: string): void {
  const container = peers.spec.template.spec.containers[0]
  const args = container.args as string[]
  expect(args.slice(0, 3)).toEqual(['node', '/experiment/experiment.json', '--index-from-hostname'])
  expect(container.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } })
  for (let i = 0; i < n; i++) {
    const pod = `${peers.metadata.name}-${i}` // how a StatefulSet names its pods
    const announce = optionOf(args, '--announce')!.replace('$(POD_NAME)', pod) // what the kubelet expands
    expect(announce).toBe(`/dns4/${pod}.${peers.spec.serviceName}.${ns}.svc.cluster.local/tcp/4001`)
    expect(announce).toBe(
      `/dns4/${peerHost(k8sNames(peers.metadata.labels['app.kubernetes.io/instance']), i, { namespace: ns, clusterDomain: 'cluster.local' })}/tcp/4001`,
    )
    expect(nodeIndexOf({ indexFromHostname: true }, n, pod)).toBe(i)
  }
  expect(optionOf(args, '--bootstrap')).toBe(`/dns4/${bootstrap.spec.serviceName}.${ns}.svc.cluster.local/tcp/4001`)
  expect(optionOf(args, '--listen')).toBe('/ip4/0.0.0.0/tcp/4001')
  expect(optionOf(args, '--out')).toBe('/data/run')
  // every flag the pods pass is one meshgd has
  const help = meshgd(['node', '--help']).stdout + meshgd(['bootstrap', '--help']).stdout
  for (const flag of [...args, ...(bootstrap.spec.template.spec.containers[0].args as string[])].filter((a) =>
    a.startsWith('--'),
  ))
    expect(help, flag).toContain(flag)
  for (const probe of ['livenessProbe', 'readinessProbe'])
    expect(container[probe].exec.command.slice(0, 2)).toEqual(['meshgd', 'health'])
  expect(peers.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, fsGroup: 1000, runAsNonRoot: true })
  expect(container.resources).toEqual({ requests: { memory: '128Mi', cpu: '100m' }, limits: { memory: '256Mi' } })
  expect(peers.spec.volumeClaimTemplates[0].metadata.name).toBe('data')
  expect(container.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' })
}

const ringBody = 'swarm: { id: ring8, peers: 8 }\ntopology: { kind: ring }\nproblem: { dim: 8 }\n'

describe('meshgd k8s', () => {
  it('a ring of 8: every manifest valid, the addressing, the experiment with its --set overrides', () => {
    const sets = ['--set', 'run.rounds=77', '--set', 'algorithm.mu=0.3']
    const g = generate('ring8', ringBody, sets)
    expectSwarm(g, 'ring8', 8)
    expect(g.files.sort()).toEqual([
      'bootstrap-service.yaml',
      'bootstrap-statefulset.yaml',
      'experiment-configmap.yaml',
      'peers-service.yaml',
      'peers-statefulset.yaml',
    ])
    // the ConfigMap holds exactly what loadExperiment returns with the overrides, and reads back the same
    const json = byKind(g, 'ConfigMap', 'meshgd-ring8-experiment').data['experiment.json'] as string
    const expected = loadExperiment(join(work, 'ring8', 'ring8.yaml'), ['run.rounds=77', 'algorithm.mu=0.3']).experiment
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(expected)))
    writeFileSync(join(work, 'ring8', 'resolved.json'), json)
    expect(loadExperiment(join(work, 'ring8', 'resolved.json')).experiment).toEqual(expected)
    expect(expected.run.rounds).toBe(77)
    // no metrics port, no scrape annotations, nothing served
    expect(byKind(g, 'StatefulSet', 'meshgd-ring8').spec.template.metadata.annotations).toBeUndefined()
    expect(byKind(g, 'StatefulSet', 'meshgd-ring8').spec.template.spec.containers[0].args).not.toContain('--metrics')
  })

  it('a torus of 64 in another namespace, with Prometheus annotations', () => {
    const g = generate(
      'torus64',
      'swarm: { id: Torus.64, peers: 64 }\ntopology: { kind: torus }\nproblem: { dim: 16 }\n',
      ['--namespace', 'lab', '--metrics-port', '9464'],
    )
    expectSwarm(g, 'Torus.64', 64, 'lab')
    const set = byKind(g, 'StatefulSet', 'meshgd-torus-64')
    expect(set.spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    })
    expect(set.spec.template.spec.containers[0].ports).toContainEqual({
      name: 'metrics',
      containerPort: 9464,
      protocol: 'TCP',
    })
    // issue 25 item 4: the processes serve what the annotations point at
    const args: string[] = set.spec.template.spec.containers[0].args
    expect(args.slice(args.indexOf('--metrics'), args.indexOf('--metrics') + 2)).toEqual(['--metrics', '9464'])
    const boot = byKind(g, 'StatefulSet', 'meshgd-torus-64-bootstrap').spec.template
    expect(boot.spec.containers[0].args.join(' ')).toContain('--metrics 9464')
    expect(boot.metadata.annotations['prometheus.io/port']).toBe('9464')
    for (const o of g.manifests) expect(o.metadata.namespace).toBe('lab')
  })

  it('a keyed swarm: the key is a Secret, mounted in every pod and passed as --swarm-key', () => {
    const dir = join(work, 'keyed')
    mkdirSync(dir, { recursive: true })
    expect(meshgd(['keygen', '-o', join(dir, 'swarm.key')]).status).toBe(0)
    const g = generate('keyed', 'swarm: { id: keyed, peers: 4, key_file: swarm.key }\nproblem: { dim: 8 }\n')
    expectSwarm(g, 'keyed', 4)
    const secret = byKind(g, 'Secret', 'meshgd-keyed-swarm-key')
    expect(Buffer.from(secret.data['swarm.key'], 'base64').toString('utf8')).toBe(
      readFileSync(join(dir, 'swarm.key'), 'utf8'),
    )
    expect(statSync(join(g.dir, 'swarm-key-secret.yaml')).mode & 0o077).toBe(0)
    for (const set of g.manifests.filter((o) => o.kind === 'StatefulSet')) {
      const pod = set.spec.template.spec
      expect(pod.volumes).toContainEqual({
        name: 'swarm-key',
        secret: { secretName: 'meshgd-keyed-swarm-key', defaultMode: 0o440 },
      })
      expect(optionOf(pod.containers[0].args, '--swarm-key')).toBe('/etc/meshgd/swarm-key/swarm.key')
      expect(pod.containers[0].volumeMounts).toContainEqual({
        name: 'swarm-key',
        mountPath: '/etc/meshgd/swarm-key',
        readOnly: true,
      })
    }
    // the experiment in the pod names the mounted key
    expect(JSON.parse(byKind(g, 'ConfigMap', 'meshgd-keyed-experiment').data['experiment.json']).swarm.key_file).toBe(
      '/etc/meshgd/swarm-key/swarm.key',
    )
  })

  it('a CSV problem: the data goes into the ConfigMap and the experiment points at the mounted file', () => {
    const dir = join(work, 'csv')
    mkdirSync(join(dir, 'data'), { recursive: true })
    const data = 'a,b,y\n1,2,3\n4,5,9\n7,8,15\n2,2,4\n'
    writeFileSync(join(dir, 'data', 'points.csv'), data)
    const g = generate(
      'csv',
      'swarm: { id: csv, peers: 2 }\nproblem: { kind: csv, path: data/points.csv, target: y }\n',
    )
    expectSwarm(g, 'csv', 2)
    const cm = byKind(g, 'ConfigMap', 'meshgd-csv-experiment')
    expect(cm.data['points.csv']).toBe(data)
    const inPod = JSON.parse(cm.data['experiment.json'])
    expect(inPod.problem.path).toBe('/experiment/points.csv')
    const expected = loadExperiment(join(dir, 'csv.yaml')).experiment
    expect(inPod).toEqual(
      JSON.parse(JSON.stringify({ ...expected, problem: { ...expected.problem, path: '/experiment/points.csv' } })),
    )
  })

  it('a problem module: it and the text files beside it go into the ConfigMap, mounted inside the app', () => {
    const dir = join(work, 'module')
    mkdirSync(join(dir, 'model'), { recursive: true })
    const code = MINIMAL_MODULE
    writeFileSync(join(dir, 'model', 'problem.mjs'), code)
    writeFileSync(join(dir, 'model', 'labels.json'), '[0, 1]\n')
    writeFileSync(join(dir, 'model', 'figure.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
    const g = generate(
      'module',
      'swarm: { id: module, peers: 2 }\nproblem: { kind: module, path: model/problem.mjs }\n',
    )
    expectSwarm(g, 'module', 2)
    const cm = byKind(g, 'ConfigMap', 'meshgd-module-experiment')
    expect(Object.keys(cm.data).sort()).toEqual(['experiment.json', 'problem--labels.json', 'problem--problem.mjs'])
    expect(cm.data['problem--problem.mjs']).toBe(code)
    expect(JSON.parse(cm.data['experiment.json']).problem.path).toBe('/app/problem/problem.mjs')
    const pod = byKind(g, 'StatefulSet', k8sNames('module').peers).spec.template.spec
    expect(pod.volumes).toContainEqual({
      name: 'problem',
      configMap: {
        name: 'meshgd-module-experiment',
        items: [
          { key: 'problem--labels.json', path: 'labels.json' },
          { key: 'problem--problem.mjs', path: 'problem.mjs' },
        ],
      },
    })
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'problem',
      mountPath: '/app/problem',
      readOnly: true,
    })
  })

  it('refuses in one line, exit 2: a bad experiment, a missing or invalid key, a bad namespace, data above 1 MiB, pinned peers', () => {
    const file = join(work, 'bad.yaml')
    const refusal = (args: string[], pattern: RegExp): void => {
      const r = meshgd(['k8s', file, '-o', join(work, 'refused'), ...args])
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(pattern)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
    writeFileSync(file, 'swarm: { peers: 4 }\ntopology: { kind: tree }\n')
    refusal([], /^meshgd: .*topology\.kind/)
    writeFileSync(file, 'swarm: { peers: 4, key_file: nowhere.key }\n')
    refusal([], /nowhere\.key: swarm key file not found/)
    writeFileSync(file, 'swarm: { peers: 4 }\n')
    writeFileSync(join(work, 'junk.key'), 'not a key\n')
    refusal(['--swarm-key', join(work, 'junk.key')], /junk\.key: not a swarm key/)
    refusal(['--namespace', 'Bad_NS'], /^meshgd: --namespace Bad_NS: must be a DNS label/)
    refusal(['--port', '70000'], /--port 70000/)
    writeFileSync(join(work, 'big.csv'), 'a,b,y\n' + '0.123456789,0.987654321,1.11111111\n'.repeat(32_000))
    writeFileSync(file, 'swarm: { peers: 4 }\nproblem: { kind: csv, path: big.csv, target: y }\n')
    refusal([], /big\.csv: the data \(1\.\d\d MiB with the experiment\) is above a ConfigMap's 1 MiB limit/)
    writeFileSync(file, 'swarm: { peers: 2 }\npeers: [/ip4/10.0.0.1/tcp/4001]\n')
    refusal([], /^meshgd: \S*bad\.yaml:2: peers: static or pinned peer addresses do not apply on Kubernetes/) // where the field is
    expect(existsSync(join(work, 'refused'))).toBe(false)
  })
})

describe('the peer index from a pod name', () => {
  it('is the number after the last dash, or a plain number', () => {
    expect(peerIndexFromName('meshgd-demo-3', 4, 'hostname')).toBe(3)
    expect(peerIndexFromName('meshgd-ring-demo-12', 64, 'hostname')).toBe(12)
    expect(peerIndexFromName('meshgd-torus-64-0', 64, 'hostname')).toBe(0)
    expect(peerIndexFromName('7', 8, '$INDEX')).toBe(7)
  })

  it('refuses, naming what it read: no number, or a number out of range', () => {
    expect(() => peerIndexFromName('meshgd-demo', 4, 'hostname')).toThrow(
      /^hostname "meshgd-demo": no peer index in it/,
    )
    expect(() => peerIndexFromName('host3', 4, 'hostname')).toThrow(/no peer index/)
    expect(() => peerIndexFromName('meshgd-demo-4', 4, 'hostname')).toThrow(
      /index 4 is not a peer of this swarm \(0\.\.3\)/,
    )
    expect(() => nodeIndexOf({}, 4)).toThrow(/exactly one of --index/)
    expect(() => nodeIndexOf({ index: '1', indexFromHostname: true }, 4)).toThrow(/exactly one of --index/)
    expect(() => nodeIndexOf({ indexFromEnv: 'NOPE' }, 4, 'h', {})).toThrow(
      /--index-from-env NOPE: the variable is not set/,
    )
    expect(nodeIndexOf({ indexFromEnv: 'POD' }, 4, 'h', { POD: 'meshgd-demo-2' })).toBe(2)
    expect(nodeIndexOf({ index: '3' }, 4)).toBe(3)
    expect(() => nodeIndexOf({ index: '4' }, 4)).toThrow(/--index 4: must be an integer in 0\.\.3/)
  })

  it('meshgd node refuses a bad index in one line, exit 2', () => {
    const file = join(work, 'node.yaml')
    writeFileSync(file, 'swarm: { peers: 4 }\nproblem: { dim: 4 }\n')
    for (const [args, env, pattern] of [
      [
        ['--index-from-env', 'POD'],
        { POD: 'meshgd-demo-9' },
        /^meshgd: --index-from-env POD "meshgd-demo-9": index 9 is not a peer of this swarm \(0\.\.3\)$/,
      ],
      [
        ['--index-from-env', 'POD'],
        { POD: 'meshgd-demo' },
        /^meshgd: --index-from-env POD "meshgd-demo": no peer index in it/,
      ],
      [[], {}, /^meshgd: meshgd node: give exactly one of --index I, --index-from-hostname or --index-from-env VAR$/],
    ] as const) {
      const r = meshgd(['node', file, ...args], { env })
      expect(r.status).toBe(2)
      expect(r.stderr.trim()).toMatch(pattern)
    }
  })
})

describe('the manifests are really validated', () => {
  const experiment = experimentFrom({ swarm: { id: 'broken', peers: 3 }, problem: { dim: 4 } })
  const opts = {
    image: 'meshgd:latest',
    namespace: 'default',
    port: 4001,
    metricsPort: null,
    clusterDomain: 'cluster.local',
    storage: '1Gi',
    swarmKeyText: null,
    data: null,
  }
  const fresh = (): Obj[] => k8sManifests(experiment, opts).map((f) => structuredClone(f.manifest) as Obj)
  const peersOf = (all: Obj[]): Obj => all.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'meshgd-broken')!

  it('the generator output passes', () => {
    const all = fresh()
    for (const o of all) validate(o)
    expect(apiServerProblems(all)).toEqual([])
  })

  it('a field of the wrong type, a bad quantity or a missing required field fails the schema', () => {
    const breakages: Array<(set: Obj) => void> = [
      (set) => (set.spec.replicas = 'three'),
      (set) => (set.spec.template.spec.containers[0].resources.limits.memory = 'lots'),
      (set) => delete set.spec.template.spec.containers[0].name,
      (set) => delete set.spec.selector,
      (set) => (set.spec.template.spec.containers[0].livenessProbe.exec.command = 'meshgd health'),
    ]
    for (const breakage of breakages) {
      const set = peersOf(fresh())
      breakage(set)
      expect(() => validate(set), breakage.toString()).toThrow()
    }
  })

  it('a bad name, a selector that misses its pods, a dangling reference fail the API-server checks', () => {
    const renamed = fresh()
    peersOf(renamed).metadata.name = 'Meshgd_Broken'
    expect(apiServerProblems(renamed)).toContain('StatefulSet name Meshgd_Broken')
    const unselected = fresh()
    const selector = peersOf(unselected).spec.selector
    selector.matchLabels = { ...selector.matchLabels, 'app.kubernetes.io/component': 'other' }
    expect(apiServerProblems(unselected).join('\n')).toMatch(/selector .* does not match the pod labels/)
    const dangling = fresh().filter((o) => o.kind !== 'ConfigMap')
    expect(apiServerProblems(dangling)).toContain('meshgd-broken: no ConfigMap meshgd-broken-experiment')
  })
})

describe("the peer container's wrapper", () => {
  /** Runs PEER_WRAPPER under sh with a stand-in meshgd that logs its arguments, runs `seconds` and exits with `exitCode`. */
  function wrapper(dir: string, exitCode: number, seconds = 0): ReturnType<typeof spawn> {
    mkdirSync(join(dir, 'bin'), { recursive: true })
    const stub = join(dir, 'bin', 'meshgd')
    writeFileSync(
      stub,
      `#!/bin/sh\ntrap 'echo TERM >> "${dir}/ran"; exit 130' TERM\necho "$@" >> "${dir}/ran"\nsleep ${seconds} & wait $!\nexit ${exitCode}\n`,
    )
    chmodSync(stub, 0o755)
    const env = {
      ...process.env,
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
      MESHGD_DONE_FILE: join(dir, 'finished'),
      MESHGD_HEALTH_FILE: join(dir, 'health'),
    }
    return spawn('/bin/sh', ['-c', PEER_WRAPPER, 'meshgd', 'node', 'x.json', '--index-from-hostname'], {
      env,
      stdio: 'ignore',
    })
  }
  const exited = (child: ReturnType<typeof spawn>): Promise<number | null> =>
    new Promise((done) => child.on('exit', (code) => done(code)))
  const until = async (ok: () => boolean): Promise<void> => {
    for (let k = 0; k < 100 && !ok(); k++) await new Promise((r) => setTimeout(r, 50))
  }

  it('a failed peer: exits with its status (Kubernetes restarts the pod and the peer resumes)', async () => {
    const dir = mkdtempSync(join(work, 'wrap-fail-'))
    expect(await exited(wrapper(dir, 3))).toBe(3)
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe('node x.json --index-from-hostname\n')
    expect(existsSync(join(dir, 'finished'))).toBe(false)
  })

  it('a finished peer: marks it, stays up with a heartbeat, and stops at once on SIGTERM; started again, it does not rerun', async () => {
    const dir = mkdtempSync(join(work, 'wrap-done-'))
    const child = wrapper(dir, 0)
    await until(() => existsSync(join(dir, 'health')))
    expect(existsSync(join(dir, 'finished'))).toBe(true)
    expect(child.exitCode).toBeNull()
    child.kill('SIGTERM')
    expect(await exited(child)).toBe(0)
    rmSync(join(dir, 'health'))
    const again = wrapper(dir, 0)
    await until(() => existsSync(join(dir, 'health')))
    expect(existsSync(join(dir, 'health'))).toBe(true)
    again.kill('SIGTERM')
    expect(await exited(again)).toBe(0)
    expect(readFileSync(join(dir, 'ran'), 'utf8').trim().split('\n')).toHaveLength(1)
  })

  it('SIGTERM while the peer runs reaches the peer (so it checkpoints) and the pod stops', async () => {
    const dir = mkdtempSync(join(work, 'wrap-term-'))
    const child = wrapper(dir, 0, 30)
    await until(() => existsSync(join(dir, 'ran')))
    await new Promise((r) => setTimeout(r, 200))
    child.kill('SIGTERM')
    expect(await exited(child)).toBe(143)
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toMatch(/TERM/)
    expect(existsSync(join(dir, 'finished'))).toBe(false)
  })
})
