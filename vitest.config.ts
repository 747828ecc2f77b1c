import { defineConfig } from 'vitest/config';

// Projects: `unit` (no external components; loopback HTTPS servers only), `independent` (WireMock),
// `es` (tests that need a real Elasticsearch/OpenSearch node, started by test/es/global-setup.ts
// unless ES_URL / OPENSEARCH_URL name one) and `kafka` (a real Kafka broker, started once by
// test/kafka/global-setup.ts unless KAFKA_BROKERS names one). `npm test` runs them all.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/es/**', 'test/pipeline/**', 'test/independent/**', 'test/kafka/**', 'node_modules/**', 'dist/**'],
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
      {
        test: {
          name: 'kafka',
          include: ['test/kafka/**/*.test.ts'],
          globalSetup: ['test/kafka/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One shared broker, which some tests stop and start again.
          fileParallelism: false,
        },
      },
    ],
  },
});
