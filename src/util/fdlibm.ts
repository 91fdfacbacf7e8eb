/**
 * Deterministic log, exp, log1p, sin and cos: the same bits in every JavaScript engine.
 *
 * ECMAScript leaves Math.log, Math.exp, Math.sin, ... "implementation-approximated", and engines differ in the last
 * bit: Chromium 156's V8 gives other bits than Node 24's V8 on a few percent of inputs (Math.log on 120 of 2000
 * random inputs in [0.001, 10], Math.exp on 162, Math.cos 69, Math.sin 74). meshgd's browser peers must compute
 * exactly what Node peers and the simulator compute, so code whose results cross peers calls these instead.
 *
 * They are ports of fdlibm 5.3 (Sun Microsystems; see the notices in fdlibm-log-exp.ts and fdlibm-trig.ts) as V8
 * 13.6 has it in src/base/ieee754.cc, which is what Node 24's Math.* runs, so they equal Node 24's Math.* bit for
 * bit (test/util/fdlibm.test.ts) while being plain double arithmetic that every engine rounds the same way. They
 * allocate nothing per call.
 */

export { exp, log, log1p } from './fdlibm-log-exp.js'
export { cos, sin } from './fdlibm-trig.js'
