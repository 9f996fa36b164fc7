// Type checking is `npm run typecheck`'s job; jest only transpiles (tsconfig `isolatedModules`).
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Starts an embedded PostgreSQL for the run unless TEST_DATABASE_URL names one (test/helpers/postgres-server.ts).
      globalSetup: '<rootDir>/test/helpers/postgres-global-setup.ts',
      globalTeardown: '<rootDir>/test/helpers/postgres-global-teardown.ts',
    },
  ],
};
