/**
 * Graphs the tests share: a directed ring of 6 peers with three chords (0 -> 3, 2 -> 5, 4 -> 1), so that peers hear
 * from unequal numbers of others (in-degrees 1 and 2): mixing over it is row-stochastic only, and only push-sum and
 * push-diging average or optimise exactly on it.
 */
export const DIRECTED_CHORDS: ReadonlyArray<[number, number]> = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 4],
  [4, 5],
  [5, 0],
  [0, 3],
  [2, 5],
  [4, 1],
]
