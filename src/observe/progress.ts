/**
 * Progress of long runs on stderr: a live bar (cli-progress) on a terminal; otherwise (CI logs, containers, a pipe)
 * a line every 10% of the rounds and at least every `LINE_EVERY_MS` while rounds go on.
 */
import cliProgress from 'cli-progress'

export interface Progress {
  update(round: number, relError: number | null): void
  /** A short note on what is happening besides the rounds (e.g. "64/64 peers joined"). */
  status(text: string): void
  stop(): void
}

/** Without a terminal, the longest silence while rounds go on (a 200,000-round run took 20 s per 10%). */
export const LINE_EVERY_MS = 5000

function formatError(relError: number | null): string {
  return relError === null ? 'n/a' : relError.toExponential(2)
}

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): Progress {
  if (stream.isTTY && total > 0) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} rounds | rel. error {err}{status} | {duration_formatted}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(total, 0, { err: 'n/a', status: '' })
    return {
      update: (round, relError) => bar.update(Math.min(round, total), { err: formatError(relError) }),
      status: (text) => bar.update({ status: ` | ${text}` }),
      stop: () => bar.stop(),
    }
  }
  let nextShown = 0.1
  let lastLine = now()
  let lastRound = -1
  return {
    update: (round, relError) => {
      const milestone = total > 0 && round / total >= nextShown
      const quiet = round !== lastRound && now() - lastLine >= LINE_EVERY_MS
      if (milestone || quiet) {
        stream.write(`${label}: round ${round}/${total}, relative error ${formatError(relError)}\n`)
        lastLine = now()
        lastRound = round
        while (total > 0 && round / total >= nextShown) nextShown += 0.1
      }
    },
    status: (text) => {
      stream.write(`${label}: ${text}\n`)
      lastLine = now()
    },
    stop: () => undefined,
  }
}
