/**
 * Rate-limited logging of rejected messages (SECURITY.md): a hostile peer can send thousands of bad frames a
 * second, and each is counted, but a line is written only for the first rejection of each (remote peer, reason)
 * pair, and at most `burst` such lines per `windowMs` overall; what is held back is summed up in one line when the
 * window closes. The clock is passed in, so this is testable without timers.
 */
export class RejectLog {
  private readonly seen = new Set<string>()
  private windowStart = -Infinity
  private linesInWindow = 0
  private suppressed = 0

  constructor(
    private readonly write: (line: string) => void,
    private readonly opts: { burst?: number; windowMs?: number; maxKeys?: number } = {},
  ) {}

  /** Record one rejection; writes at most one line (plus a summary of suppressed lines). */
  note(remote: string, reason: string, now: number, prefix = ''): void {
    const burst = this.opts.burst ?? 10
    const windowMs = this.opts.windowMs ?? 60_000
    if (now - this.windowStart >= windowMs) {
      if (this.suppressed > 0)
        this.write(
          `${prefix}${this.suppressed} further rejection line(s) suppressed in the last ${Math.round(windowMs / 1000)} s (all are counted)`,
        )
      this.windowStart = now
      this.linesInWindow = 0
      this.suppressed = 0
    }
    const key = `${remote}\u0000${reason}`
    if (this.seen.has(key)) return
    if (this.seen.size >= (this.opts.maxKeys ?? 10_000)) return // bounded memory against a flood of identities
    this.seen.add(key)
    if (this.linesInWindow >= burst) {
      this.suppressed++
      return
    }
    this.linesInWindow++
    this.write(
      `${prefix}rejected a message from ${remote} (${reason}); further ones from it for this reason are only counted`,
    )
  }
}
