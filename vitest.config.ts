import { defineConfig } from 'vitest/config';

// Two cores: run test files in forked workers, two at a time, so integration suites that
// start real servers do not starve each other.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.starling/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
