/**
 * The `npx meshgd ...` commands of the shell blocks of README.md and of every guide in docs/, as a test runs them:
 * so the documentation cannot drift from the program (issue 18). A command may continue over lines ending in `\`;
 * a `# comment` ends it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '..', '..')

export interface ReadmeCommand {
  /** the document it is in, from the repository root: `README.md`, `docs/design.md` */
  file: string
  /** the heading of the section it is in */
  section: string
  /** the line as written (without the comment) */
  text: string
  /** meshgd's arguments: `sim topology/ring.yaml --out runs/ring` */
  args: string[]
  /** run with sudo in the document */
  sudo: boolean
}

/** Split a shell line into words (plain words and single or double quotes; no expansions). */
function words(line: string): string[] {
  const out: string[] = []
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!)
  return out
}

/**
 * The commands of one Markdown document (README.md unless told), in the order they are written; `dir`: the
 * repository root its `file` is named from.
 */
export function readmeCommands(file = join(root, 'README.md'), dir = root): ReadmeCommand[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const found: ReadmeCommand[] = []
  const name = relative(dir, file)
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
    if (m) found.push({ file: name, section, text, args: words(m[2]!), sudo: m[1] !== undefined })
  }
  return found
}

/** The Markdown documents whose commands are tested: README.md, then every guide in docs/ by name. */
export function documents(dir = root): string[] {
  const guides = readdirSync(join(dir, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
  return [join(dir, 'README.md'), ...guides.map((f) => join(dir, 'docs', f))]
}

/** The commands of README.md and of every guide in docs/, document by document. */
export function documentedCommands(dir = root): ReadmeCommand[] {
  return documents(dir).flatMap((f) => readmeCommands(f, dir))
}
