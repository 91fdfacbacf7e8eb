/**
 * Progress of `meshgd sweep` on stderr, counted in cells: a live bar (cli-progress) on a terminal, one line per
 * finished cell otherwise (CI logs, tests), each naming the cell and its measured rate, and a line at least every
 * 5 s while cells run (a long cell left the log silent for 45 s).
 */
import cliProgress from 'cli-progress'
import { LINE_EVERY_MS } from '../observe/progress.js'

export interface SweepProgress {
  /** a cell finished: its key and a short note (its rate) */
  finished(key: string, note: string): void
  stop(): void
}

export function createSweepProgress(
  total: number,
  doneBefore: number,
  stream: NodeJS.WriteStream = process.stderr,
): SweepProgress {
  let done = doneBefore
  if (stream.isTTY && total > 0) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'sweep [{bar}] {value}/{total} cells | {last} | {duration_formatted}',
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(total, done, { last: doneBefore > 0 ? `${doneBefore} finished before` : 'starting' })
    return {
      finished: (key, note) => bar.update(++done, { last: `${key}: ${note}` }),
      stop: () => bar.stop(),
    }
  }
  const started = Date.now()
  let lastLine = started
  const line = (text: string): void => {
    stream.write(text)
    lastLine = Date.now()
  }
  const ticker = setInterval(() => {
    if (Date.now() - lastLine >= LINE_EVERY_MS)
      line(`sweep: ${done}/${total} cells, still running (${Math.round((Date.now() - started) / 1000)} s)\n`)
  }, 1000)
  ticker.unref()
  return {
    finished: (key, note) => line(`sweep: ${++done}/${total} cells, ${key}: ${note}\n`),
    stop: () => clearInterval(ticker),
  }
}
