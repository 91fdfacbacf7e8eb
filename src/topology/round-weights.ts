/**
 * The weights of the decentralized methods in round t (pure; docs/algorithms.md "Graphs that change, graphs that
 * point one way"):
 *
 * - mixing (dsgd, gradient-tracking), row-stochastic: Metropolis-Hastings on the round's graph when its links go both
 *   ways, W_ij = 1 / (1 + max(deg_i, deg_j)); on a graph with one-way links, the plain average of what a peer hears,
 *   W_ij = 1 / (1 + |in_i|) for j in in_i and j = i (doubly stochastic when every in-degree is the same);
 * - pushing (push-sum, push-diging), column-stochastic: a peer keeps and sends the share 1 / (1 + |out_j|) of its
 *   mass to itself and to each peer it sends to.
 */
import { Matrix } from 'ml-matrix'
import { roundEdges } from './dynamics.js'
import { metropolisWeights } from './matrices.js'
import type { Graph } from './types.js'

/** Peer i's row of round t's mixing matrix: whom it hears, their weights (aligned, ascending), and its own. */
export interface MixingRow {
  readonly from: readonly number[]
  readonly weights: ArrayLike<number>
  readonly self: number
}

const staticRows = new WeakMap<Graph, MixingRow[]>()

export function mixingRow(graph: Graph, t: number, i: number): MixingRow {
  if (!graph.dynamics) {
    let rows = staticRows.get(graph)
    if (!rows) {
      const m = metropolisWeights(graph)
      rows = graph.neighbours.map((from, k) => ({ from, weights: m.neighbour[k]!, self: m.self[k]! }))
      staticRows.set(graph, rows)
    }
    return rows[i]!
  }
  const round = roundEdges(graph, t)
  const from = round.in[i]!
  if (graph.dynamics.directed) {
    const share = 1 / (1 + from.length)
    return { from, weights: from.map(() => share), self: share }
  }
  const degree = from.length
  const weights = from.map((j) => 1 / (1 + Math.max(degree, round.in[j]!.length)))
  let sum = 0
  for (const w of weights) sum += w
  return { from, weights, self: 1 - sum }
}

/** The share of peer j's mass that each of its round-t receivers, and j itself, gets: 1 / (1 + |out_j|). */
export function pushShare(graph: Graph, t: number, j: number): number {
  return 1 / (1 + roundEdges(graph, t).out[j]!.length)
}

/** Round t's mixing matrix W (dense), row i = mixingRow(i). */
export function roundMixingMatrix(graph: Graph, t: number): Matrix {
  const W = Matrix.zeros(graph.n, graph.n)
  for (let i = 0; i < graph.n; i++) {
    const row = mixingRow(graph, t, i)
    W.set(i, i, row.self)
    row.from.forEach((j, k) => W.set(i, j, row.weights[k]!))
  }
  return W
}

/** Round t's push matrix P (dense, column-stochastic): P_ij = share of j for j = i or i among j's receivers. */
export function roundPushMatrix(graph: Graph, t: number): Matrix {
  const P = Matrix.zeros(graph.n, graph.n)
  const round = roundEdges(graph, t)
  for (let j = 0; j < graph.n; j++) {
    const share = pushShare(graph, t, j)
    P.set(j, j, share)
    for (const i of round.out[j]!) P.set(i, j, share)
  }
  return P
}

/** Whether every column of round t's mixing matrix sums to 1 too (to 1e-12). */
export function isDoublyStochastic(graph: Graph, t: number): boolean {
  const W = roundMixingMatrix(graph, t)
  for (let j = 0; j < graph.n; j++) {
    let sum = 0
    for (let i = 0; i < graph.n; i++) sum += W.get(i, j)
    if (Math.abs(sum - 1) > 1e-12) return false
  }
  return true
}
