// The output registry and what derives from it: one definition per type, building by type, unique
// names (they key the committed positions), and the config schema's output branches.

import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { parseDuration } from '../shared/duration.js';
import { OUTPUT_RETRY } from '../shared/retry.js';
import { createOutput, createOutputs, OUTPUT_TYPES, OUTPUTS } from './build.js';
import { FileOutput } from './file/file-output.js';
import { StdoutOutput } from './stdout/stdout-output.js';

describe('output registry', () => {
  it('builds file and stdout outputs from normalised config', () => {
    const f = createOutput({ type: 'file', path: '/tmp/x.ndjson' });
    expect(f).toBeInstanceOf(FileOutput);
    expect(f.name).toBe('file');
    expect((f as FileOutput).path).toBe('/tmp/x.ndjson');
    expect(createOutput({ type: 'stdout' })).toBeInstanceOf(StdoutOutput);
  });

  it('rejects an unknown type and duplicate names with a config error', () => {
    expect(() => createOutput({ type: 'carrier-pigeon' } as never)).toThrow(expect.objectContaining({ code: 'O365_ERR_CONFIG' }));
    expect(() => createOutputs([{ type: 'file', path: '/a' }, { type: 'file', path: '/b' }])).toThrow(
      expect.objectContaining({ code: 'O365_ERR_CONFIG', path: 'outputs[1].name' }),
    );
    expect(createOutputs([{ type: 'file', path: '/a' }, { type: 'file', path: '/b', name: 'archive' }]).map((o) => o.name)).toEqual(['file', 'archive']);
  });

  it('the config schema offers exactly the registered outputs, each with its folder schema', () => {
    const defs = configSchema.definitions as Record<string, { oneOf?: Array<{ $ref: string }>; properties?: { type?: { enum?: string[] } } }>;
    expect(defs.output?.properties?.type?.enum).toEqual(OUTPUT_TYPES);
    expect(defs.output?.oneOf?.map((b) => b.$ref)).toEqual(OUTPUTS.map((o) => `#/definitions/output_${o.key}`));
    for (const o of OUTPUTS) expect(defs[`output_${o.key}`], o.key).toEqual(o.definition.schema);
    expect(OUTPUT_TYPES).toEqual(expect.arrayContaining(['file', 'stdout', 'elasticsearch', 'opensearch', 'http']));
  });

  it('every output with retry settings documents the shared back-off defaults its code applies', () => {
    type Retry = { properties: Record<string, { default?: unknown }> };
    const retryOf = (o: (typeof OUTPUTS)[number]) => (o.definition.schema.properties as Record<string, Retry | undefined>).retry?.properties;
    const withRetry = OUTPUTS.filter((o) => retryOf(o) !== undefined);
    expect(withRetry.map((o) => o.key)).toEqual(expect.arrayContaining(['elasticsearch', 'http', 'kafka']));
    for (const o of withRetry) {
      const r = retryOf(o)!;
      const documented = { maxAttempts: r.max_attempts?.default, baseDelayMs: parseDuration(String(r.base_delay?.default)), maxDelayMs: parseDuration(String(r.max_delay?.default)) };
      expect(documented, o.key).toEqual({ maxAttempts: OUTPUT_RETRY.maxAttempts, baseDelayMs: OUTPUT_RETRY.baseDelayMs, maxDelayMs: OUTPUT_RETRY.maxDelayMs });
    }
  });
});
