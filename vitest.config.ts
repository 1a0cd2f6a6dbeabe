import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Integration suites each start a local runtime (DynamoDB Local is a JVM); two at a time suits 2 cores.
    maxWorkers: 2,
    restoreMocks: true,
  },
});
