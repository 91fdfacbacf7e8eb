/**
 * The one error contract (src/util/errors.ts): every error meshgd throws on purpose says what it means to the command
 * line (input: exit 2, failure: 1, interrupted: 130), keeps its code and field across a worker thread, and the command
 * line maps it by that alone: no class names, no regular expressions over messages.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AlgorithmError } from '../../src/algorithms/step-base.js'
import { exitStatusOf } from '../../src/cli/process.js'
import { WireError } from '../../src/codec/index.js'
import { ConfigError } from '../../src/config/errors.js'
import { LabError } from '../../src/lab/netns.js'
import { SwarmKeyError } from '../../src/net/identity.js'
import { AddressError } from '../../src/observe/addresses.js'
import { CheckpointError, CheckpointMismatch } from '../../src/peer/checkpoint.js'
import { PeerError } from '../../src/peer/errors.js'
import { ProblemError } from '../../src/problems/errors.js'
import { SwarmError } from '../../src/swarm/gather.js'
import { TopologyError } from '../../src/topology/graphs.js'
import { isInputError, MeshgdError, prefixed, reviveError, serializeError } from '../../src/util/errors.js'

const EXPECTED: ReadonlyArray<[MeshgdError, number]> = [
  [new ConfigError('CONFIG_INVALID', 'bad', 'run.rounds'), 2],
  [new TopologyError('INVALID', 'bad', 'topology.degree'), 2],
  [new ProblemError('CSV_RAGGED', 'data.csv:3: ragged row'), 2],
  [new AlgorithmError('BAD_OPTION', 'bad', 'algorithm.mu'), 2],
  [new SwarmKeyError('swarm.key: not a key'), 2],
  [new AddressError('--dashboard 127.0.0.1:1: in use'), 2],
  [new PeerError('INDEX_TAKEN', 'peer 3 is live elsewhere'), 2],
  [new PeerError('NEIGHBOUR_TIMEOUT', 'silent'), 1],
  [new LabError('BAD_NETWORK', 'network.links: bad'), 2],
  [new LabError('NOT_ROOT', 'needs root'), 1],
  [new SwarmError('MISSING_OUTPUT', 'no outputs'), 2],
  [new SwarmError('PEER_FAILED', 'peer 2 exited 1'), 1],
  [new SwarmError('INTERRUPTED', 'stopped'), 130],
  [new CheckpointError('damaged'), 1],
  [new CheckpointMismatch('another run'), 1],
  [new WireError('NON_FINITE', 'NaN'), 1],
]

describe('MeshgdError', () => {
  it('every class says its exit status by its outcome, and keeps its code and name', () => {
    for (const [err, status] of EXPECTED) {
      expect(err).toBeInstanceOf(MeshgdError)
      expect([err.name, exitStatusOf(err)]).toEqual([err.constructor.name, status])
      expect(isInputError(err)).toBe(status === 2)
    }
    expect(new CheckpointMismatch('x')).toBeInstanceOf(CheckpointError)
    expect(new CheckpointMismatch('x').code).toBe('CHECKPOINT_MISMATCH')
  })

  it('puts the field before the message and keeps it apart', () => {
    const err = new TopologyError('INVALID', 'must be even', 'topology.degree')
    expect(err.message).toBe('topology.degree: must be even')
    expect(err.field).toBe('topology.degree')
    expect(new ConfigError('CONFIG_READ', 'x.yaml: cannot read').field).toBeUndefined()
  })

  it('crosses a worker thread whole (structured clone), and a bug stays a plain Error', () => {
    for (const [err] of EXPECTED) {
      const back = reviveError(structuredClone(serializeError(err))) as MeshgdError
      expect(back).toBeInstanceOf(MeshgdError)
      expect([back.name, back.code, back.message, back.outcome, back.field]).toEqual([
        err.name,
        err.code,
        err.message,
        err.outcome,
        err.field,
      ])
    }
    const bug = reviveError(structuredClone(serializeError(new TypeError('x is undefined'))))
    expect(bug).not.toBeInstanceOf(MeshgdError)
    expect([bug.name, bug.message]).toEqual(['TypeError', 'x is undefined'])
  })

  it('prefixed keeps what the error means', () => {
    const err = prefixed(new SwarmError('INTERRUPTED', 'stopped'), 'cell a=1') as MeshgdError
    expect([err.message, err.outcome, err.code]).toEqual(['cell a=1: stopped', 'interrupted', 'INTERRUPTED'])
    expect(prefixed(new Error('boom'), 'cell')).not.toBeInstanceOf(MeshgdError)
  })

  it('is mapped by the command line without class names or patterns over messages', () => {
    const dir = join(import.meta.dirname, '..', '..', 'src', 'cli')
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
    const offending = files.filter((f) =>
      /\.name === '[A-Z]\w*Error'|Error_NAMES|withLocation/.test(readFileSync(join(dir, f), 'utf8')),
    )
    expect(offending).toEqual([])
  })
})
