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
