/**
 * One peer of the plain-Node yardstick of `npm run bench swarm` (issue 26): what Node itself does for an Eq. 14 ring
 * (Mitra et al., Eq. 14; docs/algorithms.md) with nothing of meshgd in it. Each round a peer writes its vector to both
 * neighbours, waits for theirs, and updates in place; received bytes are copied once, straight into one of two
 * preallocated vectors per neighbour (a neighbour is at most one round ahead), and nothing is allocated per round.
 * It computes the same kind of update as the project (a squared-loss gradient step plus the elastic pull) on
 * made-up data, so its parameters are not compared with anything: it is a clock, not a peer.
 *
 *   node dist/bench/yardstick-peer.js <index> <peers> <d> <rounds>
 *
 * With the parent (bench/swarm-bench.ts): prints `{"port"}`, reads every peer's port (a JSON array) from stdin,
 * dials its right neighbour and accepts its left one, runs, and prints `{"seconds"}` from round 0's complete inbox
 * to the last update, on its own clock.
 */
import { once } from 'node:events'
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

const HOST = '127.0.0.1'
const HEADER = 8 // u32 round, u32 sender

/** A neighbour's incoming bytes, written straight into the vector of the round they carry. */
class Receiver {
  readonly vectors: [Float64Array, Float64Array]
  readonly done = [false, false]
  private readonly bytes: [Uint8Array, Uint8Array]
  private readonly header = new Uint8Array(HEADER)
  private headerAt = 0
  private bodyAt = 0
  private slot = 0

  constructor(
    d: number,
    private readonly onVector: () => void,
  ) {
    this.vectors = [new Float64Array(d), new Float64Array(d)]
    this.bytes = [new Uint8Array(this.vectors[0].buffer), new Uint8Array(this.vectors[1].buffer)]
  }

  push(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.length;) {
      if (this.headerAt < HEADER) {
        const take = Math.min(HEADER - this.headerAt, chunk.length - at)
        this.header.set(chunk.subarray(at, at + take), this.headerAt)
        this.headerAt += take
        at += take
        if (this.headerAt === HEADER) this.slot = new DataView(this.header.buffer).getUint32(0, true) & 1
        continue
      }
      const target = this.bytes[this.slot]!
      const take = Math.min(target.length - this.bodyAt, chunk.length - at)
      target.set(chunk.subarray(at, at + take), this.bodyAt)
      this.bodyAt += take
      at += take
      if (this.bodyAt === target.length) {
        this.done[this.slot] = true
        this.headerAt = 0
        this.bodyAt = 0
        this.onVector()
      }
    }
  }
}

async function main(): Promise<void> {
  const [i, n, d, rounds] = process.argv.slice(2).map(Number) as [number, number, number, number]
  const right = (i + 1) % n
  let wake: (() => void) | null = null
  const onVector = (): void => {
    const w = wake
    wake = null
    w?.()
  }
  const fromLeft = new Receiver(d, onVector)
  const fromRight = new Receiver(d, onVector)
  const server = createServer({ noDelay: true })
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
  server.listen(0, HOST)
  await once(server, 'listening')
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n')
  let text = ''
  for await (const chunk of process.stdin) text += String(chunk)
  const ports = JSON.parse(text) as number[]
  const toRight = createConnection({ host: HOST, port: ports[right]!, noDelay: true })
  await once(toRight, 'connect')
  const toLeft = await accepted
  toLeft.setNoDelay(true)
  toRight.on('data', (c: Buffer) => fromRight.push(c))
  toLeft.on('data', (c: Buffer) => fromLeft.push(c))

  // made-up data: one sample x with label 1; w starts at 0
  const x = Float64Array.from({ length: d }, (_, k) => Math.cos(i + k) / Math.sqrt(d))
  let w = new Float64Array(d)
  let next = new Float64Array(d)
  const header = new Uint8Array(HEADER)
  const view = new DataView(header.buffer)
  let started = performance.now()
  for (let t = 0; t < rounds; t++) {
    view.setUint32(0, t, true)
    view.setUint32(4, i, true)
    // the socket keeps what it is given until written: hand it its own copy of w, as any sender must
    const body = new Uint8Array(w.buffer.slice(0))
    for (const socket of [toLeft, toRight]) {
      socket.cork()
      socket.write(header.slice())
      socket.write(body)
      socket.uncork()
    }
    const slot = t & 1
    while (!(fromLeft.done[slot] && fromRight.done[slot])) await new Promise<void>((resolve) => (wake = resolve))
    fromLeft.done[slot] = fromRight.done[slot] = false
    if (t === 0) started = performance.now()
    const a = fromLeft.vectors[slot]!
    const b = fromRight.vectors[slot]!
    let dot = 0
    for (let k = 0; k < d; k++) dot += x[k]! * w[k]!
    const residual = dot - 1
    for (let k = 0; k < d; k++) next[k] = w[k]! - residual * x[k]! + 0.2 * (a[k]! - w[k]! + (b[k]! - w[k]!))
    ;[w, next] = [next, w]
  }
  process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000 }) + '\n')
  toLeft.end()
  toRight.end()
  server.close()
}

main().catch((err: unknown) => {
  process.stderr.write(`yardstick peer: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
