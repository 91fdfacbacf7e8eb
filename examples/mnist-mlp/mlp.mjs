// @ts-check
/**
 * A multilayer perceptron 784-H-10 for digits: a ReLU hidden layer, a softmax output, the mean cross-entropy loss,
 * and its gradient by hand-written backpropagation (Rumelhart, Hinton & Williams 1986) over Float64Arrays.
 *
 * Parameter layout (dim = 785 H + 10 H + 10; 50,890 for H = 64):
 *   W1  H x 784, row-major (row h: hidden unit h's weights on the pixels)   w[0 .. 784 H - 1]
 *   b1  H                                                                  w[784 H .. 785 H - 1]
 *   W2  10 x H, row-major (row k: class k's weights on the hidden units)   w[785 H .. 795 H - 1]
 *   b2  10                                                                 w[795 H .. 795 H + 9]
 *
 * Samples go through in chunks of CHUNK images, in buffers made once per network, so a gradient, a loss or an
 * accuracy over any number of samples allocates nothing. Pixels that are 0 are skipped (the images are sparse;
 * see digits.mjs): the forward product and the W1 gradient cost about a fifth of the dense multiply-adds, with the
 * same result.
 */
/** @typedef {import('./digits.mjs').DigitSet} DigitSet */

// Defined here rather than imported: the hot loops read them, and a module loader that rewrites imports into
// property reads (as vitest's does) would put a property read into every multiply-add.
/** the network's inputs: one per pixel of a 28 x 28 image */
export const PIXELS = 28 * 28
/** the network's outputs: one per digit */
export const CLASSES = 10

export const CHUNK = 64

export class Mlp {
  /** @param {number} hidden */
  constructor(hidden) {
    this.hidden = hidden
    this.b1At = hidden * PIXELS
    this.w2At = this.b1At + hidden
    this.b2At = this.w2At + CLASSES * hidden
    this.dim = this.b2At + CLASSES
    /** hidden activations of the chunk's images, [image][unit] */
    this.activation = new Float64Array(CHUNK * hidden)
    /** the loss's derivative in each hidden unit's input, [image][unit] */
    this.hiddenDelta = new Float64Array(CHUNK * hidden)
    /** the chunk's logits, then its class probabilities, then the output deltas, [image][class] */
    this.output = new Float64Array(CHUNK * CLASSES)
    /** which image of the set each chunk position holds */
    this.rows = new Int32Array(CHUNK)
    /** the summed loss and the images classified right of the last outputForward */
    this.chunkLoss = 0.5
    this.correct = 0
    /** what backward scales the chunk's gradient by: 1 / the batch size (a field, for the reason above) */
    this.scale = 0.5
    /** the share of images classified right by the last meanLoss */
    this.accuracy = 0
  }

  /** @param {Float64Array} vector @param {string} what */
  checkLength(vector, what) {
    if (!(vector instanceof Float64Array) || vector.length !== this.dim) {
      throw new RangeError(`mnist-mlp: ${what} must be a Float64Array of length ${this.dim}, got ${vector?.length}`)
    }
  }

  /**
   * The chunk of `count` images starting at position `from`: of `batch` when given, else of the set in order.
   * @param {DigitSet} set @param {Int32Array | null} batch @param {number} from @param {number} count
   */
  loadRows(set, batch, from, count) {
    const rows = this.rows
    for (let s = 0; s < count; s++) {
      const image = batch === null ? from + s : batch[from + s]
      if (!(image >= 0 && image < set.count)) {
        throw new RangeError(`mnist-mlp: sample index ${image} is outside 0 .. ${set.count - 1}`)
      }
      rows[s] = image
    }
  }

