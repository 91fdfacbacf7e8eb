/**
 * The combine of the decentralized methods (dsgd, gradient-tracking, push-sum, push-diging): round t's weights
 * (src/topology/round-weights.ts) applied to this peer's message and what its round-t senders sent, in the one
 * summation order of mixing.ts (ascending peer index, the peer's own term at its place).
 */
import { mixingRow, pushShare, roundEdges } from '../topology/index.js'
import type { Graph } from '../topology/types.js'
import { mixInto } from './mixing.js'

export class RoundMixer {
  /** each neighbour's position in the inbox (the graph's neighbour order) */
  private readonly position: ReadonlyMap<number, number>

  constructor(
    private readonly graph: Graph,
    private readonly index: number,
  ) {
    this.position = new Map(graph.neighbours[index]!.map((j, k) => [j, k]))
  }

  /**
   * out = sum over j in in_i(t) and j = i of W_ij v_j (row-stochastic); a sender whose message is missing (down)
   * is left out and its weight falls to W_ii, so the row still sums to 1.
   */
  mix(out: Float64Array, t: number, own: Float64Array, inbox: ReadonlyArray<Float64Array | null>): Float64Array {
    const row = mixingRow(this.graph, t, this.index)
    const indices: number[] = []
    const vectors: Float64Array[] = []
    const weights: number[] = []
    let self = row.self
    row.from.forEach((j, k) => {
      const v = inbox[this.position.get(j)!]
      if (v) {
        indices.push(j)
        vectors.push(v)
        weights.push(row.weights[k]!)
      } else self += row.weights[k]!
    })
    return mixInto(out, this.index, own, self, indices, vectors, weights)
  }

  /**
   * The share of its mass a pushing peer keeps and sends to each receiver in round t: 1 / (1 + receivers), the
   * round's out-neighbours unless `receivers` says fewer (column-stochastic).
   */
  share(t: number, receivers?: readonly number[]): number {
    return receivers ? 1 / (1 + receivers.length) : pushShare(this.graph, t, this.index)
  }

  /**
   * out = sum over j in in_i(t) and j = i of the shares they sent (each message already scaled by its sender's
   * share, `own` by this peer's). A missing message is left out, and the mass it carried is lost to the swarm.
   */
  push(out: Float64Array, t: number, own: Float64Array, inbox: ReadonlyArray<Float64Array | null>): Float64Array {
    const from = roundEdges(this.graph, t).in[this.index]!
    const indices: number[] = []
    const vectors: Float64Array[] = []
    for (const j of from) {
      const v = inbox[this.position.get(j)!]
      if (!v) continue
      indices.push(j)
      vectors.push(v)
    }
    return mixInto(
      out,
      this.index,
      own,
      1,
      indices,
      vectors,
      vectors.map(() => 1),
    )
  }
}
