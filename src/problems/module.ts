/**
 * Problem modules (pure; the caller loads the file): the user's `createProblem` called once per process, what it
 * returns checked before any round, and each peer's functions wrapped as an `Objective` whose errors name the
 * module (docs/problems.md). Every check fails with one line, `problem module PATH: what is wrong`.
 */
import { Rng } from '../util/rng.js'
import { ProblemError } from './errors.js'
import type { CreateProblem, ProblemContext, ProblemInstance, ProblemRng } from './module-types.js'
import type { ModuleProblem, Objective } from './types.js'

export interface LoadedModule {
  /** The module file as the experiment names it, for messages. */
  readonly path: string
  /** What importing it gave: its namespace object. */
  readonly namespace: unknown
}

const OPTIONAL = ['init', 'evaluate', 'hessian'] as const

/** How a module's failures are told: always `problem module PATH: ...`, one line. */
class Blame {
  constructor(readonly path: string) {}

  /** The module broke the contract. */
  invalid(what: string): ProblemError {
    return new ProblemError('MODULE_INVALID', `problem module ${this.path}: ${what}`)
  }

  /** The module's own code threw while meshgd called `what`; a check of ours passes through unchanged. */
  threw(what: string, err: unknown): ProblemError {
    if (err instanceof ProblemError) return err
    const message = err instanceof Error ? err.message : String(err)
    return new ProblemError('MODULE_THREW', `problem module ${this.path}: ${what} threw: ${message}`)
  }

  /** `f()`, its throw told as the module's. */
  call<T>(what: string, f: () => T): T {
    try {
      return f()
    } catch (err) {
      throw this.threw(what, err)
    }
  }
}

/** Build and check the problem a module's default export makes; `context.peer` set: check only that peer. */
export function moduleProblem(
  loaded: LoadedModule,
  options: Record<string, unknown>,
  context: ProblemContext,
): ModuleProblem {
  const blame = new Blame(loaded.path)
  const create = (loaded.namespace as { default?: unknown } | null)?.default
  if (typeof create !== 'function')
    throw blame.invalid(`has no default export function (createProblem), found ${typeof create}`)
  const made = blame.call('createProblem', () => (create as CreateProblem)(options, context) as unknown)
  const p = checkShape(made, blame)
  const problem = wrap(p, context, blame)
  for (const i of context.peer === null ? [...Array(context.peers).keys()] : [context.peer])
    probePeer(problem, i, blame)
  return problem
}

function checkShape(made: unknown, blame: Blame): ProblemInstance {
  if (made === null || typeof made !== 'object')
    throw blame.invalid(`createProblem returned ${String(made)}, not an object`)
  const p = made as Record<string, unknown>
  if (!(Number.isInteger(p.dim) && (p.dim as number) >= 1))
    throw blame.invalid(`dim must be a positive integer, got ${String(p.dim)}`)
  for (const name of ['samples', 'loss', 'gradient'])
    if (typeof p[name] !== 'function') throw blame.invalid(`${name} must be a function, got ${typeof p[name]}`)
  for (const name of OPTIONAL)
    if (p[name] !== undefined && typeof p[name] !== 'function')
      throw blame.invalid(`${name}, when given, must be a function, got ${typeof p[name]}`)
  return made as ProblemInstance
}

/** Before any round: every function of peer i once, on its first sample, at its starting point. */
function probePeer(problem: ModuleProblem, i: number, blame: Blame): void {
  const objective = problem.objective(i)
  const w = problem.init(i) ?? new Float64Array(problem.paramDim)
  const out = new Float64Array(problem.paramDim)
  objective.batchGradient(w, Int32Array.of(0), 1, out)
  const bad = out.findIndex((v) => !Number.isFinite(v))
  if (bad >= 0)
    throw blame.invalid(`gradient(${i}, w, [0], out) wrote ${out[bad]} at entry ${bad} of its starting point`)
  const loss = objective.loss(w)
  if (!Number.isFinite(loss)) throw blame.invalid(`loss(${i}, w, batch) returned ${loss} at its starting point`)
  problem.evaluate?.(w)
  problem.hessian?.(i)
}

