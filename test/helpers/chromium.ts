/**
 * Debian's Chromium for the tests that need a browser (the dashboard, peers in browser tabs), driven by
 * playwright-core: where it is, whether it is there (CI installs it; elsewhere its tests are skipped with one line),
 * and a launch fit for root in a closed network.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env.MESHGD_CHROMIUM ?? '/usr/bin/chromium'

/** Is Chromium there? In CI its absence is an error (.ci/run installs it); elsewhere `what` is skipped, said once. */
export function haveChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the ${what}`)
  console.warn(`${what} skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set MESHGD_CHROMIUM)`)
  return false
}

/** Headless Chromium as root in a closed network: no sandbox, no GPU, none of its own background connections. */
export function launchChromium(): Promise<Browser> {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ]
  return chromium.launch({ executablePath: CHROMIUM, args, headless: true })
}
