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
    },
  ],
};
