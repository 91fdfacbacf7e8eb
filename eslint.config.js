import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * The layers of docs/design.md, outermost first: a folder under src/ imports only folders of a later (inner)
 * layer, never one of its own layer or an outer one, so the simulator and the peer never import each other and no
 * two folders import each other. `npm run lint` fails on an import against this order.
 */
const LAYERS = [
  ['cli'],
  ['report'],
  ['swarm', 'deploy'],
  ['lab', 'dashboard', 'peer-node', 'peer-web'],
  ['sim', 'peer'],
  ['net'],
  ['exchange'],
  ['algorithms', 'theory'],
  ['codec', 'problems', 'topology', 'linalg', 'config', 'observe'],
  ['util'],
]

/**
 * More that a folder may not import. The peer's rooms run in a browser tab as well as in Node (docs/design.md "The
 * peer and its platform"): what differs reaches them only through src/peer/platform.ts, never a Node module.
 */
const PLATFORM_FREE = [
  {
    group: ['node:*', 'prom-client', '@libp2p/tcp', '@libp2p/prometheus-metrics', '**/net/node.js'],
    message:
      'src/peer runs in browsers too: reach files, clocks, transports and metrics through src/peer/platform.ts (src/peer-node, src/peer-web)',
  },
]
const EXTRA_PATTERNS = { peer: PLATFORM_FREE }

function layerRules() {
  return LAYERS.flatMap((layer, rank) =>
    layer.map((folder) => {
      const forbidden = LAYERS.slice(0, rank + 1)
        .flat()
        .filter((other) => other !== folder)
      return {
        files: [`src/${folder}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                ...forbidden.map((other) => ({
                  group: [`../${other}`, `../${other}/*`, `../../${other}/*`],
                  message: `src/${folder} may not import src/${other}: imports point inward (docs/design.md, the layer order in eslint.config.js)`,
                })),
                ...(EXTRA_PATTERNS[folder] ?? []),
              ],
            },
          ],
        },
      }
    }),
  )
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'runs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The CLI, entry files, tests, benchmarks and the paper experiments talk to the terminal. bench/ and
    // experiments/ are outer layers: they may import anything under src/, and nothing under src/ imports them.
    files: ['src/cli/**', 'node/**', 'bootstrap/**', 'bin/**', 'test/**', 'bench/**', 'experiments/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
  ...layerRules(),
  {
    // examples/: problem modules in plain JavaScript that meshgd loads at run time, held to the sources' rules
    files: ['examples/**/*.mjs'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly' } },
  },
  {
    // the dashboard page runs in a browser, with uPlot loaded by its own script tag
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        location: 'readonly',
        URLSearchParams: 'readonly',
        EventSource: 'readonly',
        Option: 'readonly',
        uPlot: 'readonly',
      },
    },
  },
)
