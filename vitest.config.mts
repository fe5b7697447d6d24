import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests spawn terraform and PostgreSQL; two cores are all there is.
    maxWorkers: 2,
  },
});
