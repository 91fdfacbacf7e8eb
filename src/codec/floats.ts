/**
 * Kernels behind the f64 and f32 payloads of wire.ts (pure): the payload is IEEE-754 little-endian, so on a
 * little-endian host a float64 payload is a plain byte copy and a float32 one a typed-array conversion; every kernel
 * takes `littleEndian` (the host's byte order, `HOST_LITTLE_ENDIAN`) and keeps the element-wise DataView path for
 * big-endian hosts, which tests run by passing false.
 *
 * Finiteness is checked on the payload bytes themselves (an all-ones exponent field: bits 52..62 of a float64, 23..30
 * of a float32), which needs neither the host's byte order nor an aligned payload, before anything is copied.
 */

/** True on a little-endian host (every platform Node ships for today). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/** out[0..8d) = v as little-endian float64 (`out` holds at least 8 v.length bytes). */
export function writeF64(v: Float64Array, out: Uint8Array, littleEndian: boolean): void {
  if (littleEndian) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    return
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  for (let k = 0; k < v.length; k++) view.setFloat64(8 * k, v[k]!, true)
}

/** out[0..4d) = v rounded to float32 (round to nearest), little-endian. */
export function writeF32(v: Float64Array, out: Uint8Array, littleEndian: boolean): void {
  if (littleEndian && out.byteOffset % 4 === 0) {
    // a loop, not Float32Array.prototype.set: V8 converts element by element in C++ there, several times slower
    const f32 = new Float32Array(out.buffer, out.byteOffset, v.length)
    for (let k = 0; k < v.length; k++) f32[k] = v[k]!
    return
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  for (let k = 0; k < v.length; k++) view.setFloat32(4 * k, v[k]!, true)
}

/** Index of the first float of `count` in the payload whose exponent is all ones (NaN or an infinity), or -1. */
export function firstNonFinite(payload: Uint8Array, width: 4 | 8, count: number): number {
  if (width === 8) {
    for (let k = 0, at = 7; k < count; k++, at += 8) {
      if ((payload[at]! & 0x7f) === 0x7f && (payload[at - 1]! & 0xf0) === 0xf0) return k
    }
  } else {
    for (let k = 0, at = 3; k < count; k++, at += 4) {
      if ((payload[at]! & 0x7f) === 0x7f && (payload[at - 1]! & 0x80) === 0x80) return k
    }
  }
  return -1
}

/** The float at `index` of a little-endian payload, for error messages. */
export function floatAt(payload: Uint8Array, width: 4 | 8, index: number): number {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length)
  return width === 8 ? view.getFloat64(8 * index, true) : view.getFloat32(4 * index, true)
}

/** out[0..count) = the first `count` floats of the payload (float32 widened exactly). */
export function readFloats(
  payload: Uint8Array,
  width: 4 | 8,
  count: number,
  out: Float64Array,
  littleEndian: boolean,
): void {
  if (!littleEndian) {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.length)
    for (let k = 0; k < count; k++) out[k] = width === 8 ? view.getFloat64(8 * k, true) : view.getFloat32(4 * k, true)
    return
  }
  if (width === 8) {
    new Uint8Array(out.buffer, out.byteOffset, 8 * count).set(payload.subarray(0, 8 * count))
    return
  }
  widenF32(payload, count, out)
}

/**
 * Widen `count` little-endian float32 into `out` on a little-endian host: straight from the payload when it is
 * 4-byte aligned, else after one copy into the upper half of out's own bytes, widened front to back in place
 * (float32 k sits at byte 4 count + 4 k and is read before out[k], bytes 8 k..8 k + 7, is written; 8 k + 8 <=
 * 4 count + 4 k + 4 for k < count, so nothing is overwritten before it is read).
 */
function widenF32(payload: Uint8Array, count: number, out: Float64Array): void {
  if (payload.byteOffset % 4 === 0) {
    const src = new Float32Array(payload.buffer, payload.byteOffset, count)
    for (let k = 0; k < count; k++) out[k] = src[k]!
    return
  }
  new Uint8Array(out.buffer, out.byteOffset + 4 * count, 4 * count).set(payload.subarray(0, 4 * count))
  const src = new Float32Array(out.buffer, out.byteOffset + 4 * count, count)
  for (let k = 0; k < count; k++) out[k] = src[k]!
}
