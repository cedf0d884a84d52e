// ESM throughout: matrix-js-sdk 43 is ESM-only, so the suite runs under
// --experimental-vm-modules and ts-jest transpiles (type checking is `tsc -b`).
const workspaces = ['core', 'storage', 'replication', 'rooms', 'client-api', 'sync', 'media', 'e2ee', 'push', 'presence', 'federation', 'admin', 'appservice', 'worker-runtime'];

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['<rootDir>/tests/setup/polyfills.ts'],
  moduleNameMapper: {
    ...Object.fromEntries(
      workspaces.map((w) => [`^@lattice/${w}$`, `<rootDir>/packages/${w}/src/index.ts`]),
    ),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
  },
  testTimeout: 60000,
};
