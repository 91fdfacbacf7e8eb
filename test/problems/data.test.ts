import { describe, expect, it } from 'vitest'
import { ProblemError, parseCsvProblem, plantedProblem, plantedShard, shardRows } from '../../src/problems/index.js'
import type { ProblemSpec } from '../../src/problems/types.js'
import { thrownBy } from '../helpers/errors.js'

const planted = (
  extra: Partial<Extract<ProblemSpec, { kind: 'planted' }>> = {},
): Extract<ProblemSpec, { kind: 'planted' }> => ({
  kind: 'planted',
  loss: 'squared',
  dim: 1000,
  samples_per_peer: 2,
  seed: 1,
  noise: 0,
  classes: 3,
  feature_scale: 'unit-norm',
  ...extra,
})

const csv = (extra: Partial<Extract<ProblemSpec, { kind: 'csv' }>> = {}): Extract<ProblemSpec, { kind: 'csv' }> => ({
  kind: 'csv',
  path: 'data.csv',
  loss: 'squared',
  target: 'y',
  header: true,
  shard: 'contiguous',
  delimiter: ',',
  classes: 0,
  ...extra,
})

const errorOf = (fn: () => unknown): ProblemError => thrownBy(fn, ProblemError)

describe('planted problems', () => {
  it('have rows of norm about 1 (unit-norm), targets y = X w* exactly without noise, and per-peer shards', () => {
    const p = plantedProblem(planted(), 10)
    let sq = 0
    for (const shard of p.shards) {
      for (let s = 0; s < shard.rows; s++) {
        let norm = 0
        let z = 0
        for (let k = 0; k < shard.dim; k++) {
          norm += shard.features[s * shard.dim + k]! ** 2
          z += shard.features[s * shard.dim + k]! * p.planted![k]!
        }
        sq += norm / 20
        expect(shard.targets[s]).toBe(z)
      }
    }
    expect(Math.abs(sq - 1)).toBeLessThan(0.05)
    expect(plantedShard(planted(), 7)).toEqual(p.shards[7])
    expect(plantedProblem(planted({ seed: 2 }), 10).shards[0]!.features).not.toEqual(p.shards[0]!.features)
  })

  it('give logistic 0/1 labels, softmax class labels and relu nonnegative targets', () => {
    const l = plantedProblem(planted({ loss: 'logistic', dim: 10 }), 4)
    for (const s of l.shards) for (const y of s.targets) expect([0, 1]).toContain(y)
    const sm = plantedProblem(planted({ loss: 'softmax', dim: 10, classes: 4 }), 4)
    expect(sm.paramDim).toBe(40)
    for (const s of sm.shards) for (const y of s.targets) expect([0, 1, 2, 3]).toContain(y)
    const r = plantedProblem(planted({ loss: 'relu', dim: 10, feature_scale: 'standard' }), 4)
    for (const s of r.shards) for (const y of s.targets) expect(y).toBeGreaterThanOrEqual(0)
    expect(errorOf(() => plantedProblem(planted({ loss: 'softmax', classes: 1 }), 2)).message).toMatch(
      /^problem.classes:/,
    )
  })
})

describe('CSV problems', () => {
  const text = 'a,b,y\n' + Array.from({ length: 10 }, (_, r) => `${r},${2 * r},${3 * r}`).join('\n') + '\n'

  it('shards contiguous blocks of ceil(rows/peers) rows and round-robin rows', () => {
    expect(shardRows(10, 3, 'contiguous')).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ])
    expect(shardRows(10, 3, 'round-robin')).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7],
      [2, 5, 8],
    ])
    const p = parseCsvProblem(text, 'data.csv', csv(), 3)
    expect(p.dim).toBe(2)
    expect(Array.from(p.shards[2]!.targets)).toEqual([24, 27])
    expect(Array.from(p.shards[2]!.features)).toEqual([8, 16, 9, 18])
    expect(p.shards[0]!.sourceRows).toEqual([2, 3, 4, 5]) // file lines
    const rr = parseCsvProblem(text, 'data.csv', csv({ shard: 'round-robin' }), 3)
    expect(Array.from(rr.shards[1]!.targets)).toEqual([3, 12, 21])
  })

  it('finds the target by name, by index and by negative index; reads files without a header and with CRLF', () => {
    const byIndex = parseCsvProblem(text, 'data.csv', csv({ target: 0 }), 2)
    expect(Array.from(byIndex.shards[0]!.targets.subarray(0, 2))).toEqual([0, 1])
    expect(Array.from(byIndex.shards[0]!.features.subarray(0, 2))).toEqual([0, 0])
    const last = parseCsvProblem(text, 'data.csv', csv({ target: -1 }), 2)
    expect(last.shards[0]!.targets[1]).toBe(3)
    const bare = parseCsvProblem('1,2,3\r\n4,5,6\r\n', 'bare.csv', csv({ header: false, target: -1 }), 2)
    expect(Array.from(bare.shards[1]!.features)).toEqual([4, 5])
  })

  it('names the file, line and column of every malformed input', () => {
    expect(errorOf(() => parseCsvProblem('a,b,y\n1,2,3\n4,5\n', 'd.csv', csv(), 1)).message).toBe(
      'd.csv:3: ragged row: 2 fields, expected 3 (from the header at line 1)',
    )
    expect(errorOf(() => parseCsvProblem('a,b,y\n1,2,3\n\n4,abc,6\n', 'd.csv', csv(), 1)).message).toBe(
      'd.csv:4: column 2 ("b"): not a number: "abc"',
    )
    expect(errorOf(() => parseCsvProblem('', 'd.csv', csv(), 1)).message).toBe('d.csv: empty file (no rows)')
    expect(errorOf(() => parseCsvProblem('a,b,y\n', 'd.csv', csv(), 1)).code).toBe('CSV_EMPTY')
    expect(errorOf(() => parseCsvProblem('a,b,y\n1,2,3\n4,5,6\n7,8,9\n', 'd.csv', csv(), 4)).message).toBe(
      'd.csv: 3 data rows for 4 peers: each peer needs at least one row',
    )
    expect(errorOf(() => parseCsvProblem('a,b,c\n1,2,3\n', 'd.csv', csv(), 1)).message).toBe(
      'd.csv:1: target column "y" not found in header (columns: a, b, c)',
    )
    expect(errorOf(() => parseCsvProblem('a,y\n1,0\n2,2\n', 'd.csv', csv({ loss: 'logistic' }), 1)).message).toBe(
      'd.csv:3: column 2 ("y"): logistic target must be 0 or 1, got 2',
    )
    // contiguous blocks of ceil(5/4) = 2 rows leave the last peer empty
    expect(errorOf(() => parseCsvProblem('a,y\n1,1\n2,2\n3,3\n4,4\n5,5\n', 'd.csv', csv(), 4)).message).toMatch(
      /leaves peer 3 with no rows/,
    )
  })
})
