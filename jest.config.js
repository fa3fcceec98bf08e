/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type errors are caught once by `npm run typecheck` (and jsii for lib/); per-file
  // transpilation keeps the suite fast on two cores.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // lib/ holds jsii's compiled .js next to the sources: always test the .ts.
  moduleNameMapper: {},
  setupFiles: ['<rootDir>/test/harness/setup-env.js', '<rootDir>/test/harness/setup-property-tests.js'],
  testTimeout: 120_000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/harness/summary-reporter.js'],
};
