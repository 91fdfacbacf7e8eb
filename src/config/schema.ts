/**
 * The experiment file: one schema, every default in one place (defaults, then merge, then validate once).
 * docs/configuration.md documents each field, generated from this schema by src/config/reference.ts
 * (`npm run docs:config`); `test/config/reference.test.ts` checks that the two agree.
 */
import { z } from 'zod'
import { multiaddrField } from './multiaddr.js'
import { problemSchema } from './problem-schema.js'
import { algorithmSchema } from './algorithm-schema.js'
import { int, positive } from './numbers.js'

const swarmSchema = z.strictObject({
  /** Swarm id: names gossipsub topics and is checked in every message envelope. */
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')
    .default('meshgd'),
  /** Number of peers n. */
  peers: int(1).max(4096).default(16),
  /** libp2p private-network key file (`meshgd keygen`), relative to the experiment file; null: an open swarm. */
  key_file: z.string().min(1).nullable().default(null),
  /** Connection gater: open connections allowed from one remote IP address (null: 2 * peers + 16). */
  max_connections_per_ip: int(1).nullable().default(null),
  /** Connection gater: open connections allowed from one remote peer ID. */
  max_connections_per_peer: int(1).default(4),
  /**
   * Indices held by browser tabs (`meshgd web`, docs/swarms.md "Peers in the browser"): Node peers also listen on
   * WebSockets for them, and `meshgd swarm` starts no process for them.
   */
  browser_peers: z
    .array(int(0))
    .max(4096)
    .refine((list) => new Set(list).size === list.length, 'an index is listed twice')
    .default([]),
})

const weightsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { kind: v } : v),
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('unit') }),
    z.strictObject({ kind: z.literal('uniform'), low: positive().default(0.5), high: positive().default(1.5) }),
  ]),
)

const topologyKinds = [
  'ring',
  'path',
  'star',
  'complete',
  'grid',
  'torus',
  'hypercube',
  'exponential',
  'random-regular',
  'erdos-renyi',
  'small-world',
  'barabasi-albert',
  'edges',
  'directed-ring',
  'directed-exponential',
] as const

/** Kinds whose graph changes from round to round (docs/algorithms.md "Graphs that change, graphs that point one way"). */
const changingKinds = ['one-peer-exponential', 'random-matching', 'schedule'] as const

const edgeSchema = z.union([z.tuple([int(0), int(0)]), z.tuple([int(0), int(0), positive()])])

/** The fields of one graph, on their own or as one entry of a `schedule`. */
const graphFields = {
  seed: int(0).default(1),
  weights: weightsSchema.prefault('unit'),
  /** grid/torus; when left out, the most nearly square factorisation of the number of peers. */
  rows: int(1).optional(),
  cols: int(1).optional(),
  /** random-regular degree. */
  degree: int(1).default(3),
  /** erdos-renyi edge probability; when left out, 2 ln(n) / n (comfortably above the connectivity threshold). */
  p: z.number().gt(0).max(1).optional(),
  /** small-world: k nearest ring neighbours (even) and rewiring probability beta. */
  k: int(2).default(4),
  beta: z.number().min(0).max(1).default(0.1),
  /** barabasi-albert: edges added per new node. */
  m: int(1).default(2),
  /** edges: explicit list [i, j] or [i, j, weight]. */
  edges: z.array(edgeSchema).optional(),
  /** edges: each [i, j] is a one-way link, i sends to j (push-sum, push-diging, dsgd, gradient-tracking only). */
  directed: z.boolean().default(false),
}

/** One graph of a `schedule` (a fixed kind; its own seed). */
const scheduledGraphSchema = z.strictObject({ kind: z.enum(topologyKinds), ...graphFields })

const topologySchema = z.strictObject({
  kind: z.enum([...topologyKinds, ...changingKinds]).default('ring'),
  ...graphFields,
  /** schedule: the graphs, used in turn and cycled (each need not be connected; their union must be). */
  graphs: z.array(scheduledGraphSchema).min(1).optional(),
  /** schedule: rounds each graph of `graphs` is used for before the next. */
  period: int(1).default(1),
})

const compressionSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { kind: v } : v),
  z.discriminatedUnion('kind', [
    /** float64 on the wire */
    z.strictObject({ kind: z.literal('none') }),
    /** round to float32 on the wire */
    z.strictObject({ kind: z.literal('float32'), mode: z.enum(['direct', 'difference']).default('direct') }),
    /** QSGD Q_s (Kalan et al. 2019 Sec. 2.2), unbiased; `direct` sends C(v) in place of v, `difference` (CHOCO) sends
     *  C(v - v_hat) and keeps public copies v_hat (qsgd then scaled by 1 / (1 + omega)) */
    z.strictObject({
      kind: z.literal('qsgd'),
      levels: int(1).max(32767).default(16),
      mode: z.enum(['direct', 'difference']).default('direct'),
    }),
    /** deterministic max-norm quantizer with b bits */
    z.strictObject({
      kind: z.literal('uniform'),
      bits: int(2).max(16).default(8),
      mode: z.enum(['direct', 'difference']).default('direct'),
    }),
  ]),
)

const initSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { kind: v } : v),
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('zeros') }),
    /** every peer starts from its own seeded N(0, scale^2 I) draw. */
    z.strictObject({ kind: z.literal('gaussian'), scale: positive().default(1) }),
  ]),
)

