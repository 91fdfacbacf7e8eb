/**
 * Every `meshgd swarm` example in README.md, parsed out of it and run as written (from a folder where `topology/`
 * is the project's); the lab example (`sudo ... --netns`) where this test runs as root with `ip netns`.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readmeCommands } from '../docs/readme-commands.js'
import { runMeshgd, workDir } from '../helpers/meshgd.js'

const work = workDir('readme-swarm', { links: ['topology'] })
const isRoot = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0

describe('README.md: the swarm examples run as written', () => {
  const commands = readmeCommands().filter((c) => c.args[0] === 'swarm')
  it('has them', () => expect(commands.length).toBeGreaterThanOrEqual(2))
  for (const c of commands) {
    it.skipIf(c.sudo && !isRoot)(
      c.text,
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