/** The checked module as meshgd's ModuleProblem: every call's throw and every returned value told as the module's. */
function wrap(p: ProblemInstance, context: ProblemContext, blame: Blame): ModuleProblem {
  const d = p.dim
  const objectives: Objective[] = []
  const init = p.init?.bind(p)
  const evaluate = p.evaluate?.bind(p)
  const hessian = p.hessian?.bind(p)
  return {
    loss: 'module',
    path: blame.path,
    peers: context.peers,
    paramDim: d,
    objective: (i) => (objectives[i] ??= moduleObjective(p, i, blame)),
    init: (i) =>
      init
        ? vectorOf(
            blame.call(`init(${i}, rng)`, () => init(i, initRng(context, i))),
            d,
            `init(${i})`,
            blame,
          )
        : null,
    evaluate: evaluate
      ? (w) =>
          figuresOf(
            blame.call('evaluate(w)', () => evaluate(w)),
            blame,
          )
      : null,
    hessian: hessian
      ? (i) =>
          vectorOf(
            blame.call(`hessian(${i})`, () => hessian(i)),
            d * d,
            `hessian(${i})`,
            blame,
          )
      : null,
  }
}

/**
 * Peer i's functions as an Objective: the module's means, scaled to the sampling's sum (objective.ts's contract).
 * Called every round: no closure or string is made per call.
 */
function moduleObjective(p: ProblemInstance, i: number, blame: Blame): Objective {
  const samples = blame.call(`samples(${i})`, () => p.samples(i))
  if (!(Number.isInteger(samples) && samples >= 1))
    throw blame.invalid(`samples(${i}) must be a positive integer, got ${String(samples)}`)
  const all = Int32Array.from({ length: samples }, (_, s) => s)
  const gradientCall = `gradient(${i}, w, batch, out)`
  const lossCall = `loss(${i}, w, batch)`
  const gradient = (w: Float64Array, batch: Int32Array, out: Float64Array): Float64Array => {
    let returned: unknown
    try {
      returned = p.gradient(i, w, batch, out)
    } catch (err) {
      throw blame.threw(gradientCall, err)
    }
    if (returned !== undefined && returned !== out) copyReturned(returned, out, gradientCall, blame)
    return out
  }
  return {
    samples,
    loss(w) {
      try {
        return p.loss(i, w, all)
      } catch (err) {
        throw blame.threw(lossCall, err)
      }
    },
    gradient: (w, out) => gradient(w, all, out),
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
function copyReturned(v: unknown, out: Float64Array, what: string, blame: Blame): void {
  const length = (v as { length?: unknown } | null)?.length
  if (typeof length !== 'number') throw blame.invalid(`${what} returned ${typeof v}; it should write into out`)
  if (length !== out.length) throw blame.invalid(`${what} returned ${length} entries, expected dim = ${out.length}`)
  out.set(v as ArrayLike<number>)
}

function vectorOf(v: unknown, length: number, what: string, blame: Blame): Float64Array {
  const n = (v as { length?: unknown } | null)?.length
  if (typeof n !== 'number') throw blame.invalid(`${what} returned ${typeof v}, not an array`)
  if (n !== length) throw blame.invalid(`${what} returned ${n} entries, expected ${length}`)
  const out = Float64Array.from(v as ArrayLike<number>)
  const bad = out.findIndex((x) => !Number.isFinite(x))
  if (bad >= 0) throw blame.invalid(`${what} returned ${out[bad]} at entry ${bad}`)
  return out
}

function figuresOf(v: unknown, blame: Blame): Record<string, number> {
  if (v === null || typeof v !== 'object')
    throw blame.invalid(`evaluate(w) returned ${String(v)}, not an object of numbers`)
  for (const [name, x] of Object.entries(v))
    if (typeof x !== 'number') throw blame.invalid(`evaluate(w) returned ${name} = ${String(x)}, not a number`)
  return v as Record<string, number>
}

/** The stream `init` draws from: the one `run.init: gaussian` uses for peer i. */
function initRng(context: ProblemContext, i: number): ProblemRng {
  const rng = Rng.derive(context.seed, i, 'init')
  return { uniform: () => rng.uniform(), gaussian: () => rng.gaussian() }
}
