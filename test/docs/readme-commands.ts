/**
 * The `npx meshgd ...` commands of README.md's shell blocks, as a test runs them: so the README cannot drift from
 * the program (issue 18). A command may continue over lines ending in `\`; a `# comment` ends it.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '..', '..')

export interface ReadmeCommand {
  /** the heading of the section it is in */
  section: string
  /** the line as written (without the comment) */
  text: string
  /** meshgd's arguments: `sim topology/ring.yaml --out runs/ring` */
  args: string[]
  /** run with sudo in the README */
  sudo: boolean
}

/** Split a shell line into words (plain words and single or double quotes; no expansions). */
function words(line: string): string[] {
  const out: string[] = []
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!)
  return out
}

export function readmeCommands(file = join(root, 'README.md')): ReadmeCommand[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const found: ReadmeCommand[] = []
  let section = ''
  let inShell = false
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!
    if (/^```/.test(line)) {
      inShell = !inShell && /^```(sh|bash|shell)\s*$/.test(line)
      continue
    }
    if (!inShell) {
      if (line.startsWith('#')) section = line.replace(/^#+\s*/, '')
      continue
    }
    let text = line
    while (text.trimEnd().endsWith('\\') && k + 1 < lines.length)
      text = text.trimEnd().slice(0, -1) + ' ' + lines[++k]!.trim()
    text = text.replace(/\s+#.*$/, '').trim()
    const m = /^(sudo\s+)?npx meshgd\s+(.*)$/.exec(text)
    if (m) found.push({ section, text, args: words(m[2]!), sudo: m[1] !== undefined })
  }
  return found
}
