/**
 * How a peer's error is coloured, the same in the report's topology picture and on the live dashboard
 * (web/dashboard/graph.js holds the same numbers, and a test checks they agree): log10 of the relative error
 * on a fixed scale, green at 1e-12 and below, red at 1 and above, mixed in RGB between. A fixed scale keeps noise
 * at the floating-point floor (every peer at 2e-15) green, where a scale fitted to the values would paint it red.
 */
export const ERROR_COLOURS = { low: 1e-12, high: 1, from: [56, 161, 105], to: [229, 62, 62] } as const

const hex = (rgb: readonly number[]): string => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`

/** The vega-lite colour scale of relative errors. */
export function errorColourScale(): Record<string, unknown> {
  return {
    type: 'log',
    domain: [ERROR_COLOURS.low, ERROR_COLOURS.high],
    clamp: true,
    range: [hex(ERROR_COLOURS.from), hex(ERROR_COLOURS.to)],
    interpolate: 'rgb',
  }
}