const runSchema = z.strictObject({
  /** Maximum number of rounds (updates). */
  rounds: int(0).max(100_000_000).default(500),
  /**
   * Networked runs: `sync` waits each round for the round-t vector of every live neighbour; `async` uses the
   * freshest vector of each, at most `max_staleness` rounds old (the simulator always runs the sync schedule).
   */
  mode: z.enum(['sync', 'async']).default('sync'),
  /** async: a neighbour's vector may be this many rounds older than the peer's own round. */
  max_staleness: int(0).max(1_000_000).default(4),
  /** Networked runs: checkpoint each peer's state every this many rounds (and on shutdown); null: never. */
  checkpoint_every: int(1).nullable().default(100),
  /** Seed of every per-peer PRNG stream (sampling, init). */
  seed: int(0).default(1),
  /** Stop once max_i |w_i - w_ref| <= target * |w_ref| (null: run all rounds). */
  target: z.number().positive().nullable().default(null),
  neighbour_timeout_ms: int(1).default(5000),
  /** Write metrics every this many rounds and at the last; null: about 500 records per peer (ceil(rounds / 500)). */
  record_every: int(1).nullable().default(null),
  init: initSchema.prefault('zeros'),
})

const outputSchema = z.strictObject({
  /** Write params/<index>.f64 (each peer's final w_i, little-endian float64). */
  params: z.boolean().default(true),
})

/**
 * A static list of peers for fixed deployments (docs/swarms.md "Pinned peers"), dialled at start: plain multiaddrs, or
 * pinned entries {index, peer_id, addr} so a peer trusts exactly these identities and not the roster.
 */
const peersSchema = z
  .union([
    z.array(multiaddrField),
    z.array(
      z.strictObject({
        index: int(0),
        /** libp2p peer ID (base58btc, as `meshgd identity` prints it) */
        peer_id: z
          .string()
          .regex(/^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{40,50}$/, 'must be a libp2p peer ID such as 12D3KooW...'),
        addr: multiaddrField,
      }),
    ),
  ])
  .refine((list) => list.length <= 4096, 'at most 4096 entries')

/** One link's behaviour in the network lab (`meshgd swarm --netns`), each direction alike. */
const linkFields = {
  /** one-way delay */
  latency_ms: z.number().min(0).max(60_000),
  /** extra delay drawn uniformly from [0, jitter_ms] per packet (packets of a link are never reordered) */
  jitter_ms: z.number().min(0).max(60_000),
  /** probability that a packet is dropped */
  loss: z.number().min(0).max(1),
  /** bandwidth in Mbit/s; null: unlimited */
  rate_mbit: positive().nullable(),
}

/**
 * The network lab's links (`meshgd swarm --netns`; other runs ignore it): defaults for every link between two
 * hosts, per-edge overrides, and a partition schedule.
 */
const networkSchema = z.strictObject({
  latency_ms: linkFields.latency_ms.default(0),
  jitter_ms: linkFields.jitter_ms.default(0),
  loss: linkFields.loss.default(0),
  rate_mbit: linkFields.rate_mbit.default(null),
  /** per-edge overrides: {a, b, and any of the fields above} */
  links: z
    .array(
      z.strictObject({
        a: int(0),
        b: int(0),
        latency_ms: linkFields.latency_ms.optional(),
        jitter_ms: linkFields.jitter_ms.optional(),
        loss: linkFields.loss.optional(),
        rate_mbit: linkFields.rate_mbit.optional(),
      }),
    )
    .default([]),
  /**
   * Cut links when the swarm reaches `at_round` (the furthest peer) and heal them at `heal_round`: the links
   * listed in `cut` ([a, b] pairs), or every link between two of the `groups`.
   */
  partition: z
    .array(
      z
        .strictObject({
          at_round: int(0),
          heal_round: int(1),
          cut: z.array(z.tuple([int(0), int(0)])).optional(),
          groups: z
            .array(z.array(int(0)).min(1))
            .min(2)
            .optional(),
        })
        .refine((p) => p.heal_round > p.at_round, {
          message: 'heal_round must come after at_round',
          path: ['heal_round'],
        })
        .refine((p) => (p.cut === undefined) !== (p.groups === undefined), {
          message: 'give either cut or groups',
          path: ['cut'],
        }),
    )
    .default([]),
})

export const experimentSchema = z.strictObject({
  swarm: swarmSchema.prefault({}),
  topology: topologySchema.prefault({}),
  problem: problemSchema.prefault({ kind: 'planted' }),
  algorithm: algorithmSchema.prefault({ kind: 'elastic' }),
  compression: compressionSchema.prefault({ kind: 'none' }),
  run: runSchema.prefault({}),
  output: outputSchema.prefault({}),
  peers: peersSchema.default([]),
  network: networkSchema.prefault({}),
})

/** An experiment as written: `algorithm.eta` (and an elastic `mu`) may still be `auto`. */
export type ExperimentInput = z.infer<typeof experimentSchema>
type NumericEta<A> = A extends { eta: unknown }
  ? Omit<A, 'eta' | 'mu'> & { eta: number } & (A extends { mu: unknown } ? { mu: number } : unknown)
  : never
/** A resolved experiment (src/exchange/resolve.ts): every value concrete. */
export type Experiment = Omit<ExperimentInput, 'algorithm'> & { algorithm: NumericEta<ExperimentInput['algorithm']> }
export type SamplingSpec = Experiment['algorithm']['sampling']
export type AlgorithmSpec = Experiment['algorithm']
export type RunSpec = Experiment['run']
export type InitSpec = Experiment['run']['init']
export type CompressionSpec = ExperimentInput['compression']

export { isDifferenceMode } from './compression.js'
