/** What a browser peer's page sets when its peer has finished (`window.meshgd`), for automation and the tests. */
export interface PageResult {
  done: boolean
  index: number
  round: number
  /** base64 of the little-endian float64 parameter vector */
  params: string
  /** messages refused, by reason (the guards of every peer) */
  rejects?: Record<string, number>
  error?: string
}
