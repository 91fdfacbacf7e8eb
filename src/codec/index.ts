export * from './wire.js'
export * from './quantize.js'
