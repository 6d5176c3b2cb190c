// Three tiers by suffix: *.unit.spec.ts (pure), *.int.spec.ts (one service against real Postgres and
// NATS), test/integration/*.e2e.spec.ts (services as processes); and the crash suite
// (test/integration/crash/, a fault per file under load), a tier of its own that `pnpm test:crash` runs. Workspace packages resolve to their
// sources, so a test never runs against a stale build; e2e tests spawn the built services.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const base = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@hearth/(contracts|testkit|audit-chain|pg-lease)$': '<rootDir>/packages/$1/src/index.ts',
    '^@hearth/contracts/web$': '<rootDir>/packages/contracts/src/web.ts',
    '^@hearth/platform/(\\w+)$': '<rootDir>/packages/platform/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  rootDir: import.meta.dirname,
  testTimeout: 120_000,
};

export default {
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{packages,services}/*/src/**/*.unit.spec.ts'] },
    {
      ...base,
      displayName: 'int',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.int.spec.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/integration/**/*.e2e.spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, '/test/integration/crash/'],
    },
    { ...base, displayName: 'crash', testMatch: ['<rootDir>/test/integration/crash/*.e2e.spec.ts'] },
  ],
};
