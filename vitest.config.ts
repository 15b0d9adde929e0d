import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores here: keep file-level parallelism modest so crash tests and SQLite fsyncs do not starve each other.
    maxWorkers: 2,
  },
});
