import { defineConfig } from 'vitest/config';

// Two projects: `unit` (no external components; loopback HTTPS servers only) and `es`
// (tests that need a real Elasticsearch/OpenSearch node, started by test/es/global-setup.ts
// unless ES_URL / OPENSEARCH_URL name one). `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/es/**', 'test/pipeline/**', 'test/independent/**', 'node_modules/**', 'dist/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The collector against an API served by WireMock on the JVM (a server this project did
        // not write), with issue 8's faults produced by it.
        test: {
          name: 'independent',
          include: ['test/independent/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'es',
          include: ['test/es/**/*.test.ts', 'test/pipeline/**/*.test.ts'],
          globalSetup: ['test/es/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
