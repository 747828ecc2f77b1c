import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { formatRecord, formatWazuh } from './record-format.js';

// Wazuh's own office365 events (test/corpus/README.md says where they come from).
const CORPUS = fileURLToPath(new URL('../../test/corpus/wazuh/events.ndjson', import.meta.url));
const meta = { tenantId: 't', contentType: 'Audit.Exchange', contentId: 'c' };

describe('formatWazuh', () => {
  it('gives every corpus record the shape Wazuh rules match, Subscription last', () => {
    const corpusLines = readFileSync(CORPUS, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(corpusLines.length).toBe(128);
    for (const line of corpusLines) {
      const event = JSON.parse(line) as { integration: string; office365: Record<string, unknown> };
      const raw = JSON.stringify(event.office365);
      const out = JSON.parse(formatWazuh(raw, meta)) as typeof event;
      expect(Object.keys(out)).toEqual(Object.keys(event));
      expect(out.integration).toBe('office365');
      expect(out.office365).toEqual({ ...event.office365, Subscription: 'Audit.Exchange' });
      expect(Object.keys(out.office365).at(-1)).toBe('Subscription');
    }
  });

  it('keeps the record text byte for byte (numbers, escapes, key order)', () => {
    const raw = '{"Id":"a","RecordType":15,"Big":12345678901234567890,"F":1.50,"U":"caf\\u00e9 \\"q\\"","Z":{"b":1,"a":[]}}';
    const out = formatWazuh(raw, meta);
    expect(out).toBe(`{"integration":"office365","office365":${raw.slice(0, -1)},"Subscription":"Audit.Exchange"}}`);
    expect(out).toContain('12345678901234567890');
    expect(out).toContain('1.50');
    expect(out).toContain('caf\\u00e9');
  });

  it('handles surrounding whitespace and empty objects, and refuses non-objects', () => {
    expect(formatWazuh('  {"A":1} \n', meta)).toBe('{"integration":"office365","office365":{"A":1,"Subscription":"Audit.Exchange"}}');
    expect(JSON.parse(formatWazuh('{ }', meta))).toEqual({ integration: 'office365', office365: { Subscription: 'Audit.Exchange' } });
    expect(() => formatWazuh('[1]', meta)).toThrow(TypeError);
    expect(() => formatWazuh('', meta)).toThrow(TypeError);
  });

  it('escapes the content type and leaves raw records alone in raw format', () => {
    expect(JSON.parse(formatWazuh('{"A":1}', { contentType: 'we"ird' })).office365.Subscription).toBe('we"ird');
    expect(formatRecord('raw', '{"A":1}', meta)).toBe('{"A":1}');
    expect(formatRecord('wazuh', '{"A":1}', meta)).toContain('"Subscription":"Audit.Exchange"');
  });
});
