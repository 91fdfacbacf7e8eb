import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config/errors.js'
import { applyOverrides, experimentFrom, loadExperiment } from '../../src/config/load.js'
import { nearSquare, resolveExperiment, topologySpecOf } from '../../src/exchange/resolve.js'
import { thrownBy } from '../helpers/errors.js'
import { fileWriter, workDir } from '../helpers/meshgd.js'

const dir = workDir('config')
const file = fileWriter(dir)
const errorOf = (fn: () => unknown): ConfigError => thrownBy(fn, ConfigError)

describe('experiment files', () => {
  it('fills every default from an empty file', () => {
    const e = experimentFrom({})
    expect(e.swarm).toEqual({
      id: 'meshgd',
      peers: 16,
      key_file: null,
      max_connections_per_ip: null,
      max_connections_per_peer: 4,
      browser_peers: [],
    })
    expect(e.topology.kind).toBe('ring')
    expect(e.topology.weights).toEqual({ kind: 'unit' })
    expect(e.problem).toMatchObject({
      kind: 'planted',
      loss: 'squared',
      dim: 200,
      samples_per_peer: 1,
      seed: 1,
      noise: 0,
    })
    expect(e.algorithm).toEqual({
      kind: 'elastic',
      eta: 0.5,
      mu: 0.2,
      sampling: { kind: 'full' },
      local_steps: 1,
      eta_per_peer: null,
      gradient_noise: 0,
      robust: { clip: null, aggregate: 'weighted', trim: 1 },
    })
    expect(e.compression).toEqual({ kind: 'none' })
    expect(e.run).toMatchObject({ rounds: 500, mode: 'sync', seed: 1, target: null, neighbour_timeout_ms: 5000 })
    expect(e.run.init).toEqual({ kind: 'zeros' })
    expect(e.output).toEqual({ params: true })
  })

  it('reads the example experiment of docs/experiments.md "Experiment files" in YAML, and the same in JSON', () => {
    const guide = readFileSync(join(import.meta.dirname, '..', '..', 'docs/experiments.md'), 'utf8')
    const section = guide.slice(guide.indexOf('## Experiment files'))
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1]
    expect(example, 'a yaml block under ## Experiment files in docs/experiments.md').toBeDefined()
    const a = loadExperiment(file('readme.yaml', example!)).experiment
    // what the example says, read back field by field (defaults fill the rest)
    expect(a.swarm).toMatchObject({ id: 'demo', peers: 16 })
    expect(a.problem).toMatchObject({ kind: 'planted', loss: 'squared', dim: 200, samples_per_peer: 1, seed: 1 })
    expect(a.algorithm).toMatchObject({ kind: 'elastic', eta: 0.5, mu: 0.2, sampling: { kind: 'full' } })
    expect(a.run).toMatchObject({ rounds: 500, mode: 'sync', seed: 1, target: 1e-10, neighbour_timeout_ms: 5000 })
    const b = loadExperiment(file('readme.json', JSON.stringify(a))).experiment
    expect(b).toEqual(a)
  })

  it('applies --set overrides by dotted path, typed as YAML scalars', () => {
    const path = file('base.yaml', 'algorithm: { eta: 0.5 }\n')
    const e = loadExperiment(path, [
      'algorithm.mu=0.3',
      'swarm.peers=4',
      'run.target=1e-8',
      'algorithm.sampling.kind=batch',
      'algorithm.sampling.size=3',
    ]).experiment
    expect(e.algorithm).toMatchObject({ kind: 'elastic', mu: 0.3 })
    expect(e.swarm.peers).toBe(4)
    expect(e.run.target).toBe(1e-8)
    expect(e.algorithm.sampling).toEqual({ kind: 'batch', size: 3, replace: true })
    expect(applyOverrides({ a: { b: 1 } }, ['a.c=[1, 2]']).value).toEqual({ a: { b: 1, c: [1, 2] } })
  })

  it('names an unknown field by path and line', () => {
    const path = file('unknown.yaml', 'swarm: { peers: 4 }\nalgorithm:\n  eta: 0.5\n  muu: 0.2\n')
    const err = errorOf(() => loadExperiment(path))
    expect(err.message).toBe(`${path}:4: algorithm.muu: unknown field`)
    expect(err.message.split('\n')).toHaveLength(1)
  })

  it('names a bad value by path and line, with what was given', () => {
    const path = file('bad.yaml', 'swarm: { peers: 4 }\nalgorithm:\n  eta: -1\n')
    expect(errorOf(() => loadExperiment(path)).message).toMatch(new RegExp(`^${path}:3: algorithm.eta: .*>0.*got -1$`))
    const kind = file('kind.yaml', 'topology: { kind: donut }\n')
    expect(errorOf(() => loadExperiment(kind)).message).toMatch(
      /kind.yaml:1: topology.kind: must be one of "ring", .*got "donut"/,
    )
    const typed = file('typed.yaml', 'run:\n  rounds: many\n')
    expect(errorOf(() => loadExperiment(typed)).message).toMatch(
      /typed.yaml:2: run.rounds: expected number, got "many"/,
    )
  })

  it('blames --set, not the file, for a bad override', () => {
    const path = file('ok.yaml', 'swarm: { peers: 4 }\n')
    expect(errorOf(() => loadExperiment(path, ['algorithm.mu=abc'])).message).toMatch(
      /^--set: algorithm.mu: expected a number or "auto", got "abc"/,
    )
    expect(errorOf(() => loadExperiment(path, ['nonsense'])).message).toMatch(
      /--set nonsense: expected dotted.path=value/,
    )
    expect(errorOf(() => loadExperiment(path, ['swarm.colour=red'])).message).toMatch(
      /^--set: swarm.colour: unknown field/,
    )
  })

  it('reports YAML syntax errors with line and column, and missing files', () => {
    const path = file('syntax.yaml', 'swarm: { peers: 4\nalgorithm: [\n')
    const err = errorOf(() => loadExperiment(path))
    expect(err.code).toBe('CONFIG_SYNTAX')
    expect(err.message).toMatch(new RegExp(`^${path}:\\d+:\\d+: YAML syntax error`))
    expect(errorOf(() => loadExperiment(join(dir, 'absent.yaml'))).message).toMatch(
      /absent.yaml: cannot read experiment file: no such file/,
    )
    const dup = file('dup.yaml', 'swarm: { peers: 4 }\nswarm: { peers: 5 }\n')
    expect(errorOf(() => loadExperiment(dup)).message).toMatch(/dup.yaml:2:\d+: YAML syntax error/)
  })

  it('swarm.browser_peers: indices of the swarm, each once; in a keyed swarm no two tabs are neighbours', () => {
    const resolve = (swarm: Record<string, unknown>): unknown =>
      resolveExperiment(experimentFrom({ swarm: { peers: 4, ...swarm }, topology: { kind: 'ring' } }), dir)
    expect(thrownBy(() => resolve({ browser_peers: [1, 4] }), ConfigError).message).toBe(
      'swarm.browser_peers: index 4 is not a peer (0..3)',
    )
    expect(thrownBy(() => resolve({ browser_peers: [1, 1] }), ConfigError).message).toMatch(
      /swarm.browser_peers: an index is listed twice/,
    )
    file('swarm.key', '/key/swarm/psk/1.0.0/\n/base16/\n' + '0'.repeat(64) + '\n')
    expect(() => resolve({ browser_peers: [1, 3], key_file: 'swarm.key' })).not.toThrow() // 1 and 3: not neighbours
    expect(thrownBy(() => resolve({ browser_peers: [1, 2], key_file: 'swarm.key' }), ConfigError).message).toBe(
      'swarm.browser_peers: peers 1 and 2 are neighbours and both browser tabs, but this swarm is keyed and WebRTC between tabs would skip the swarm key; make one of them a Node peer',
    )
    expect(() => resolve({ browser_peers: [1, 2] })).not.toThrow() // an open swarm: tabs reach each other over WebRTC
  })

  it('resolves grid and torus shapes to the most nearly square factorisation', () => {
    expect(nearSquare(16)).toEqual({ rows: 4, cols: 4 })
    expect(nearSquare(12)).toEqual({ rows: 3, cols: 4 })
    expect(nearSquare(7)).toEqual({ rows: 1, cols: 7 })
    const spec = topologySpecOf(experimentFrom({ swarm: { peers: 12 }, topology: { kind: 'torus' } }))
    expect([spec.rows, spec.cols]).toEqual([3, 4])
    const given = topologySpecOf(experimentFrom({ swarm: { peers: 12 }, topology: { kind: 'grid', rows: 2 } }))
    expect([given.rows, given.cols]).toEqual([2, 6])
  })
})

