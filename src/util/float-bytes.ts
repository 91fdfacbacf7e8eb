/** Vectors as little-endian float64 bytes, the form of `params/<i>.f64` and of checkpoints, whatever the host. */

/** Little-endian float64 bytes of a vector (the host may be either endianness). */
export function float64LeBytes(v: Float64Array): Uint8Array {
  const bytes = new Uint8Array(v.length * 8)
  const view = new DataView(bytes.buffer)
  for (let k = 0; k < v.length; k++) view.setFloat64(k * 8, v[k]!, true)
  return bytes
}

export function readFloat64Le(bytes: Uint8Array): Float64Array {
  if (bytes.length % 8 !== 0)
    throw new RangeError(`readFloat64Le: ${bytes.length} bytes is not a whole number of float64`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const out = new Float64Array(bytes.length / 8)
  for (let k = 0; k < out.length; k++) out[k] = view.getFloat64(k * 8, true)
  return out
}
