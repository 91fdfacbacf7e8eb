/**
 * Every `meshgd sim` and `meshgd theory` example in README.md and the guides in docs/, parsed out of them and run as
 * written (from a folder where `topology/` is the project's): the documentation cannot drift from the program. The
 * `meshgd swarm` examples run in test/integration/readme-swarm.test.ts (they start real swarms).
 */
import { describe, expect, it } from 'vitest'
import { runMeshgd, workDir } from '../helpers/meshgd.js'
import { documentedCommands } from './readme-commands.js'

const work = workDir('readme', { links: ['topology'] })

const commands = documentedCommands().filter((c) => c.args[0] === 'sim' || c.args[0] === 'theory')

describe('README.md and docs/: the sim and theory examples run as written', () => {
  it('has them (a first experiment: theory, sim, a stronger coupling, --json)', () => {
    expect(
      commands.filter((c) => c.file === 'README.md' && c.section === 'A first experiment').map((c) => c.args[0]),
    ).toEqual(['theory', 'sim', 'sim', 'theory'])
  })

  it('has the swarm examples that test/integration/readme-swarm.test.ts runs: a first swarm, the dashboard, the lab', () => {
    const swarms = documentedCommands().filter((c) => c.args[0] === 'swarm')
    expect(swarms.map((c) => `${c.file} "${c.section}"${c.sudo ? ' (sudo)' : ''}`)).toEqual([
      'README.md "A first swarm"',
      'docs/observability.md "The live dashboard"',
      'docs/swarms.md "The network lab: hosts of their own on one machine" (sudo)',
    ])
  })

  for (const c of commands) {
    it(`${c.file}: ${c.text}`, () => {
      const r = runMeshgd(c.args, { cwd: work, timeout: 60_000 })
      expect(r.status, r.stderr).toBe(0)
      if (c.args.includes('--json')) expect(JSON.parse(r.stdout)).toHaveProperty('elastic.rate')
      else if (c.args[0] === 'sim') expect(r.stdout).toMatch(/^rounds\s+\d+/m)
      else expect(r.stdout).toMatch(/^predicted rate\s+R = /m)
    })
  }
})
