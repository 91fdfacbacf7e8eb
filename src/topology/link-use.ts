/**
 * How each link of a graph is used over a list of rounds (pure): in which rounds it carries messages both ways, and
 * in which only one way, and which way. The report's topology picture labels and points its links with this; it
 * reads the round graphs of `Dynamics` (dynamics.ts) and changes nothing.
 */
import type { RoundEdges } from './types.js'

/** One link {i, j}, i < j, and the rounds (indices into the list given, ascending) it is used in. */
export interface LinkUse {
  readonly i: number
  readonly j: number
  /** i sends to j and j to i */
  readonly both: readonly number[]
  /** only i sends to j */
  readonly forward: readonly number[]
  /** only j sends to i */
  readonly backward: readonly number[]
}

/**
 * Every link used in some round of `rounds` (round t = rounds[t]), sorted by (i, j). Rounds that are the same
 * object (a cycled graph holds one object per distinct round graph) are read once, so a long period of a few
 * distinct graphs costs the period plus the distinct graphs' arcs.
 */
export function linkUses(n: number, rounds: readonly RoundEdges[]): LinkUse[] {
  const byGraph = new Map<RoundEdges, number[]>()
  rounds.forEach((round, t) => {
    const list = byGraph.get(round)
    if (list) list.push(t)
    else byGraph.set(round, [t])
  })
  type Open = { i: number; j: number; both: number[]; forward: number[]; backward: number[] }
  const links = new Map<number, Open>()
  for (const [round, ts] of byGraph) {
    round.out.forEach((targets, a) => {
      for (const b of targets) {
        const back = round.out[b]!.includes(a)
        if (back && b < a) continue // the pair is met once, from its lower end
        const [i, j] = a < b ? [a, b] : [b, a]
        const key = i * n + j
        let link = links.get(key)
        if (!link) links.set(key, (link = { i, j, both: [], forward: [], backward: [] }))
        const into = back ? link.both : a === i ? link.forward : link.backward
        for (const t of ts) into.push(t) // not push(...ts): a long period would overflow the call's arguments
      }
    })
  }
  const ascending = (a: number, b: number): number => a - b
  return [...links.values()]
    .sort((x, y) => x.i - y.i || x.j - y.j)
    .map((l) => ({
      ...l,
      both: l.both.sort(ascending),
      forward: l.forward.sort(ascending),
      backward: l.backward.sort(ascending),
    }))
}

/**
 * Rounds as a short label: ascending, runs of three or more written as a range ("0,2", "0-3,8"), cut to `max`
 * characters with an ellipsis.
 */
export function roundsLabel(rounds: readonly number[], max = 24): string {
  const parts: string[] = []
  for (let k = 0; k < rounds.length;) {
    let end = k
    while (end + 1 < rounds.length && rounds[end + 1] === rounds[end]! + 1) end++
    if (end - k >= 2) parts.push(`${rounds[k]}-${rounds[end]}`)
    else for (let m = k; m <= end; m++) parts.push(String(rounds[m]))
    k = end + 1
  }
  const text = parts.join(',')
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
