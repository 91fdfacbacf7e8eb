/**
 * The configuration reference, docs/configuration.md: a table of every field of the experiment file with its
 * default and its meaning, generated from the schema (src/config/schema.ts) so that it cannot drift from it. The
 * meanings are kept here, row by row; each default is read from the schema's JSON Schema unless a row says it in
 * words (a formula, a default that depends on another field, no value at all). `npm run docs:config` writes the
 * file; `test/config/reference.test.ts` fails when the committed file differs from `configurationReference()`, and
 * when the schema has a field no row documents.
 */
import { z } from 'zod'
import { experimentSchema } from './schema.js'

/** One row of the table. */
interface Row {
  /**
   * The first cell as written: backticked field names, the first by its dotted path, any later ones siblings of it
   * by their names (`topology.k`, `beta`); a name ending in `.*` stands for fields documented elsewhere.
   */
  readonly field: string
  /** The default cell, where the schema's default is not one value to show (otherwise it is read from the schema). */
  readonly default?: string
  readonly meaning: string
}

const ROWS: readonly Row[] = [
  { field: '`swarm.id`', meaning: 'swarm name (1-64 of `A-Za-z0-9._-`)' },
  { field: '`swarm.peers`', meaning: 'number of peers `n`' },
  {
    field: '`swarm.key_file`',
    meaning: 'libp2p private-network key file (`meshgd keygen`), relative to the experiment file',
  },
  {
    field: '`swarm.max_connections_per_ip`',
    default: '`null` = `2 * peers + 16`',
    meaning: 'connection gater: open connections a peer accepts from one remote IP address',
  },
  {
    field: '`swarm.max_connections_per_peer`',
    meaning: 'connection gater: open connections a peer accepts from one remote peer ID',
  },
  {
    field: '`swarm.browser_peers`',
    meaning:
      'indices held by browser tabs (`meshgd web`): Node peers also listen on WebSockets, and `meshgd swarm` starts no process for them (docs/swarms.md "Peers in the browser")',
  },
  {
    field: '`topology.kind`',
    meaning:
      '`ring`, `path`, `star` (centre 0), `complete`, `grid`, `torus`, `hypercube` (n a power of 2), `exponential` (i joined to i + 2^k mod n), `random-regular`, `erdos-renyi`, `small-world`, `barabasi-albert`, `edges`; one-way: `directed-ring`, `directed-exponential`; changing every round: `one-peer-exponential`, `random-matching`, `schedule` (docs/algorithms.md "Graphs that change, graphs that point one way")',
  },
  { field: '`topology.seed`', meaning: 'seed of random graphs and random weights' },
  {
    field: '`topology.weights`',
    meaning: 'edge weights `a_ij`: `unit`, or `{kind: uniform, low: 0.5, high: 1.5}` (seeded)',
  },
  {
    field: '`topology.rows`, `cols`',
    default: 'most nearly square',
    meaning: 'grid and torus shape, `rows * cols = peers`',
  },
  { field: '`topology.degree`', meaning: 'random-regular degree' },
  { field: '`topology.p`', default: '`2 ln(n) / n`', meaning: 'Erdős–Rényi edge probability' },
  {
    field: '`topology.k`, `beta`',
    meaning: 'small world: ring lattice with `k` nearest neighbours, rewiring probability',
  },
  { field: '`topology.m`', meaning: 'Barabási–Albert: edges per new node' },
  { field: '`topology.edges`', default: 'none', meaning: 'explicit edges `[i, j]` or `[i, j, weight]` (kind `edges`)' },
  { field: '`topology.directed`', meaning: 'kind `edges`: each `[i, j]` is a one-way link, `i` sends to `j`' },
  {
    field: '`topology.graphs`, `graphs[].*`',
    default: 'none',
    meaning:
      'kind `schedule`: the graphs used in turn and cycled, each a fixed kind with its own fields (`{kind: edges, edges: [...]}`, `{kind: ring}`, ...); only their union must be connected',
  },
  { field: '`topology.period`', meaning: 'kind `schedule`: rounds each graph is used for before the next' },
  {
    field: '`problem.kind`',
    meaning: '`planted` (generated), `csv`, or `module` (your own problem: docs/problems.md, "The module contract")',
  },
  {
    field: '`problem.loss`',
    meaning: '`squared`, `relu`, `logistic`, `softmax`, `quartic` (docs/algorithms.md, "Losses and gradients")',
  },
  { field: '`problem.dim`', meaning: 'planted: features `d`' },
  { field: '`problem.samples_per_peer`', meaning: 'planted: `m_i`' },
  {
    field: '`problem.seed`',
    meaning: "planted: seed of features, `w*` and noise (peer `i`'s rows depend only on the seed and `i`)",
  },
  { field: '`problem.noise`', meaning: 'planted: standard deviation of label noise' },
  { field: '`problem.classes`', default: '`3` (planted), `0` = inferred (csv)', meaning: 'softmax classes `K`' },
  {
    field: '`problem.feature_scale`',
    meaning: 'planted: `unit-norm` (N(0, 1/d) entries, rows of norm about 1) or `standard` (N(0, 1))',
  },
  {
    field: '`problem.path`',
    default: 'none',
    meaning: 'csv: the data file; module: the ES module file; relative to the experiment file',
  },
  {
    field: '`problem.options`',
    default: '`{}`',
    meaning: "module: any object, handed to the module's default export as its first argument",
  },
  { field: '`problem.target`', meaning: 'csv: target column by header name or 0-based index (negative from the end)' },
  { field: '`problem.header`', meaning: 'csv: first line is a header' },
  {
    field: '`problem.shard`',
    meaning:
      'csv: `contiguous` (peer `i` gets the `i`-th block of `ceil(rows/peers)` rows) or `round-robin` (rows `i, i+n, ...`)',
  },
  { field: '`problem.delimiter`', meaning: 'csv: field separator' },
  { field: '`algorithm.kind`', meaning: 'the update rule (Mitra 2018, Eq. 14)' },
  { field: '`algorithm.eta`', meaning: 'gradient step `eta`' },
  { field: '`algorithm.mu`', meaning: 'per-round coupling gain `mu` of Eq. 14' },
  {
    field: '`algorithm.adapt_then_combine`',
    meaning: 'dsgd: send `w_i - eta g_i(w_i)` and average those, rather than average and then step',
  },
  {
    field: '`algorithm.sampling`',
    meaning:
      '`full`; `{kind: batch, size: m}` (uniform with replacement); `{kind: bernoulli, size: m}` (each sample with probability `m / m_i`, divided by `m`)',
  },
  { field: '`run.rounds`', meaning: 'maximum rounds' },
  {
    field: '`run.mode`',
    meaning:
      '`sync` (wait for every live neighbour\'s round-`t` vector) or `async` (freshest vectors, bounded staleness); see docs/faults.md "Faults and restarts"',
  },
  { field: '`run.max_staleness`', meaning: "async: how many rounds old a neighbour's vector may be" },
  {
    field: '`run.checkpoint_every`',
    meaning:
      'networked runs: checkpoint every this many rounds (and on finishing and Ctrl-C); `null`: never (a restarted peer starts over)',
  },
  { field: '`run.seed`', meaning: 'seed of every per-peer random stream (sampling, init)' },
  {
    field: '`run.target`',
    meaning:
      'stop once `max_i \\|w_i - w_ref\\| <= target * \\|w_ref\\|`, plus the rounds news takes to cross the graph (its diameter on a fixed graph), so a swarm stops on the same round',
  },
  {
    field: '`run.neighbour_timeout_ms`',
    meaning: 'networked runs: a neighbour silent this long is treated as down (left out until it returns)',
  },
  {
    field: '`run.record_every`',
    default: '`null` = `ceil(rounds / 500)`',
    meaning: 'metrics every this many rounds (and the last)',
  },
  { field: '`run.init`', meaning: '`zeros`, or `{kind: gaussian, scale: 1}` (seeded per peer)' },
  { field: '`output.params`', meaning: 'write `params/<i>.f64`' },
  {
    field: '`peers`',
    meaning:
      'networked runs: a static list of peer multiaddrs (`/ip4/10.0.0.5/tcp/4001`, with or without `/p2p/<id>`) that every peer dials at start, for fixed deployments without a bootstrap; or pinned entries `{index, peer_id, addr}` (see docs/swarms.md "Pinned peers")',
  },
  {
    field: '`algorithm.robust`',
    default: '`{clip: null, aggregate: weighted, trim: 1}`',
    meaning: 'opt-in defences against faulty neighbours, see docs/faults.md "Robust options"',
  },
  {
    field: '`compression.kind` (and `levels`, `bits`, `mode`)',
    default: '`none`',
    meaning: 'see docs/experiments.md "Compression"',
  },
  {
    field: '`network.latency_ms`, `jitter_ms`, `loss`, `rate_mbit`',
    meaning:
      "the network lab only (`meshgd swarm --netns`): every link's one-way delay, jitter, packet loss and bandwidth",
  },
  {
    field: '`network.links`',
    meaning: 'the lab: per-edge overrides `{a, b, latency_ms?, jitter_ms?, loss?, rate_mbit?}`',
  },
  {
    field: '`network.partition`',
    meaning:
      'the lab: `{at_round, heal_round, cut: [[a, b], ...]}` or `{at_round, heal_round, groups: [[...], [...]]}`',
  },
  { field: '`algorithm.*` of the other algorithms', default: '', meaning: 'see docs/experiments.md "Algorithms"' },
]

