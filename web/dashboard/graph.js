// The dashboard page's graph (loaded before dashboard.js, which holds the page's state and calls drawGraphFrame and
// drawPeers): peers on a circle or their grid, each coloured by its relative error and marked live, down or done.
// A graph that changes from round to round or points one way is drawn as the graph of the swarm's round (the round
// counter's), with an arrow on each link used one way that round: picked as t mod period from the meta's round graphs
// (sent once), or, for a graph that never repeats, the round's graph the server sends as the round moves on
// (src/dashboard/round-graph.ts). A static undirected graph is drawn as its edges, as always.
'use strict'
/* global state, $, fmt */
/* exported drawGraphFrame, drawPeers */

const SVG_NS = 'http://www.w3.org/2000/svg'
/** Where the frame put the peers, and their radius: the round's arcs start and end at the dots' rims. */
const frame = { at: () => [0, 0], r: 0 }

function peerCount() {
  const heard = [...state.peers.keys()]
  return Math.max(state.meta?.peers ?? 0, heard.length ? Math.max(...heard) + 1 : 0)
}

/** Peers on a circle, edges where the graph is known; redrawn when the number of peers changes. */
function drawGraphFrame() {
  const svg = $('graph')
  const n = peerCount()
  if (Number(svg.dataset.peers) === n) return
  svg.dataset.peers = String(n)
  svg.replaceChildren()
  const grid = state.meta?.positions?.length === n ? state.meta.positions : null
  const at = (i) => grid?.[i] ?? [Math.cos((2 * Math.PI * i) / n - Math.PI / 2), Math.sin((2 * Math.PI * i) / n - Math.PI / 2)]
  const ns = SVG_NS
  const step = grid ? Math.min(...grid.slice(1).map((p, k) => Math.hypot(p[0] - grid[k][0], p[1] - grid[k][1])).filter((d) => d > 0), 2) : 0
  for (const [i, j] of state.meta?.edges ?? []) svg.append(edge(ns, at(i), at(j), grid && Math.hypot(at(i)[0] - at(j)[0], at(i)[1] - at(j)[1]) > 1.5 * step))
  const r = Math.min(0.12, grid ? 0.3 * step : 2.2 / Math.max(n, 1))
  Object.assign(frame, { at, r })
  svg.append(arrowHead(r), Object.assign(document.createElementNS(ns, 'g'), { id: 'round-arcs' }))
  for (let i = 0; i < n; i++) {
    const [x, y] = at(i)
    const c = document.createElementNS(ns, 'circle')
    c.setAttribute('class', 'peer'); c.setAttribute('cx', x); c.setAttribute('cy', y); c.setAttribute('r', r)
    c.dataset.peer = String(i); c.dataset.state = 'unheard'; c.setAttribute('fill', '#edf2f7')
    const title = document.createElementNS(ns, 'title')
    c.append(title)
    svg.append(c)
    if (n <= 64) {
      const label = document.createElementNS(ns, 'text')
      label.setAttribute('x', x); label.setAttribute('y', y); label.textContent = String(i)
      svg.append(label)
    }
  }
}

/** An edge: straight, or bowed outwards when it wraps around a torus (so it does not hide the grid's own edges). */
function edge(ns, a, b, wraps) {
  const path = document.createElementNS(ns, 'path')
  path.setAttribute('class', 'edge')
  const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]
  const bow = wraps ? 0.25 : 0
  const normal = [-(b[1] - a[1]), b[0] - a[0]]
  const length = Math.hypot(normal[0], normal[1]) || 1
  const control = [mid[0] + (bow * normal[0]) / length, mid[1] + (bow * normal[1]) / length]
  path.setAttribute('d', `M ${a[0]} ${a[1]} Q ${control[0]} ${control[1]} ${b[0]} ${b[1]}`)
  return path
}

/** The arrow head a one-way arc ends in, its tip at the arc's end, sized with the dots. */
function arrowHead(r) {
  const defs = document.createElementNS(SVG_NS, 'defs')
  const marker = document.createElementNS(SVG_NS, 'marker')
  const side = Math.max(0.025, Math.min(0.06, 0.6 * r))
  const attributes = { id: 'arrow-head', viewBox: '0 0 10 10', refX: 10, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: side, markerHeight: side, orient: 'auto' }
  for (const [k, v] of Object.entries(attributes)) marker.setAttribute(k, v)
  const head = document.createElementNS(SVG_NS, 'path')
  head.setAttribute('d', 'M 0 0 L 10 5 L 0 10 z')
  marker.append(head)
  defs.append(marker)
  return defs
}

