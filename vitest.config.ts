// One vitest run covers every workspace. Workspace packages resolve to their
// TypeScript sources (the `@ticketing/source` export condition), so tests need no build.
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@ticketing/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@ticketing/source', ...defaultServerConditions] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'tools/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
    ],
    globalSetup: ['./tools/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Test files share one PostgreSQL server but each gets its own database.
    fileParallelism: true,
    maxWorkers: 4,
    env: { NODE_ENV: 'test' },
  },
});