const HEADER = `# Configuration reference

Every field of an experiment file, its default and what it means. An experiment is a YAML or JSON file; every
field has a default, so an empty file is a valid experiment (docs/experiments.md "Experiment files" has an
example).

This page is generated from the schema (\`src/config/schema.ts\`) and the meanings kept beside its generator
(\`src/config/reference.ts\`): edit those, then \`npm run docs:config\` writes it again. \`npm test\` fails while
the two differ.

| field | default | meaning |
|---|---|---|
`

type JsonSchema = {
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  default?: unknown
}

/** Every field path of the schema (`a.b`, array items as `a[].b`) with the defaults its alternatives give it. */
export function schemaFields(): Map<string, unknown[]> {
  const fields = new Map<string, unknown[]>()
  const walk = (node: JsonSchema | undefined, path: string): void => {
    if (!node) return
    for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(alt, path)
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = path ? `${path}.${key}` : key
      const defaults = fields.get(p) ?? []
      if (child.default !== undefined) defaults.push(child.default)
      fields.set(p, defaults)
      walk(child, p)
    }
    if (node.items) walk(node.items, `${path}[]`)
  }
  walk(z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '')
  return fields
}

/** The field paths a row's first cell names: the first in full, later ones as its siblings. */
export function rowPaths(field: string): string[] {
  const names = [...field.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
  const first = names[0]!
  const parent = first.includes('.') ? first.slice(0, first.lastIndexOf('.') + 1) : ''
  return names.map((n, k) => (k === 0 ? n : parent + n))
}

/** One default as the table shows it: `16`, `ring`, `null`, `[]`; a `{kind, ...}` object by its kind. */
function shown(value: unknown, path: string): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'kind' in value)
    return `\`${value.kind}\``
  if (Array.isArray(value) && value.length === 0) return '`[]`'
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return `\`${String(value)}\``
  throw new Error(`${path}: its default ${JSON.stringify(value)} needs a row's own default cell`)
}

