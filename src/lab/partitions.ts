/**
 * The network lab's partition schedule (`network.partition`): which peer pairs each partition separates, checked
 * against the swarm, and the driver that cuts and heals them in the link emulator as the swarm's rounds pass.
 */
import type { ChildProcess } from 'node:child_process'
import type { ExperimentInput } from '../config/schema.js'
import { LabError } from './lab-error.js'

/** The partition schedule's links as [a, b] peer pairs, checked against the swarm (one line naming the field). */
export function partitionLinks(
  network: ExperimentInput['network'],
  peers: number,
): Array<{ at: number; heal: number; links: Array<[number, number]> }> {
  const check = (field: string, i: number): void => {
    if (i >= peers) throw new LabError('BAD_NETWORK', `${field}: peer ${i} is not in this swarm of ${peers}`)
  }
  network.links.forEach((l, k) => {
    check(`network.links[${k}].a`, l.a)
    check(`network.links[${k}].b`, l.b)
  })
  return network.partition.map((p, k) => {
    const links: Array<[number, number]> = []
    if (p.cut) {
      p.cut.forEach(([a, b], e) => {
        check(`network.partition[${k}].cut[${e}]`, Math.max(a, b))
        links.push([a, b])
      })
    } else {
      const groups = p.groups!
      groups.flat().forEach((i) => check(`network.partition[${k}].groups`, i))
      for (let g = 0; g < groups.length; g++)
        for (let h = g + 1; h < groups.length; h++)
          for (const a of groups[g]!) for (const b of groups[h]!) links.push([a, b])
    }
    return { at: p.at_round, heal: p.heal_round, links }
  })
}

/** Cuts and heals the schedule's partitions as the swarm's rounds pass them (each once). */
export function partitionDriver(
  schedule: ReturnType<typeof partitionLinks>,
  graphEdges: ReadonlySet<string>,
  emulator: ChildProcess,
  log: (line: string) => void,
): (round: number) => void {
  const state = schedule.map(() => ({ cut: false, healed: false }))
  const command = (verb: 'cut' | 'heal', links: ReadonlyArray<[number, number]>): void => {
    for (const [a, b] of links) emulator.stdin?.write(`${verb} ${a} ${b}\n`)
  }
  return (round) => {
    schedule.forEach((p, k) => {
      const s = state[k]!
      if (!s.cut && round >= p.at) {
        s.cut = true
        command('cut', p.links)
        log(`lab: round ${round}: partition ${k} cuts ${describeCut(p.links, graphEdges)}`)
      }
      if (s.cut && !s.healed && round >= p.heal) {
        s.healed = true
        command('heal', p.links)
        log(`lab: round ${round}: partition ${k} healed`)
      }
    })
  }
}

/**
 * What a partition cuts: the peer pairs apart (every pair across its groups: no packet crosses) and, of those, the
 * graph's edges, which are what the peers feel (`9 peer pairs, 2 of them graph edges`).
 */
export function describeCut(pairs: ReadonlyArray<readonly [number, number]>, graphEdges: ReadonlySet<string>): string {
  const edges = pairs.filter(([a, b]) => graphEdges.has(`${Math.min(a, b)} ${Math.max(a, b)}`)).length
  return `${pairs.length} peer pair${pairs.length === 1 ? '' : 's'}, ${edges} of them graph edge${edges === 1 ? '' : 's'}`
}