function drawPeers(views) {
  if (Number($('graph').dataset.peers) !== peerCount()) drawGraphFrame()
  for (const v of views) {
    const c = $('graph').querySelector(`circle.peer[data-peer="${v.peer}"]`)
    if (!c) continue
    c.dataset.state = v.state
    c.dataset.round = String(v.round)
    c.setAttribute('fill', errorColour(v.relative_error))
    c.firstChild.textContent = `peer ${v.peer}: ${v.state}, round ${v.round}, relative error ${fmt(v.relative_error)}`
  }
  drawRound(views)
}

/** The swarm's round, as the round counter says it and the server reads it: the latest round a peer is at. */
function currentRound(views) {
  return views.length ? Math.max(...views.map((v) => v.round)) : null
}

/** The graph to draw now: { key, round, out, caption }, or null where the edges say it all (or nothing is known). */
function roundGraph(views) {
  const rg = state.meta?.round_graphs
  if (!rg) return null
  const arrows = rg.directed ? '; arrows: one way' : ''
  if (rg.graphs && rg.order) {
    const round = currentRound(views)
    if (round === null) return null
    const g = rg.order[round % rg.period]
    const when = rg.period > 1 ? `round ${round}, t mod ${rg.period} = ${round % rg.period}` : 'every round'
    return { key: `g${g}`, out: rg.graphs[g], caption: `${when}${arrows}` }
  }
  const now = state.roundNow
  if (!now) return null
  return { key: `r${now.round}`, out: now.out, caption: `round ${now.round}${rg.period === null ? ', never repeating' : ''}${arrows}` }
}

/** The round's arcs in place of the edges, redrawn when the round's graph changes. */
function drawRound(views) {
  const svg = $('graph')
  const group = $('round-arcs')
  const now = roundGraph(views)
  $('graph-round').textContent = now ? now.caption : ''
  svg.dataset.rounds = now ? 'on' : 'off'
  if (!group || group.dataset.key === (now?.key ?? '')) return
  group.dataset.key = now?.key ?? ''
  group.replaceChildren()
  if (!now) return
  now.out.forEach((targets, i) => {
    for (const j of targets) {
      const oneWay = !(now.out[j] ?? []).includes(i)
      if (!oneWay && j < i) continue
      const line = arc(frame.at(i), frame.at(j), oneWay)
      Object.assign(line.dataset, { from: i, to: j })
      group.append(line)
    }
  })
}

/** A link of the round from rim to rim, with a head at b where it is used one way. */
function arc(a, b, oneWay) {
  const length = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1
  const ux = (b[0] - a[0]) / length, uy = (b[1] - a[1]) / length
  const line = document.createElementNS(SVG_NS, 'line')
  const ends = { x1: a[0] + ux * frame.r, y1: a[1] + uy * frame.r, x2: b[0] - ux * frame.r, y2: b[1] - uy * frame.r }
  for (const [k, v] of Object.entries(ends)) line.setAttribute(k, v)
  line.setAttribute('class', oneWay ? 'arc one-way' : 'arc')
  if (oneWay) line.setAttribute('marker-end', 'url(#arrow-head)')
  return line
}

// The error colours, the same as the report's topology picture (src/report/plots/error-colours.ts): log10 of the
// relative error on a fixed scale, green at 1e-12 and below, red at 1 and above, so noise at the floor stays green.
const ERROR_COLOURS = { low: 1e-12, high: 1, from: [56, 161, 105], to: [229, 62, 62] }

/** A relative error's colour; grey-blue without a reference. */
function errorColour(e) {
  if (e === null || e === undefined || !Number.isFinite(e)) return '#90cdf4'
  const { low, high, from, to } = ERROR_COLOURS
  const t = e <= low ? 0 : e >= high ? 1 : (Math.log10(e) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))
  const mix = (k) => Math.round(from[k] + (to[k] - from[k]) * t)
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`
}
