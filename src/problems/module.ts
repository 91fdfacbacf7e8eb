/**
 * Problem modules (pure; the caller loads the file): the user's `createProblem` called once per process, what it
 * returns checked before any round, and each peer's functions wrapped as an `Objective` whose errors name the
 * module (docs/problems.md). Every check fails with one line, `problem module PATH: what is wrong`.
 */
import { Rng } from '../util/rng.js'
import { ProblemError } from './errors.js'
import type { ProblemContext, ProblemInstance } from './module-types.js'
import type { ModuleProblem, Objective } from './types.js'

export interface LoadedModule {
  /** The module file as the experiment names it, for messages. */
  readonly path: string
  /** What importing it gave: its namespace object. */
  readonly namespace: unknown
}

const OPTIONAL = ['init', 'evaluate', 'hessian'] as const

/** Build and check the problem a module's default export makes; `context.peer` set: check only that peer. */
export function moduleProblem(
  loaded: LoadedModule,
  options: Record<string, unknown>,
  context: ProblemContext,
): ModuleProblem {
  const fail = (what: string, code: ProblemError['code'] = 'MODULE_INVALID'): ProblemError =>
    new ProblemError(code, `problem module ${loaded.path}: ${what}`)
  const create = (loaded.namespace as { default?: unknown } | null)?.default
  if (typeof create !== 'function') throw fail(`has no default export function (createProblem), found ${typeof create}`)
  let made: unknown
  try {
    made = (create as (o: unknown, c: ProblemContext) => unknown)(options, context)
  } catch (err) {
    throw fail(`createProblem threw: ${messageOf(err)}`, 'MODULE_THREW')
  }
  const p = checkShape(made, fail)
  const peers = context.peer === null ? [...Array(context.peers).keys()] : [context.peer]
  const problem = wrap(loaded.path, p, context)
  for (const i of peers) probePeer(problem, p, i, fail)
  return problem
}

function checkShape(made: unknown, fail: (what: string) => ProblemError): ProblemInstance {
  if (made === null || typeof made !== 'object') throw fail(`createProblem returned ${String(made)}, not an object`)
  const p = made as Record<string, unknown>
  if (!(Number.isInteger(p.dim) && (p.dim as number) >= 1))
    throw fail(`dim must be a positive integer, got ${String(p.dim)}`)
  for (const name of ['samples', 'loss', 'gradient'])
    if (typeof p[name] !== 'function') throw fail(`${name} must be a function, got ${typeof p[name]}`)
  for (const name of OPTIONAL)
    if (p[name] !== undefined && typeof p[name] !== 'function')
      throw fail(`${name}, when given, must be a function, got ${typeof p[name]}`)
  return made as ProblemInstance
}

/** Before any round: every function of peer i once, on its first sample, at its starting point. */
function probePeer(problem: ModuleProblem, p: ProblemInstance, i: number, fail: (w: string) => ProblemError): void {
  const objective = problem.objective(i)
  const w = problem.init(i) ?? new Float64Array(problem.paramDim)
  const out = new Float64Array(problem.paramDim)
  objective.batchGradient(w, Int32Array.of(0), 1, out)
  const bad = out.findIndex((v) => !Number.isFinite(v))
  if (bad >= 0) throw fail(`gradient(${i}, w, [0], out) wrote ${out[bad]} at entry ${bad} of its starting point`)
  const loss = objective.loss(w)
  if (!Number.isFinite(loss)) throw fail(`loss(${i}, w, batch) returned ${loss} at its starting point`)
  if (problem.evaluate) problem.evaluate(w)
  if (p.hessian) problem.hessian!(i)
}

