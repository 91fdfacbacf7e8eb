/**
 * The lattice of a `grid` or `torus` topology: its shape, said wherever the topology is named (`torus 2 x 4`), and a
 * warning when it degenerates. Pure.
 *
 * With rows and cols left out, the shape is the most nearly square factorisation of the number of peers, which for
 * a prime number of peers is 1 x n: a torus of 7 peers is a ring, a grid of 7 a path. A side of 2 wraps onto the
 * same neighbour, so a 2 x 4 torus has degree 3, not 4.
 */

/** The most nearly square factorisation rows x cols = n with rows <= cols. */
export function nearSquare(n: number): { rows: number; cols: number } {
  let rows = Math.floor(Math.sqrt(n))
  while (rows > 1 && n % rows !== 0) rows--
  return { rows, cols: n / rows }
}

export interface LatticeTopology {
  kind: string
  rows?: number | undefined
  cols?: number | undefined
}

/** rows x cols of a grid or torus (from the fields given, else near-square); null for other kinds. */
export function latticeShape(topology: LatticeTopology, n: number): { rows: number; cols: number } | null {
  if (topology.kind !== 'grid' && topology.kind !== 'torus') return null
  const auto = nearSquare(n)
  const rows = topology.rows ?? (topology.cols ? n / topology.cols : auto.rows)
  const cols = topology.cols ?? (topology.rows ? n / topology.rows : auto.cols)
  return { rows, cols }
}

/** `torus 2 x 4`, `grid 4 x 4`, or the kind alone. */
export function topologyName(topology: LatticeTopology, n: number): string {
  const shape = latticeShape(topology, n)
  return shape ? `${topology.kind} ${shape.rows} x ${shape.cols}` : topology.kind
}

/** One line when a grid or torus has a side of 1 or 2 (what it is instead), else null. */
export function latticeWarning(topology: LatticeTopology, n: number): string | null {
  const shape = latticeShape(topology, n)
  if (!shape || n < 2) return null
  const { rows, cols } = shape
  const name = `${topology.kind} ${rows} x ${cols}`
  const fix = `set topology.rows and topology.cols${nearSquare(n).rows === 1 ? `, or a number of peers that is not prime (${n} is)` : ''}`
  if (Math.min(rows, cols) === 1) return `topology: ${name} is a ${topology.kind === 'torus' ? 'ring' : 'path'}: ${fix}`
  if (Math.min(rows, cols) === 2) {
    const what =
      topology.kind === 'torus'
        ? `a side of 2 wraps onto the same neighbour, so peers have degree ${rows === 2 && cols === 2 ? 2 : 3}, not 4`
        : 'a ladder: a side of 2'
    return `topology: ${name}: ${what}; ${fix}`
  }
  return null
}
