/** Options shared by several commands: repeatable flags, and `--set` (one definition, one help text). */
import { Option } from 'commander'

const collect = (value: string, previous: string[]): string[] => [...previous, value]

/**
 * A flag that may be given several times, collected into a list. `shownDefault` is what the help says when it is
 * left out (commander would print the empty list as `(default: [])`).
 */
export function repeatableOption(flags: string, description: string, shownDefault = 'none'): Option {
  return new Option(flags, `${description} (repeatable)`).argParser(collect).default([], shownDefault)
}

/** `--set key=value`: override a field of the experiment by its dotted path. */
export function setOption(): Option {
  return repeatableOption('--set <key=value>', 'override a field by its dotted path', 'none')
}
