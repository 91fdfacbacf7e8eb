/** What a browser peer's page shows: its index, round, error and neighbours, its last log lines, and the download. */
import type { RoundRecord } from '../exchange/records.js'

const LOG_LINES = 30

export class PageView {
  private readonly status: HTMLElement
  private readonly log: HTMLElement
  private readonly download: HTMLAnchorElement

  constructor(
    doc: Document,
    private readonly index: number,
    private readonly rounds: number,
  ) {
    doc.title = `meshgd peer ${index}`
    this.status = doc.getElementById('status')!
    this.log = doc.getElementById('log')!
    this.download = doc.getElementById('download') as HTMLAnchorElement
    this.show(`peer ${index}: starting`)
  }

  show(text: string): void {
    this.status.textContent = text
  }

  line(text: string): void {
    const item = this.log.ownerDocument.createElement('li')
    item.textContent = text
    this.log.append(item)
    while (this.log.childElementCount > LOG_LINES) this.log.firstElementChild!.remove()
  }

  /** The newest record of a batch: round, error, neighbours heard. */
  records(lines: string): void {
    const last = lines.trimEnd().split('\n').pop()
    if (!last) return
    const r = JSON.parse(last) as RoundRecord
    const error = r.error === null ? '' : `, error ${r.error.toExponential(3)}`
    this.show(`peer ${this.index}: round ${r.round} of ${this.rounds}${error}, ${r.neighbours} neighbour(s) heard`)
  }

  /** Offer the final parameters (little-endian float64, as `params/<i>.f64`). */
  offer(bytes: Uint8Array): void {
    const blob = new Blob([bytes.slice().buffer], { type: 'application/octet-stream' })
    this.download.href = URL.createObjectURL(blob)
    this.download.download = `${this.index}.f64`
    this.download.hidden = false
  }
}
