/** Bytes as lower-case hexadecimal (gossipsub message IDs, the state fingerprint, swarm keys), in Node and browsers. */

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

export function toHex(bytes: Uint8Array | undefined): string {
  let text = ''
  for (const b of bytes ?? []) text += HEX[b]
  return text
}
