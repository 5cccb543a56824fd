import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM without an exports map: Node (and so every dependency) loads the CJS
    // build, while Vite would pick the ESM one for our files. One realm for both, or schemas clash.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers, sockets and databases: a few files at a time on a 2-core machine.
    maxWorkers: 3,
    projects: [
      // Pure code and Node's and the libraries' own behaviour: no PostgreSQL, no Redis (`npm run test:unit`).
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      // Everything through real transports, with the machine's PostgreSQL and Redis (a database and prefix per run).
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.{ts,tsx}'],
          exclude: ['tests/unit/**'],
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
