import path from 'node:path';
import { defineConfig } from 'vitest/config';

// The card's tests (test/card) render it with the card's own React and ui-extensions.
const cardModules = path.resolve('src/app/cards/node_modules');

export default defineConfig({
  resolve: {
    alias: [
      { find: /^react(\/.*)?$/, replacement: `${cardModules}/react$1` },
      { find: /^@hubspot\/ui-extensions$/, replacement: `${cardModules}/@hubspot/ui-extensions/dist/index.js` },
      { find: /^@hubspot\/ui-extensions\/(crm|testing)$/, replacement: `${cardModules}/@hubspot/ui-extensions/dist/$1/index.js` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files only add contention with the Postgres server.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