  /**
   * activation = ReLU(W1 x + b1) for the chunk's images. Eight hidden units at a time share each pixel's index and
   * value and keep eight independent sums (one running sum would wait on the adder's latency at every pixel).
   * @param {Float64Array} w @param {DigitSet} set @param {number} count
   */
  hiddenForward(w, set, count) {
    const hidden = this.hidden
    const activation = this.activation
    const rowStart = set.rowStart
    const pixelIndex = set.pixelIndex
    const pixelValue = set.pixelValue
    for (let s = 0; s < count; s++) {
      const begin = rowStart[this.rows[s]]
      const end = rowStart[this.rows[s] + 1]
      const at = s * hidden
      let h = 0
      for (; h + 8 <= hidden; h += 8) {
        const r = h * PIXELS
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0,
          s4 = 0,
          s5 = 0,
          s6 = 0,
          s7 = 0
        for (let e = begin; e < end; e++) {
          const p = r + pixelIndex[e]
          const v = pixelValue[e]
          s0 += w[p] * v
          s1 += w[p + PIXELS] * v
          s2 += w[p + 2 * PIXELS] * v
          s3 += w[p + 3 * PIXELS] * v
          s4 += w[p + 4 * PIXELS] * v
          s5 += w[p + 5 * PIXELS] * v
          s6 += w[p + 6 * PIXELS] * v
          s7 += w[p + 7 * PIXELS] * v
        }
        activation[at + h] = s0
        activation[at + h + 1] = s1
        activation[at + h + 2] = s2
        activation[at + h + 3] = s3
        activation[at + h + 4] = s4
        activation[at + h + 5] = s5
        activation[at + h + 6] = s6
        activation[at + h + 7] = s7
      }
      for (; h < hidden; h++) {
        let sum = 0
        for (let e = begin; e < end; e++) sum += w[h * PIXELS + pixelIndex[e]] * pixelValue[e]
        activation[at + h] = sum
      }
      for (h = 0; h < hidden; h++) {
        const z = activation[at + h] + w[this.b1At + h]
        activation[at + h] = z > 0 ? z : 0
      }
    }
  }

  /**
   * Logits W2 a + b2, turned in place into class probabilities (a softmax shifted by the largest logit, so no
   * exponential overflows). Leaves the summed cross-entropy -log p(label) in `chunkLoss` and the argmax hits in
   * `correct` (fields, not a returned number: a double returned from a call that is not inlined is boxed, which
   * would allocate at every chunk).
   * @param {Float64Array} w @param {DigitSet} set @param {number} count
   */
  outputForward(w, set, count) {
    const hidden = this.hidden
    const activation = this.activation
    const output = this.output
    let loss = 0
    let correct = 0
    for (let s = 0; s < count; s++) {
      const at = s * CLASSES
      const label = set.labels[this.rows[s]]
      let largest = -Infinity
      let best = 0
      for (let k = 0; k < CLASSES; k++) {
        const rowAt = this.w2At + k * hidden
        let sum = w[this.b2At + k]
        for (let h = 0; h < hidden; h++) sum += w[rowAt + h] * activation[s * hidden + h]
        output[at + k] = sum
        if (sum > largest) {
          largest = sum
          best = k
        }
      }
      const labelLogit = output[at + label]
      let total = 0
      for (let k = 0; k < CLASSES; k++) {
        const e = Math.exp(output[at + k] - largest)
        output[at + k] = e
        total += e
      }
      for (let k = 0; k < CLASSES; k++) output[at + k] /= total
      loss += Math.log(total) + largest - labelLogit // -log softmax(z)_label, exact for large logits
      if (best === label) correct++
    }
    this.correct = correct
    this.chunkLoss = loss
  }

