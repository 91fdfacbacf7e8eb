/**
 * What the graph builders share (pure): the error of a graph that cannot be built, naming its field, and the set of
 * undirected edges they fill.
 */
import { MeshgdError } from '../util/errors.js'

export class TopologyError extends MeshgdError<'INVALID' | 'DISCONNECTED'> {
  override readonly name = 'TopologyError'
  constructor(code: TopologyError['code'], message: string, field?: string) {
    super(code, message, { outcome: 'input', ...(field ? { field } : {}) })
  }
}

/** An input error about `topology.<field>`. */
export function invalid(field: string, message: string): TopologyError {
  return new TopologyError('INVALID', message, `topology.${field}`)
}

/** Accumulates undirected edges without duplicates or self-loops. */
export class EdgeSet {
  private readonly keys = new Set<number>()
  readonly list: Array<[number, number]> = []
  constructor(private readonly n: number) {}

  add(i: number, j: number): boolean {
    if (i === j) return false
    const a = Math.min(i, j)
    const b = Math.max(i, j)
    const key = a * this.n + b
    if (this.keys.has(key)) return false
    this.keys.add(key)
    this.list.push([a, b])
    return true
  }

  has(i: number, j: number): boolean {
    return this.keys.has(Math.min(i, j) * this.n + Math.max(i, j))
  }

  remove(i: number, j: number): void {
    const a = Math.min(i, j)
    const b = Math.max(i, j)
    this.keys.delete(a * this.n + b)
    const at = this.list.findIndex(([x, y]) => x === a && y === b)
    if (at >= 0) this.list.splice(at, 1)
  }
}
