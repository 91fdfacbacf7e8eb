/**
 * Boffi & Slotine (Boffi & Slotine 2020): noise of a coupled swarm at a quadratic minimum f = (h/2)|x - x*|^2 with gradient
 * noise of covariance sigma^2 I / b per agent (Eq. 1), p agents, quorum coupling k on the complete graph (Eq. 7).
 *
 * Continuous-time (their SDEs): the swarm mean is an Ornstein-Uhlenbeck process with variance eta sigma^2 / (2 h b p)
 * per coordinate, so its expected loss is eta h sigma^2 d / (4 b p), i.e. eta Tr(H) / (4 b p) when the noise
 * covariance equals the Hessian (Sigma = H); an agent's deviation from the mean has variance
 * eta sigma^2 (1 - 1/p) / (2 b (h + k)): coupling shrinks each agent's fluctuation, not the mean's.
 * The discrete recursions (what the simulator runs) give the exact values with 2 - eta h (resp. 2 - eta (h + k))
 * in place of 2; both are reported.
 *
 * EASGD stationary centre variance, corrected (docs/algorithms.md "Corrections to the papers": the paper's (C.6) is twice this):
 * k sigma^2 / (2 h (h + k (1 + p))).
 */

export interface QuorumNoise {
  meanVariance: { continuous: number; discrete: number }
  agentDeviationVariance: { continuous: number; discrete: number }
  /** expected loss of the swarm mean, summed over d coordinates (continuous model) */
  meanLoss: number
}

export function quorumStationaryNoise(opts: {
  eta: number
  h: number
  k: number
  sigma: number
  b: number
  p: number
  d?: number
}): QuorumNoise {
  const { eta, h, k, sigma, b, p } = opts
  const d = opts.d ?? 1
  const s2 = (sigma * sigma) / b
  return {
    meanVariance: { continuous: (eta * s2) / (2 * h * p), discrete: (eta * s2) / (p * h * (2 - eta * h)) },
    agentDeviationVariance: {
      continuous: (eta * s2 * (1 - 1 / p)) / (2 * (h + k)),
      discrete: (eta * s2 * (1 - 1 / p)) / ((h + k) * (2 - eta * (h + k))),
    },
    meanLoss: (eta * h * s2 * d) / (4 * p),
  }
}

/** eta Tr(H) / (4 b p): the predicted stationary loss of the mean when the gradient noise covariance is H. */
export function predictedMeanLoss(eta: number, traceH: number, b: number, p: number): number {
  return (eta * traceH) / (4 * b * p)
}

/** EASGD's stationary centre variance k sigma^2 / (2 h (h + k (1 + p))) (Boffi & Slotine 2020 (C.6), corrected). */
export function easgdCentreVariance(k: number, sigma: number, h: number, p: number): number {
  return (k * sigma * sigma) / (2 * h * (h + k * (1 + p)))
}