  /**
   * Adds `this.scale` times the chunk's summed gradient into `out`: output deltas p - onehot(label), then W2 and b2,
   * then the hidden deltas (W2^T delta, where the unit is active), then W1 and b1.
   * @param {Float64Array} w @param {DigitSet} set @param {number} count @param {Float64Array} out
   */
  backward(w, set, count, out) {
    const scale = this.scale
    const hidden = this.hidden
    const activation = this.activation
    const output = this.output
    const hiddenDelta = this.hiddenDelta
    for (let s = 0; s < count; s++) {
      const at = s * CLASSES
      output[at + set.labels[this.rows[s]]] -= 1
      for (let k = 0; k < CLASSES; k++) output[at + k] *= scale
    }
    hiddenDelta.fill(0, 0, count * hidden)
    for (let k = 0; k < CLASSES; k++) {
      const rowAt = this.w2At + k * hidden
      for (let s = 0; s < count; s++) {
        const delta = output[s * CLASSES + k]
        const actAt = s * hidden
        out[this.b2At + k] += delta
        for (let h = 0; h < hidden; h++) {
          out[rowAt + h] += delta * activation[actAt + h]
          hiddenDelta[actAt + h] += delta * w[rowAt + h]
        }
      }
    }
    // ReLU: no gradient flows through an inactive unit
    for (let k = 0; k < count * hidden; k++) if (activation[k] <= 0) hiddenDelta[k] = 0
    this.firstLayerBackward(set, count, out)
  }

  /**
   * W1 and b1 gradients from the hidden deltas (zero at inactive units): four units at a time share each pixel's
   * index and value; a block of four inactive units is skipped.
   * @param {DigitSet} set @param {number} count @param {Float64Array} out
   */
  firstLayerBackward(set, count, out) {
    const hidden = this.hidden
    const hiddenDelta = this.hiddenDelta
    const rowStart = set.rowStart
    const pixelIndex = set.pixelIndex
    const pixelValue = set.pixelValue
    for (let s = 0; s < count; s++) {
      const begin = rowStart[this.rows[s]]
      const end = rowStart[this.rows[s] + 1]
      const at = s * hidden
      let h = 0
      for (; h + 4 <= hidden; h += 4) {
        const d0 = hiddenDelta[at + h]
        const d1 = hiddenDelta[at + h + 1]
        const d2 = hiddenDelta[at + h + 2]
        const d3 = hiddenDelta[at + h + 3]
        if (d0 === 0 && d1 === 0 && d2 === 0 && d3 === 0) continue
        const r = h * PIXELS
        for (let e = begin; e < end; e++) {
          const p = r + pixelIndex[e]
          const v = pixelValue[e]
          out[p] += d0 * v
          out[p + PIXELS] += d1 * v
          out[p + 2 * PIXELS] += d2 * v
          out[p + 3 * PIXELS] += d3 * v
        }
      }
      for (; h < hidden; h++) {
        const d = hiddenDelta[at + h]
        for (let e = begin; e < end; e++) out[h * PIXELS + pixelIndex[e]] += d * pixelValue[e]
      }
      for (h = 0; h < hidden; h++) out[this.b1At + h] += hiddenDelta[at + h]
    }
  }

  /**
   * The mean gradient over the images `batch` of `set`, written into `out`.
   * @param {Float64Array} w @param {DigitSet} set @param {Int32Array} batch @param {Float64Array} out
   */
  gradient(w, set, batch, out) {
    this.checkLength(w, 'w')
    this.checkLength(out, 'out')
    if (batch.length === 0) throw new RangeError('mnist-mlp: the batch is empty')
    out.fill(0)
    this.scale = 1 / batch.length
    for (let from = 0; from < batch.length; from += CHUNK) {
      const count = Math.min(CHUNK, batch.length - from)
      this.loadRows(set, batch, from, count)
      this.hiddenForward(w, set, count)
      this.outputForward(w, set, count)
      this.backward(w, set, count, out)
    }
  }

  /**
   * The mean loss over `batch` of `set` (the whole set, in order, when null); the share of those images classified
   * right is left in `accuracy` (a field, so that measuring allocates nothing).
   * @param {Float64Array} w @param {DigitSet} set @param {Int32Array | null} batch
   */
  meanLoss(w, set, batch) {
    this.checkLength(w, 'w')
    const total = batch === null ? set.count : batch.length
    let loss = 0
    let correct = 0
    for (let from = 0; from < total; from += CHUNK) {
      const count = Math.min(CHUNK, total - from)
      this.loadRows(set, batch, from, count)
      this.hiddenForward(w, set, count)
      this.outputForward(w, set, count)
      loss += this.chunkLoss
      correct += this.correct
    }
    this.accuracy = correct / total
    return loss / total
  }
}
