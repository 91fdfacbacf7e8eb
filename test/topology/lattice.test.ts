/**
 * Grid and torus shapes (issue 25 item 11): named with their lattice wherever the topology is said, and a warning
 * in one line when one degenerates, checked against the graph built (its degrees) rather than the shape alone.
 */
import { describe, expect, it } from 'vitest'
import { buildGraph, degreeStats, latticeShape, latticeWarning, topologyName } from '../../src/topology/index.js'

const graphOf = (kind: 'grid' | 'torus', n: number, rows?: number, cols?: number): ReturnType<typeof buildGraph> => {
  const shape = latticeShape({ kind, rows, cols }, n)!
  return buildGraph({ kind, seed: 1, weights: { kind: 'unit' }, rows: shape.rows, cols: shape.cols }, n)
}

describe('lattice topologies', () => {
  it('are named with their shape; other kinds by their kind', () => {
    expect(topologyName({ kind: 'torus' }, 8)).toBe('torus 2 x 4')
    expect(topologyName({ kind: 'torus' }, 16)).toBe('torus 4 x 4')
    expect(topologyName({ kind: 'grid', rows: 2 }, 12)).toBe('grid 2 x 6')
    expect(topologyName({ kind: 'grid', cols: 3 }, 12)).toBe('grid 4 x 3')
    expect(topologyName({ kind: 'ring' }, 8)).toBe('ring')
  })

  it('warn when a side is 1 or 2, saying what the graph is, as its degrees confirm', () => {
    // 7 peers: 1 x 7, every peer of degree 2, a ring
    expect(degreeStats(graphOf('torus', 7))).toMatchObject({ min: 2, max: 2 })
    expect(latticeWarning({ kind: 'torus' }, 7)).toBe(
      'topology: torus 1 x 7 is a ring: set topology.rows and topology.cols, or a number of peers that is not prime (7 is)',
    )
    expect(latticeWarning({ kind: 'grid' }, 7)).toMatch(/^topology: grid 1 x 7 is a path: /)
    // 8 peers: 2 x 4, degree 3 (the side of 2 wraps onto the same neighbour)
    expect(degreeStats(graphOf('torus', 8))).toMatchObject({ min: 3, max: 3 })
    expect(latticeWarning({ kind: 'torus' }, 8)).toBe(
      'topology: torus 2 x 4: a side of 2 wraps onto the same neighbour, so peers have degree 3, not 4; set topology.rows and topology.cols',
    )
    expect(degreeStats(graphOf('torus', 4))).toMatchObject({ min: 2, max: 2 })
    expect(latticeWarning({ kind: 'torus' }, 4)).toMatch(/degree 2, not 4/)
    // sound lattices say nothing
    expect(degreeStats(graphOf('torus', 9))).toMatchObject({ min: 4, max: 4 })
    expect(latticeWarning({ kind: 'torus' }, 9)).toBeNull()
    expect(latticeWarning({ kind: 'grid' }, 16)).toBeNull()
    expect(latticeWarning({ kind: 'ring' }, 7)).toBeNull()
  })
})
