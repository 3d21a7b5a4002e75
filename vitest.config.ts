// One vitest run covers every workspace. Workspace packages resolve to their
// TypeScript sources (the `@ticketing/source` export condition), so tests need no build.
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@ticketing/source', ...defaultClientConditions] },
  // Without Vite's `module` condition: test workers run Node with these conditions, and a package's
  // `module` build is for bundlers (OpenTelemetry's has extensionless imports Node cannot load).
  ssr: {
    resolve: {
      conditions: [
        '@ticketing/source',
        ...defaultServerConditions.filter((condition) => condition !== 'module'),
      ],
    },
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'tools/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'deploy/test/**/*.test.ts',
    ],
    globalSetup: ['./tools/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Test files share one PostgreSQL server but each gets its own database.
    fileParallelism: true,
    maxWorkers: 4,
    env: { NODE_ENV: 'test' },
    // GitHub's workflow parser imports its JSON schema the bundler way (no import attribute): Vite loads it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
