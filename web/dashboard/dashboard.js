// meshgd's live dashboard page: a snapshot then a stream of statuses over Server-Sent Events (/events), drawn as the
// swarm's graph (each peer coloured by its error, marked live, down or done), convergence curves with uPlot, and a
// table of every peer's counters. A reload, or a server that comes back, starts again from a fresh snapshot. The
// graph is drawn by graph.js, loaded before this file.
'use strict'
/* global drawGraphFrame, drawPeers */

const state = { swarm: null, meta: null, peers: new Map(), history: new Map(), measured: null, roundNow: null, charts: null, dirty: false }
const params = new URLSearchParams(location.search)
const PER_PEER_SERIES = 32 // above this many peers the charts show the max and the median only

const $ = (id) => document.getElementById(id)
const fmt = (x, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6) ? x.toExponential(2) : x.toFixed(digits)

function connect() {
  const source = new EventSource(`events${state.swarm ? `?swarm=${encodeURIComponent(state.swarm)}` : params.has('swarm') ? `?swarm=${encodeURIComponent(params.get('swarm'))}` : ''}`)
  source.addEventListener('open', () => setConnection('open'))
  source.addEventListener('error', () => setConnection('lost'))
  source.addEventListener('snapshot', (e) => loadSnapshot(JSON.parse(e.data)))
  source.addEventListener('meta', (e) => {
    const meta = JSON.parse(e.data)
    if (state.swarm === null) return reconnect(source, meta.swarm)
    if (meta.swarm === state.swarm) {
      state.meta = meta
      drawGraphFrame()
      schedule()
    }
  })
  source.addEventListener('status', (e) => {
    const { view, point, round_now: roundNow } = JSON.parse(e.data)
    if (state.swarm === null) return reconnect(source, view.swarm)
    if (view.swarm !== state.swarm) return listSwarm(view.swarm)
    state.peers.set(view.peer, view)
    if (point) addPoint(view.peer, point)
    if (roundNow) state.roundNow = roundNow
    schedule()
  })
  source.addEventListener('views', (e) => {
    const { swarm, peers, measured, round_now: roundNow } = JSON.parse(e.data)
    if (swarm !== state.swarm) return
    for (const v of peers) state.peers.set(v.peer, v)
    if (measured) state.measured = measured
    state.roundNow = roundNow ?? null
    schedule()
  })
}

function reconnect(source, swarm) {
  source.close()
  state.swarm = swarm
  connect()
}

function setConnection(s) {
  const el = $('connection')
  el.dataset.state = s
  el.textContent = s === 'open' ? 'connected' : s === 'lost' ? 'reconnecting' : 'connecting'
}

function loadSnapshot(body) {
  for (const id of body.swarms) listSwarm(id)
  if (!body.snapshot) return
  state.swarm = body.swarm
  state.meta = body.snapshot.meta
  state.peers = new Map(body.snapshot.peers.map((v) => [v.peer, v]))
  state.history = new Map(Object.entries(body.snapshot.history).map(([peer, curve]) => [Number(peer), curve]))
  state.measured = body.snapshot.measured ?? null
  state.roundNow = body.snapshot.round_now ?? null
  drawGraphFrame()
  schedule()
}

function listSwarm(id) {
  const select = $('swarms')
  if ([...select.options].some((o) => o.value === id)) return
  select.add(new Option(id, id, false, id === state.swarm))
  select.hidden = select.options.length < 2
}

function addPoint(peer, point) {
  const curve = state.history.get(peer) ?? []
  while (curve.length > 0 && curve[curve.length - 1][0] > point[0]) curve.pop()
  curve.push(point)
  if (curve.length > 2000) state.history.set(peer, curve.filter((_, k) => k % 2 === 0 || k === curve.length - 1))
  else state.history.set(peer, curve)
}

