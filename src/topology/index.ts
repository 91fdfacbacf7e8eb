export type { EdgeWeights, Graph, TopologyKind, TopologySpec } from './types.js'
export {
  TopologyError,
  assertConnected,
  buildGraph,
  connectedComponents,
  graphDiameter,
  graphFromEdges,
} from './graphs.js'
export {
  degreeStats,
  laplacian,
  laplacianApply,
  metropolisWeights,
  mixingMatrix,
  mixingSpectralGap,
  spectralFacts,
  type MixingWeights,
} from './matrices.js'
export { latticeShape, latticeWarning, nearSquare, topologyName, type LatticeTopology } from './lattice.js'
export type { Dynamics, RoundEdges } from './types.js'
export { arcsOf, onePeerExponentialPeriod, periodRounds, roundEdges, type Arc } from './dynamics.js'
export { disseminationRounds } from './dissemination.js'
export {
  isDoublyStochastic,
  mixingRow,
  pushShare,
  roundMixingMatrix,
  roundPushMatrix,
  type MixingRow,
} from './round-weights.js'
