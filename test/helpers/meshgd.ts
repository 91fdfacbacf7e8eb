/**
 * The meshgd command as the tests run it to its end: the project's paths, a scratch folder for a test file, `meshgd
 * ARGS` with the folder, time limit and environment the file needs, and the files an experiment is written to.
 * Processes that keep running while a test watches them (peers, bootstraps, launchers) are in processes.ts.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '..', '..')
export const bin = join(root, 'bin', 'meshgd.js')

/**
 * A new folder `meshgd-NAME-XXXXXX` in the system's temporary folder. `mode`: its permissions (mkdtemp makes it
 * 0700); `links`: paths of the project linked into it under the same names (`topology`, for the examples of the
 * README and docs/).
 */
export function workDir(name: string, options: { mode?: number; links?: readonly string[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `meshgd-${name}-`))
  if (options.mode !== undefined) chmodSync(dir, options.mode)
  for (const path of options.links ?? []) symlinkSync(join(root, path), join(dir, path))
  return dir
}

export interface RunOptions {
  /** the folder it runs in (default: this process's) */
  cwd?: string
  /** milliseconds after which it is killed (default: none) */
  timeout?: number
  /** variables added to this process's environment */
  env?: NodeJS.ProcessEnv
}

export interface RunResult {
  /** the exit status; -1 when it was killed (by the timeout or a signal) */
  status: number
  stdout: string
  stderr: string
}

/** `meshgd ARGS`, run to its end with this process's Node. */
export function runMeshgd(args: readonly string[], options: RunOptions = {}): RunResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    timeout: options.timeout,
    env: options.env ? { ...process.env, ...options.env } : undefined,
  })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** `runMeshgd` with a test file's own folder, time limit and environment fixed; a call's options add to them. */
export function meshgdRunner(fixed: RunOptions): (args: readonly string[], options?: RunOptions) => RunResult {
  return (args, options = {}) =>
    runMeshgd(args, {
      ...fixed,
      ...options,
      env: fixed.env || options.env ? { ...fixed.env, ...options.env } : undefined,
    })
}

/** `write(name, text)` writes the file `dir/name` and returns its path. */
export function fileWriter(dir: string): (name: string, text: string) => string {
  return (name, text) => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
}

/** `write(name, body)` writes `body` as JSON to `dir/name.json` (an experiment file) and returns its path. */
export function jsonWriter(dir: string): (name: string, body: Record<string, unknown>) => string {
  const write = fileWriter(dir)
  return (name, body) => write(`${name}.json`, JSON.stringify(body))
}

/** The bytes of peer i's final parameters in a run directory (`params/i.f64`). */
export function paramsBytes(dir: string, i: number): Buffer {
  return readFileSync(join(dir, 'params', `${i}.f64`))
}