/** Redraw at most every 300 ms however fast statuses come. */
function schedule() {
  if (state.dirty) return
  state.dirty = true
  setTimeout(() => {
    state.dirty = false
    draw()
  }, 300)
}

/** Links to the page of each peer a browser tab holds (served beside this dashboard by meshgd swarm). */
function drawTabs(indices) {
  const tabs = $('tabs')
  tabs.hidden = indices.length === 0
  if (tabs.dataset.shown === indices.join(',')) return
  tabs.dataset.shown = indices.join(',')
  tabs.replaceChildren('browser tabs: ')
  for (const i of indices) {
    const link = document.createElement('a')
    link.href = `peer/?index=${i}`
    link.target = '_blank'
    link.textContent = `open peer ${i}`
    tabs.append(link, ' ')
  }
}

function draw() {
  $('swarm').textContent = state.swarm ?? 'waiting for a swarm'
  const views = [...state.peers.values()].sort((a, b) => a.peer - b.peer)
  const round = views.reduce((m, v) => Math.max(m, v.round), -1)
  $('round').textContent = round >= 0 ? String(round) : '-'
  $('rounds').textContent = state.meta?.rounds ? ` of ${state.meta.rounds}` : ''
  for (const s of ['live', 'down', 'done']) $(s).textContent = String(views.filter((v) => v.state === s).length)
  $('topology').textContent = state.meta?.topology ?? ''
  drawTabs(state.meta?.browser_peers ?? [])
  // each part on its own: one that fails (a chart on data it cannot draw) leaves the others standing, and says so
  const failed = []
  for (const [name, part] of [['graph', () => drawPeers(views)], ['table', () => drawTable(views)], ['charts', drawCharts]]) {
    try {
      part()
    } catch (err) {
      failed.push(`${name}: ${err.message}`)
      console.error(err)
    }
  }
  $('problem').textContent = failed.length ? `could not draw ${failed.join('; ')}` : ''
}

function drawTable(views) {
  const rows = views.map((v) => {
    const tr = document.createElement('tr')
    tr.dataset.state = v.state
    const cells = [v.peer, v.state, v.round, fmt(v.rounds_per_second, 1), fmt(v.loss, 4), fmt(v.relative_error, 4), v.bytes_sent ?? 'n/a', v.bytes_received ?? 'n/a', v.rejected ?? 'n/a']
    for (const cell of cells) tr.append(Object.assign(document.createElement('td'), { textContent: String(cell) }))
    return tr
  })
  $('peers').tBodies[0].replaceChildren(...rows)
}

// ---- the curves -----------------------------------------------------------------------------------------------

/**
 * The series aligned on every round heard (uPlot.join), each peer's value carried forward, and its max and median,
 * all as log10 of the value: the charts draw exponents on a linear axis and label them as powers of ten (uPlot's own
 * log axis ran away on a range it could not split, and threw `Invalid array length` on long runs).
 */
function curves(column) {
  const peers = [...state.history.keys()].sort((a, b) => a - b)
  const tables = peers.map((p) => {
    const curve = state.history.get(p).filter((pt) => pt[column] !== null && pt[column] > 0 && Number.isFinite(pt[column]))
    return [curve.map((pt) => pt[0]), curve.map((pt) => Math.log10(pt[column]))]
  }).filter((t) => t[0].length > 0)
  if (tables.length === 0) return null
  const joined = uPlot.join(tables)
  const xs = joined[0]
  const last = tables.map(() => null)
  const max = [], median = []
  for (let k = 0; k < xs.length; k++) {
    for (let s = 0; s < tables.length; s++) if (joined[s + 1][k] !== null && joined[s + 1][k] !== undefined) last[s] = joined[s + 1][k]
    const known = last.filter((v) => v !== null).sort((a, b) => a - b)
    max.push(known.length ? known[known.length - 1] : null)
    median.push(known.length ? known[Math.floor(known.length / 2)] : null)
  }
  return { xs, perPeer: joined.slice(1), max, median }
}

