/**
 * The peer's platform in a browser tab (src/peer/platform.ts): the experiment resolved from what the page fetched
 * (`meshgd web` serves the experiment, a CSV file's text, a problem module bundled for the browser), the tab's node
 * (transports.ts), a pure-JavaScript SHA-256, and IndexedDB (tab-store.ts).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { ConfigError } from '../config/errors.js'
import type { ExperimentInput } from '../config/schema.js'
import { resolveWith } from '../exchange/experiment.js'
import type { PeerPlatform } from '../peer/platform.js'
import type { ProblemSpec } from '../problems/types.js'
import type { TabStore } from './tab-store.js'
import { createBrowserNode } from './transports.js'

/** What `meshgd web` tells a page (`/setup.json`), and what the page fetched with it. */
export interface PageSetup {
  /** the experiment, portable (`problem.path` named as `files` names it) */
  readonly experiment: ExperimentInput
  readonly bootstrap: string[]
  /** hosts a tab may reach over plain WebSockets or at private addresses */
  readonly hosts: string[]
  /** `problem.path` -> the text the page fetched (a CSV problem) */
  readonly texts: Record<string, string>
  /** the problem module's namespace, imported by the page (a module problem) */
  readonly module?: unknown
  /** where to post the outputs when the peer is done (a launcher that keeps them), or null */
  readonly upload: string | null
}

export function browserPlatform(setup: PageSetup, store: TabStore, signal: AbortSignal, keyed: boolean): PeerPlatform {
  const readText = (path: string): string => {
    const text = setup.texts[path]
    if (text === undefined) throw new ConfigError('CONFIG_READ', `${path}: the page did not fetch this data file`)
    return text
  }
  return {
    resolve: (input, index) =>
      resolveWith(input, input.problem as ProblemSpec, { readText, importModule: () => setup.module }, index),
    createNode: (init) => createBrowserNode({ ...init, hosts: setup.hosts, webrtc: !keyed, signal }),
    sha256: (bytes) => sha256(bytes),
    store,
  }
}