function wrap(path: string, p: ProblemInstance, context: ProblemContext): ModuleProblem {
  const d = p.dim
  const fail = (what: string, code: ProblemError['code'] = 'MODULE_INVALID'): ProblemError =>
    new ProblemError(code, `problem module ${path}: ${what}`)
  const call = <T>(what: string, f: () => T): T => {
    try {
      return f()
    } catch (err) {
      if (err instanceof ProblemError) throw err
      throw fail(`${what} threw: ${messageOf(err)}`, 'MODULE_THREW')
    }
  }
  const objectives: Objective[] = []
  return {
    loss: 'module',
    path,
    peers: context.peers,
    paramDim: d,
    objective: (i) => (objectives[i] ??= moduleObjective(p, i, call, fail)),
    init: (i) =>
      p.init
        ? vectorOf(
            call(`init(${i}, rng)`, () => p.init!(i, initRng(context, i))),
            d,
            `init(${i})`,
            fail,
          )
        : null,
    evaluate: p.evaluate
      ? (w) =>
          figuresOf(
            call('evaluate(w)', () => p.evaluate!(w)),
            fail,
          )
      : null,
    hessian: p.hessian
      ? (i) =>
          vectorOf(
            call(`hessian(${i})`, () => p.hessian!(i)),
            d * d,
            `hessian(${i})`,
            fail,
          )
      : null,
  }
}

type Call = <T>(what: string, f: () => T) => T

/** Peer i's functions as an Objective: the module's means, scaled to the sampling's sum (objective.ts's contract). */
function moduleObjective(p: ProblemInstance, i: number, call: Call, fail: (w: string) => ProblemError): Objective {
  const samples = call(`samples(${i})`, () => p.samples(i))
  if (!(Number.isInteger(samples) && samples >= 1))
    throw fail(`samples(${i}) must be a positive integer, got ${String(samples)}`)
  const all = Int32Array.from({ length: samples }, (_, s) => s)
  const gradient = (w: Float64Array, batch: Int32Array, out: Float64Array): void => {
    const returned: unknown = call(`gradient(${i}, w, batch, out)`, () => p.gradient(i, w, batch, out))
    if (returned !== undefined && returned !== out) copyReturned(returned, out, `gradient(${i}, w, batch, out)`, fail)
  }
  return {
    samples,
    loss: (w) => call(`loss(${i}, w, batch)`, () => p.loss(i, w, all)),
    gradient(w, out) {
      gradient(w, all, out)
      return out
    },
    batchGradient(w, batch, scale, out) {
      if (batch.length === 0) return out.fill(0)
      gradient(w, batch, out)
      const factor = scale * batch.length
      if (factor !== 1) for (let k = 0; k < out.length; k++) out[k] = out[k]! * factor
      return out
    },
  }
}

/** A gradient that returns a vector rather than writing `out`: taken when it has d entries, refused otherwise. */
function copyReturned(v: unknown, out: Float64Array, what: string, fail: (w: string) => ProblemError): void {
  const length = (v as { length?: unknown } | null)?.length
  if (typeof length !== 'number') throw fail(`${what} returned ${typeof v}; it should write into out`)
  if (length !== out.length) throw fail(`${what} returned ${length} entries, expected dim = ${out.length}`)
  out.set(v as ArrayLike<number>)
}

function vectorOf(v: unknown, length: number, what: string, fail: (w: string) => ProblemError): Float64Array {
  const n = (v as { length?: unknown } | null)?.length
  if (typeof n !== 'number') throw fail(`${what} returned ${typeof v}, not an array`)
  if (n !== length) throw fail(`${what} returned ${n} entries, expected ${length}`)
  const out = Float64Array.from(v as ArrayLike<number>)
  const bad = out.findIndex((x) => !Number.isFinite(x))
  if (bad >= 0) throw fail(`${what} returned ${out[bad]} at entry ${bad}`)
  return out
}

function figuresOf(v: unknown, fail: (w: string) => ProblemError): Record<string, number> {
  if (v === null || typeof v !== 'object') throw fail(`evaluate(w) returned ${String(v)}, not an object of numbers`)
  for (const [name, x] of Object.entries(v))
    if (typeof x !== 'number') throw fail(`evaluate(w) returned ${name} = ${String(x)}, not a number`)
  return v as Record<string, number>
}

/** The stream `init` draws from: the one `run.init: gaussian` uses for peer i. */
function initRng(context: ProblemContext, i: number): { uniform(): number; gaussian(): number } {
  const rng = Rng.derive(context.seed, i, 'init')
  return { uniform: () => rng.uniform(), gaussian: () => rng.gaussian() }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
