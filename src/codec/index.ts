export * from './wire.js'
export * from './quantize.js'
export * from './vector.js'
