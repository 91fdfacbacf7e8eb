/**
 * `meshgd node` runs from one bundled file (dist/meshgd-node.mjs, scripts/build-node.ts) when it is built: the file
 * loads nothing from node_modules but the packages kept outside on purpose, and the peer it runs answers bad input
 * exactly as the separate modules do (MESHGD_UNBUNDLED=1). Real swarms through the bundle are the swarm tests.
 */
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildNodePeer } from '../../scripts/build-node.js'
import { fileWriter, meshgdRunner, root, workDir } from '../helpers/meshgd.js'

const work = workDir('node-bundle')
const run = meshgdRunner({ cwd: work, timeout: 60_000 })
const experimentFile = fileWriter(work)
const BUNDLE = join(root, 'dist', 'meshgd-node.mjs')

describe('the Node peer bundle', () => {
  it("is built, and imports at run time only Node's modules and the packages kept outside it on purpose", async () => {
    expect(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build makes it`).toBe(true)
    const { imports } = await buildNodePeer(join(work, 'meshgd-node.mjs'))
    const packages = imports.filter((spec) => !spec.startsWith('node:') && !builtinModules.includes(spec))
    // xsalsa20: patched where @libp2p/pnet loads it; the others: optional native add-ons, loaded when installed
    expect(packages).toEqual(['bufferutil', 'msgpackr-extract', 'utf-8-validate', 'xsalsa20'])
    expect(readFileSync(join(work, 'meshgd-node.mjs')).equals(readFileSync(BUNDLE))).toBe(true) // dist's is current
  })

  it('answers bad input with the same line and status as the separate modules', () => {
    const exp = experimentFile('ring.yaml', 'swarm: { id: b, peers: 4 }\nproblem: { dim: 8 }\n')
    const cases = [
      ['node', join(work, 'missing.yaml'), '--index', '0'],
      ['node', exp, '--index', '9'],
      ['node', exp, '--index', '0', '--bootstrap', 'nonsense'],
      ['node', exp, '--index', '0', '--set', 'algorithm.eta=-1'],
    ]
    for (const args of cases) {
      const bundled = run(args)
      const separate = run(args, { env: { MESHGD_UNBUNDLED: '1' } })
      expect(bundled.status, args.join(' ')).toBe(2)
      expect(separate.status).toBe(2)
      expect(bundled.stderr).toBe(separate.stderr)
      expect(bundled.stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})