function drawCharts() {
  const error = curves(1)
  const disagreement = curves(2)
  // the summary's definition, computed by the server over every peer's curve (src/observe/measured-rate.ts)
  const m = state.measured
  $('rate-measured').textContent = m?.at_floor ? 'at the floor' : fmt(m?.rate_measured ?? null, 5)
  $('rate-predicted').textContent = fmt(state.meta?.rate_predicted ?? null, 5)
  if (error) plot('error-chart', error, state.meta?.rate_predicted ?? null)
  if (disagreement) plot('disagreement-chart', disagreement, null)
}

/** A power of ten's label: 0.01 .. 100 as they are, beyond as 1e-8. */
function powerLabel(k) {
  return k >= -2 && k <= 2 ? String(10 ** k >= 1 ? 10 ** k : Number((10 ** k).toPrecision(1))) : `1e${k}`
}

/** Whole decades around the curves' exponents (never empty, never infinite), and ticks on at most 8 of them. */
function decadeRange(series) {
  let lo = Infinity, hi = -Infinity
  for (const s of series) for (const v of s) if (v !== null && Number.isFinite(v)) {
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (!(hi >= lo)) return [-1, 0]
  const a = Math.floor(lo), b = Math.ceil(hi)
  return b > a ? [a, b] : [a, a + 1]
}

function decadeTicks(min, max) {
  const step = Math.max(1, Math.ceil((max - min) / 8))
  const ticks = []
  for (let k = Math.ceil(min); k <= max && ticks.length < 64; k += step) ticks.push(k)
  return ticks
}

function plot(id, c, rate) {
  const perPeer = c.perPeer.length <= PER_PEER_SERIES ? c.perPeer : []
  const first = c.xs.findIndex((_, k) => c.max[k] !== null)
  const range = decadeRange([c.max, c.median, ...perPeer])
  // the predicted line from the first max, in exponents (log10 R per round: no underflow however long the run), drawn
  // while it stays within the measured curves' decades
  const slope = rate && rate > 0 && rate < 1 ? Math.log10(rate) : null
  const predicted = slope !== null && first >= 0 ? c.xs.map((x) => {
    const v = c.max[first] + slope * (x - c.xs[first])
    return v >= range[0] ? v : null
  }) : null
  // uPlot draws the series in order: each peer's thin grey line first, then the max, median and predicted on top
  const data = [c.xs, ...perPeer, c.max, c.median, ...(predicted ? [predicted] : [])]
  const series = [
    { label: 'round' },
    ...perPeer.map((_, k) => ({ label: `peer ${k}`, stroke: 'rgba(113,128,150,0.35)', width: 1, spanGaps: true })),
    { label: 'max', stroke: '#c53030', width: 2 },
    { label: 'median', stroke: '#2b6cb0', width: 1.5 },
    ...(predicted ? [{ label: 'predicted rate', stroke: '#1d2430', dash: [6, 4], width: 1.5 }] : []),
  ]
  const el = $(id)
  const key = `${series.length}`
  if (!state.charts) state.charts = {}
  const existing = state.charts[id]
  if (existing && existing.key === key) {
    existing.range = range
    return existing.chart.setData(data)
  }
  if (existing) existing.chart.destroy()
  for (const s of series.slice(1)) s.points = { show: false }
  const axes = [{}, { size: 60, splits: (u) => decadeTicks(u.scales.y.min, u.scales.y.max), values: (_u, ticks) => ticks.map(powerLabel) }]
  const opts = { width: Math.max(320, el.clientWidth || 640), height: 230, scales: { x: { time: false }, y: { range: () => state.charts[id].range } }, axes, series, legend: { live: false } }
  state.charts[id] = { key, range, chart: null }
  state.charts[id].chart = new uPlot(opts, data, el)
}

$('swarms').addEventListener('change', (e) => {
  location.search = `?swarm=${encodeURIComponent(e.target.value)}`
})
connect()
