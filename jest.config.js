// Type checking is `npm run typecheck`'s job; jest only transpiles (tsconfig `isolatedModules`).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
// Custom matchers (toBeOutcome, toBeSpecValid) for every test file; typed in the same module.
const setupFilesAfterEnv = ['<rootDir>/test/helpers/matchers.ts'];

/** @type {import('jest').Config} */
module.exports = {
  // A guard against a hung test, not a speed check (a global option: projects cannot set it): on a loaded machine (CI,
  // two cores) a test that boots apps, browsers or a simulated population takes seconds; no test asserts on time.
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      setupFilesAfterEnv,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      setupFilesAfterEnv,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Starts an embedded PostgreSQL for the run unless TEST_DATABASE_URL names one (test/helpers/postgres-server.ts).
      globalSetup: '<rootDir>/test/helpers/postgres-global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/postgres-global-teardown.ts',
    },
  ],
};
