/**
 * How a command's process ends and what keeps it honest while it runs: the exit statuses (0 the run did what was
 * asked; 1 it ran but did not; 2 bad configuration or input; 130 interrupted), aborting on SIGINT/SIGTERM, and the
 * heartbeat file `meshgd health` reads.
 */
import { writeFileSync } from 'node:fs'
import { PARENT_PIPE_ENV } from '../swarm/parent-pipe.js'
import type { MeshgdError } from '../util/errors.js'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_CONFIG = 2
export const EXIT_INTERRUPTED = 130

/** The exit status a meshgd error means (src/util/errors.ts): input 2, failure 1, interrupted 130. */
export function exitStatusOf(err: MeshgdError): number {
  return err.outcome === 'input' ? EXIT_CONFIG : err.outcome === 'interrupted' ? EXIT_INTERRUPTED : EXIT_FAILED
}

/** What a command handler throws: `exit(code)` (see main.ts) turns its exit status into one of these. */
export type Exit = (code: number) => Error

/**
 * Abort on the first SIGINT/SIGTERM; the returned function removes the handlers. A process started by
 * `meshgd swarm` (PARENT_PIPE_ENV set) also stops when its stdin, a pipe the launcher never writes to, closes: the
 * launcher has gone, even killed with SIGKILL, and nothing of its swarm should outlive it.
 */
export function abortOnSignals(controller: AbortController): () => void {
  const onSignal = (): void => controller.abort(new Error('interrupted'))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const withParent = process.env[PARENT_PIPE_ENV] === '1'
  if (withParent) {
    process.stdin.once('end', onSignal)
    process.stdin.resume()
  }
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (withParent) {
      process.stdin.off('end', onSignal)
      process.stdin.pause()
    }
  }
}

/** Write MESHGD_HEALTH_FILE now and every 5 s (when set); the returned function stops it. */
export function heartbeat(what: string): () => void {
  const file = process.env.MESHGD_HEALTH_FILE
  if (!file) return () => undefined
  const beat = (): void => {
    try {
      writeFileSync(file, `${what} pid ${process.pid} at ${new Date().toISOString()}\n`)
    } catch {
      // a read-only or missing folder: the healthcheck will say so
    }
  }
  beat()
  const timer = setInterval(beat, 5000)
  timer.unref()
  return () => clearInterval(timer)
}
