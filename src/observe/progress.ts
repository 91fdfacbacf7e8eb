/**
 * Progress of long runs on stderr: a live bar (cli-progress) on a terminal, a line every 10% otherwise (CI logs).
 */
import cliProgress from 'cli-progress'

export interface Progress {
  update(round: number, relError: number | null): void
  /** A short note on what is happening besides the rounds (e.g. "64/64 peers joined"). */
  status(text: string): void
  stop(): void
}

function formatError(relError: number | null): string {
  return relError === null ? 'n/a' : relError.toExponential(2)
}

export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
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
  return {
    update: (round, relError) => {
      if (total > 0 && round / total >= nextShown) {
        stream.write(`${label}: round ${round}/${total}, relative error ${formatError(relError)}\n`)
        while (round / total >= nextShown) nextShown += 0.1
      }
    },
    status: (text) => void stream.write(`${label}: ${text}\n`),
    stop: () => undefined,
  }
}
