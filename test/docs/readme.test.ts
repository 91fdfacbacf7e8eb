/**
 * Every `meshgd sim` and `meshgd theory` example in README.md, parsed out of it and run as written (from a folder
 * where `topology/` is the project's): the README cannot drift from the program. The `meshgd swarm` examples run
 * in test/integration/readme-swarm.test.ts (they start real swarms).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readmeCommands, root } from './readme-commands.js'

const work = mkdtempSync(join(tmpdir(), 'meshgd-readme-'))
symlinkSync(join(root, 'topology'), join(work, 'topology'))
const bin = join(root, 'bin', 'meshgd.js')

const commands = readmeCommands().filter((c) => c.args[0] === 'sim' || c.args[0] === 'theory')

describe('README.md: the sim and theory examples run as written', () => {
  it('has them (a first experiment: theory, sim, a stronger coupling, --json)', () => {
    expect(commands.filter((c) => c.section === 'A first experiment').map((c) => c.args[0])).toEqual(['theory', 'sim', 'sim', 'theory'])
  })

  for (const c of commands) {
    it(c.text, () => {
      const r = spawnSync(process.execPath, [bin, ...c.args], { cwd: work, encoding: 'utf8', timeout: 60_000 })
      expect(r.status, r.stderr).toBe(0)
      if (c.args.includes('--json')) expect(JSON.parse(r.stdout)).toHaveProperty('elastic.rate')
      else if (c.args[0] === 'sim') expect(r.stdout).toMatch(/^rounds\s+\d+/m)
      else expect(r.stdout).toMatch(/^predicted rate\s+R = /m)
    })
  }
})
