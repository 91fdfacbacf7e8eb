/**
 * Ctrl-C and SIGTERM on `meshgd sim` (issue 18, item 1): the run stops between rounds, writes the outputs of the
 * rounds done and exits 130; a second signal exits at once. (The round loop is synchronous: before the run moved
 * to a worker thread the signal handler never ran, and installing it had turned the default kill off.)
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileWriter, workDir } from '../helpers/meshgd.js'
import { startMeshgd } from '../helpers/processes.js'

const work = workDir('interrupt')
const endless = fileWriter(work)(
  'endless.yaml',
  'swarm: { id: endless, peers: 8 }\nproblem: { dim: 64 }\nalgorithm: { eta: 1, mu: 0.2 }\nrun: { rounds: 100000000, target: null, record_every: 1000 }\n',
)

/** Starts an endless `meshgd sim`, waits until it has recorded rounds, sends `signals` and returns what it did. */
async function interrupt(
  out: string,
  signals: NodeJS.Signals[],
): Promise<{ status: number | null; stderr: string; seconds: number }> {
  const sim = startMeshgd(['sim', endless, '--out', out, '--quiet', '--no-theory'])
  const child = sim.child
  const exited = sim.exit.then(({ code }) => code)
  const metrics = join(out, 'metrics.jsonl')
  for (let k = 0; k < 300 && !(existsSync(metrics) && statSync(metrics).size > 1000); k++)
    await new Promise((r) => setTimeout(r, 100))
  expect(existsSync(metrics)).toBe(true)
  const sent = performance.now()
  for (const signal of signals) child.kill(signal)
  const status = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))])
  if (status === null) child.kill('SIGKILL')
  return { status, stderr: sim.stderr(), seconds: (performance.now() - sent) / 1000 }
}

describe('meshgd sim under a signal', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: stops between rounds within seconds, writes the summary of the rounds done, exits 130`, async () => {
      const out = join(work, signal)
      const r = await interrupt(out, [signal])
      expect(r.status).toBe(130)
      expect(r.seconds).toBeLessThan(10)
      expect(r.stderr).toMatch(/stopping after this round/)
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))
      expect(summary.interrupted).toBe(true)
      expect(summary.rounds).toBeGreaterThan(0)
      expect(summary.rounds).toBeLessThan(100000000)
      expect(existsSync(join(out, 'params', '7.f64'))).toBe(true)
      // issue 25 item 13: said in words, with the round
      expect(r.stderr).toContain(
        `meshgd: interrupted at round ${summary.rounds} of 100000000; the outputs are of the rounds done`,
      )
    })
  }

  it('a second Ctrl-C exits at once', async () => {
    const r = await interrupt(join(work, 'twice'), ['SIGINT', 'SIGINT'])
    expect(r.status).toBe(130)
    expect(r.seconds).toBeLessThan(10)
  })
})
