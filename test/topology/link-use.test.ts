/**
 * linkUses (how each link is used over a list of rounds) on hand-made rounds, and roundsLabel's short form.
 */
import { describe, expect, it } from 'vitest'
import { roundFromArcs } from '../../src/topology/dynamics.js'
import { linkUses, roundsLabel } from '../../src/topology/link-use.js'

describe('linkUses', () => {
  it('splits each link into the rounds it is used both ways, only i -> j and only j -> i', () => {
    const oneWay = roundFromArcs(3, [
      [0, 1],
      [2, 1],
    ])
    const twoWay = roundFromArcs(3, [
      [0, 1],
      [1, 0],
    ])
    expect(linkUses(3, [oneWay, twoWay, oneWay])).toEqual([
      { i: 0, j: 1, both: [1], forward: [0, 2], backward: [] },
      { i: 1, j: 2, both: [], forward: [], backward: [0, 2] },
    ])
  })

  it('a long period of one graph held: every round listed, read once', () => {
    const ring = roundFromArcs(3, [
      [0, 1],
      [1, 2],
      [2, 0],
    ])
    const uses = linkUses(
      3,
      Array.from({ length: 200_000 }, () => ring),
    )
    expect(uses.map((u) => [u.i, u.j, u.forward.length + u.backward.length])).toEqual([
      [0, 1, 200_000],
      [0, 2, 200_000],
      [1, 2, 200_000],
    ])
  })
})

describe('roundsLabel', () => {
  it('writes runs of three or more as ranges and cuts long labels', () => {
    expect(roundsLabel([0, 2])).toBe('0,2')
    expect(roundsLabel([0, 1])).toBe('0,1')
    expect(roundsLabel([0, 1, 2, 3, 8])).toBe('0-3,8')
    expect(roundsLabel([])).toBe('')
    const long = roundsLabel(Array.from({ length: 40 }, (_, k) => 3 * k))
    expect(long).toHaveLength(24)
    expect(long.endsWith('…')).toBe(true)
  })
})
