/**
 * A browser peer's page (`meshgd web`, docs/swarms.md "Peers in the browser"): `?index=I` names the peer, `#key=HEX`
 * gives a keyed swarm's key (the fragment never reaches a server), `&fresh` forgets the tab's stored state. It
 * fetches the setup from the server that served it, runs the peer's rooms in the tab (src/peer, unchanged), shows
 * the progress, and when the peer finishes sets `window.meshgd` for automation and offers the parameters.
 */
import { runPeer } from '../peer/runtime.js'
import type { PageResult } from './page-result.js'
import { PageView } from './page-view.js'
import { browserPlatform, type PageSetup } from './platform.js'
import { openTabStore } from './tab-store.js'

declare global {
  interface Window {
    meshgd?: PageResult
  }
}

/** The setup `meshgd web` serves, with the data file's text and the problem module fetched. */
async function fetchSetup(): Promise<PageSetup> {
  const served = (await (await fetch('setup.json')).json()) as Omit<PageSetup, 'texts' | 'module'> & {
    files: Record<string, string>
    module: string | null
    upload: string | null
  }
  const texts: Record<string, string> = {}
  for (const [path, url] of Object.entries(served.files)) {
    const answer = await fetch(url)
    if (!answer.ok) throw new Error(`${path}: the server answered ${answer.status}`)
    texts[path] = await answer.text()
  }
  const module: unknown = served.module ? await import(new URL(served.module, location.href).href) : undefined
  return { ...served, texts, ...(module ? { module } : {}) }
}

/** A swarm key from the page's fragment (`#key=` and its 64 hex digits), in the libp2p key file's format. */
function keyFromFragment(): Uint8Array | null {
  const hex = new URLSearchParams(location.hash.slice(1)).get('key')
  if (!hex || !/^[0-9a-fA-F]{64}$/.test(hex)) return null
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${hex}\n`)
}

function base64(bytes: Uint8Array): string {
  let text = ''
  for (const b of bytes) text += String.fromCharCode(b)
  return btoa(text)
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search)
  const index = Number(query.get('index'))
  const setup = await fetchSetup()
  const { experiment } = setup
  const view = new PageView(document, index, experiment.run?.rounds ?? 0)
  const swarmKey = keyFromFragment()
  if (experiment.swarm.key_file && !swarmKey) {
    view.show(`peer ${index}: this swarm is keyed; open the page with #key= and the 64 hex digits of its key`)
    window.meshgd = { done: false, index, round: 0, params: '', error: 'keyed swarm: no key given' }
    return
  }
  let params: Uint8Array = new Uint8Array(0)
  let records = ''
  const store = await openTabStore(experiment.swarm.id, index, {
    onRecords: (lines) => {
      records += lines
      view.records(lines)
    },
    onParams: (bytes) => {
      params = bytes
      view.offer(bytes)
    },
  })
  if (query.has('fresh')) await store.clear()
  const controller = new AbortController()
  window.addEventListener('pagehide', () => controller.abort(new Error('meshgd: page closed')))
  const platform = browserPlatform(setup, store, controller.signal, swarmKey !== null)
  const info = await runPeer({
    experiment,
    index,
    platform,
    listen: [],
    announce: [],
    bootstrap: setup.bootstrap,
    swarmKey,
    signal: controller.signal,
    log: (line) => view.line(line),
  })
  view.show(`peer ${index}: ${info.interrupted ? 'interrupted' : 'done'} after ${info.rounds} rounds`)
  // the launcher that served the page (`meshgd swarm`) keeps the outputs in its run directory
  if (setup.upload) {
    const body = JSON.stringify({ index, params: base64(params), info, records })
    const answer = await fetch(setup.upload, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    if (!answer.ok) view.line(`meshgd: the outputs were refused: ${await answer.text()}`)
  }
  window.meshgd = { done: !info.interrupted, index, round: info.rounds, params: base64(params), rejects: info.rejects }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err)
  document.getElementById('status')!.textContent = `meshgd: ${message}`
  const index = Number(new URLSearchParams(location.search).get('index'))
  window.meshgd = { done: false, index, round: 0, params: '', error: message }
})
