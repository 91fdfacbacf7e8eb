/**
 * Every `meshgd swarm` example in README.md and the guides in docs/, parsed out of them and run as written (from a
 * folder where `topology/` is the project's); the lab example (`sudo ... --netns`) where this test runs as root
 * with `ip netns`.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { documentedCommands } from '../docs/readme-commands.js'
import { runMeshgd, workDir } from '../helpers/meshgd.js'

const work = workDir('readme-swarm', { links: ['topology'] })
const isRoot = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0

describe('README.md and docs/: the swarm examples run as written', () => {
  const commands = documentedCommands().filter((c) => c.args[0] === 'swarm')
  it('has them', () => expect(commands.length).toBeGreaterThanOrEqual(2))
  for (const c of commands) {
    it.skipIf(c.sudo && !isRoot)(
      `${c.file}: ${c.text}`,
      () => {
        const r = runMeshgd([...c.args, '--quiet'], { cwd: work, timeout: 240_000 })
        expect(r.status, r.stderr).toBe(0)
        expect(r.stdout).toMatch(/^rounds\s+\d+ \(target reached at round \d+; every peer knew it \d+ rounds later\)$/m)
        // the run directory as the command reports it (an example without --out gets runs/<swarm id>-<time>)
        const out = /^run directory\s+(\S+)$/m.exec(r.stdout)?.[1] ?? ''
        expect(JSON.parse(readFileSync(resolve(work, out, 'summary.json'), 'utf8')).converged).toBe(true)
      },
      300_000,
    )
  }
})
