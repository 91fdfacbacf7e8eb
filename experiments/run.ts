/**
 * `npm run experiments [-- --update] [name...]`: regenerate the figures of every seed paper (or of the named ones;
 * those in ON_REQUEST only when named), with one line of progress per figure, into runs/experiments/<name>/; with
 * `--update`, over the figures kept in git (experiments/<name>/, which the READMEs show). Some figures measure time
 * on this machine (the lab's), so a plain run leaves the committed ones as they are. Each paper's make.ts holds its data and its figures.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { paperDir, repoRoot } from './common.js'
import * as mitra from './000-mitra/make.js'
import * as mbb from './002-ma-bassily-belkin/make.js'
import * as zhangLi from './001-zhang-li/make.js'
import * as boffiSlotine from './004-boffi-slotine/make.js'
import * as kalan from './003-kalan-relu-qsgd/make.js'
import * as yingExponential from './005-ying-exponential/make.js'
import * as trackingBias from './006-tracking-bias/make.js'
import * as pushSum from './007-push-sum/make.js'
import * as mnistMlp from './008-mnist-mlp/make.js'

interface Paper {
  readonly PAPER: string
  make(outDir: string, progress: (line: string) => void): Promise<void>
}

const PAPERS: readonly Paper[] = [
  mitra,
  zhangLi,
  mbb,
  kalan,
  boffiSlotine,
  yingExponential,
  trackingBias,
  pushSum,
  mnistMlp,
]

/** Run only when named: they train for minutes by design. */
const ON_REQUEST = new Set([mnistMlp.PAPER])

async function main(args: readonly string[]): Promise<void> {
  const update = args.includes('--update')
  const names = args.filter((a) => a !== '--update')
  const chosen =
    names.length === 0
      ? PAPERS.filter((p) => !ON_REQUEST.has(p.PAPER))
      : PAPERS.filter((p) => names.some((n) => p.PAPER === n || p.PAPER.startsWith(n)))
  if (chosen.length === 0) {
    console.error(`no such experiment: ${names.join(', ')} (have ${PAPERS.map((p) => p.PAPER).join(', ')})`)
    process.exit(2)
  }
  const start = performance.now()
  for (const paper of chosen) {
    const t0 = performance.now()
    const out = update ? paperDir(paper.PAPER) : join(repoRoot(), 'runs', 'experiments', paper.PAPER)
    mkdirSync(out, { recursive: true })
    console.log(`${paper.PAPER}: figures into ${out}`)
    await paper.make(out, (line) => console.log(line))
    console.log(`${paper.PAPER}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  }
  console.log(`experiments: ${chosen.length} paper(s) in ${((performance.now() - start) / 1000).toFixed(1)} s`)
}

await main(process.argv.slice(2))
