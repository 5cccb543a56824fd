import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS and ESM without an exports map: Node (and so every dependency) loads the CJS
    // build, while Vite would pick the ESM one for our files. One realm for both, or schemas clash.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['tests/**/*.test.{ts,tsx}'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers, sockets and databases: a few files at a time on a 2-core machine.
    maxWorkers: 3,
  },
});