/** The default of one field from the schema; a `kind` without one takes its object's (`problem` is `planted`). */
function schemaDefault(fields: Map<string, unknown[]>, path: string): string {
  const own = fields.get(path)
  if (own === undefined) throw new Error(`docs/configuration.md names ${path}, which the schema does not have`)
  let values = own
  if (values.length === 0 && path.endsWith('.kind')) values = fields.get(path.slice(0, -'.kind'.length)) ?? []
  const distinct = [...new Set(values.map((v) => shown(v, path)))]
  if (distinct.length !== 1)
    throw new Error(`${path}: the schema gives ${distinct.length} defaults (${distinct.join(', ')}); say it in words`)
  return distinct[0]!
}

/** The Markdown of docs/configuration.md. */
export function configurationReference(): string {
  const fields = schemaFields()
  const lines = ROWS.map((row) => {
    const paths = rowPaths(row.field).filter((p) => !p.endsWith('.*'))
    for (const p of paths)
      if (!fields.has(p)) throw new Error(`docs/configuration.md names ${p}, which the schema does not have`)
    const cell = row.default ?? paths.map((p) => schemaDefault(fields, p)).join(', ')
    return cell === '' ? `| ${row.field} | | ${row.meaning} |` : `| ${row.field} | ${cell} | ${row.meaning} |`
  })
  return `${HEADER}${lines.join('\n')}\n`
}