describe('experiment.json, the resolved experiment', () => {
  const shipped = join(import.meta.dirname, '..', '..', 'topology')
  it('reads back as the same experiment for every shipped file (what a launcher hands its processes)', async () => {
    const { readdirSync } = await import('node:fs')
    const { experimentText, portableExperiment } = await import('../../src/config/portable.js')
    const files = readdirSync(shipped).filter((f) => /\.ya?ml$/.test(f))
    expect(files.length).toBeGreaterThan(3)
    for (const f of files) {
      const loaded = loadExperiment(join(shipped, f), ['run.rounds=7'])
      const record = file(`${f}.json`, experimentText(portableExperiment(loaded.experiment, loaded.baseDir)))
      expect(loadExperiment(record).experiment, f).toEqual(portableExperiment(loaded.experiment, loaded.baseDir))
      expect(loadExperiment(record).experiment.run.rounds).toBe(7)
    }
  })

  it('makes data and key paths absolute, and compares runs without them', async () => {
    const { firstDifference, portableExperiment, runDifference } = await import('../../src/config/portable.js')
    const e = experimentFrom({
      swarm: { peers: 4, key_file: 'k/swarm.key' },
      problem: { kind: 'csv', path: 'data.csv' },
    })
    const p = portableExperiment(e, '/srv/exp')
    expect(p.swarm.key_file).toBe('/srv/exp/k/swarm.key')
    expect(p.problem.kind === 'csv' && p.problem.path).toBe('/srv/exp/data.csv')
    expect(runDifference(JSON.parse(JSON.stringify(p)), portableExperiment(e, '/elsewhere'))).toBeNull()
    expect(runDifference(JSON.parse(JSON.stringify(p)), { ...e, swarm: { ...e.swarm, peers: 5 } })).toBe(
      'swarm.peers: 4 there, 5 here',
    )
    expect(firstDifference({ a: [1, 2] }, { a: [1, 3] })).toBe('a.1: 2 there, 3 here')
    expect(firstDifference({ a: 1 }, { a: 1, b: null })).toBe('b: absent there, null here')
  })
})
