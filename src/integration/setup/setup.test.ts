// setup's comparison of a stored pipeline with the one it would install; against a real
// Elasticsearch 9 node in test/es/setup-everything.test.ts (its second run).
import { describe, expect, it } from 'vitest';
import { samePipeline } from './setup.js';

describe('samePipeline', () => {
  const sent = { description: 'x', version: 1000, processors: [{ set: { field: 'a', value: 'b' } }] };

  it('finds a pipeline up to date when Elasticsearch 9 adds when it stored it', () => {
    // GET /_ingest/pipeline/<id> as Elasticsearch 9.2.0 answers it (key order as it sends them).
    const stored = { description: 'x', version: 1000, processors: [{ set: { value: 'b', field: 'a' } }], created_date_millis: 1796487734872, modified_date_millis: 1796487734872 };
    expect(samePipeline(stored, sent)).toBe(true);
  });

  it('finds any other difference', () => {
    expect(samePipeline({ ...sent, version: 999 }, sent)).toBe(false);
    expect(samePipeline({ ...sent, processors: [] }, sent)).toBe(false);
    expect(samePipeline({ ...sent, on_failure: [] }, sent)).toBe(false);
    expect(samePipeline(undefined, sent)).toBe(false);
  });
});
