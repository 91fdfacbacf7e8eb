/**
 * The heartbeat check behind `meshgd health` (a container's HEALTHCHECK), in a file of its own that imports only
 * node:fs: bin/meshgd.js runs it without loading the rest of the program, which took 2.4-7 s on a busy 2-core
 * machine, past the healthcheck's 5 s timeout (issue 20).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'

/** Why the heartbeat in `file` is not fresh enough (one line), or null when it was written within maxAge seconds. */
export function heartbeatProblem(file: string, maxAgeS: number): string | null {
  if (!existsSync(file)) return `${file}: no heartbeat yet`
  const age = (Date.now() - statSync(file).mtimeMs) / 1000
  if (age <= maxAgeS) return null
  return `${file}: last heartbeat ${age.toFixed(0)} s ago (more than ${maxAgeS} s): ${readFileSync(file, 'utf8').trim()}`
}

/**
 * `meshgd health [--file F] [--max-age S]` without the program: its exit status, or null when the arguments are
 * anything else (then the full program parses them and says what is wrong).
 */
export function quickHealth(args: readonly string[], env: NodeJS.ProcessEnv): number | null {
  let file = env.MESHGD_HEALTH_FILE
  let maxAge = 60
  for (let k = 0; k < args.length; k += 2) {
    const [flag, value] = [args[k], args[k + 1]]
    if (value === undefined) return null
    if (flag === '--file') file = value
    else if (flag === '--max-age' && value.trim() !== '' && Number.isFinite(Number(value))) maxAge = Number(value)
    else return null
  }
  if (!file) return null
  const problem = heartbeatProblem(file, maxAge)
  if (problem) process.stderr.write(`meshgd: ${problem}\n`)
  return problem ? 1 : 0
}
