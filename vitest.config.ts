import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on the CI machine: unit tests two files at a time; then the swarm files one at a time, since each
    // starts a whole swarm of processes and their timeouts assume the machine is theirs.
    maxWorkers: 2,
    projects: [
      // `npm test` (what a newcomer runs, a few minutes): the unit tests and one real swarm
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/integration/**', 'test/smoke/**'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'smoke', include: ['test/smoke/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      // `npm run test:integration` (CI runs both): every algorithm as a swarm, faults, the lab, 32 processes
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
})
