// Drives examples/wazuh: the file output with `format: wazuh` (FileOutput wrapped by withFormat)
// writes the file that ossec.conf's <localfile> reads; each line is then read as Wazuh's `json`
// log format would, and checked against what the stock office365 rules need.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import { FileOutput } from './file-output.js';
import { contentTypeOf, idOf, sampleRecords } from '../testing/records.js';
import { WAZUH_MAX_LINE_BYTES } from '../../shared/record-format.js';
import { withFormat } from '../with-format.js';

const root = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const text = (p: string): string => readFileSync(root(p), 'utf8');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('examples/wazuh', () => {
  it('writes lines the Wazuh json decoder and rules 91531/91532 accept, to the file ossec.conf reads', async () => {
    const cfg = parseYaml(text('examples/wazuh/collector.yaml')) as { output: { type: string; path: string; format: string } };
    const ossec = text('examples/wazuh/ossec.conf');
    expect(cfg.output.type).toBe('file');
    expect(cfg.output.format).toBe('wazuh');
    expect(new Ajv({ strict: false }).validate({ definitions: configSchema.definitions, $ref: '#/definitions/output_file' }, cfg.output)).toBe(true);
    const localfile = /<localfile>([\s\S]*?)<\/localfile>/.exec(ossec)?.[1] ?? '';
    expect(/<log_format>\s*json\s*<\/log_format>/.test(localfile)).toBe(true);
    expect(/<location>\s*([^<]+?)\s*<\/location>/.exec(localfile)?.[1]).toBe(cfg.output.path);

    dir = await mkdtemp(join(tmpdir(), 'o365-wazuh-'));
    const path = join(dir, basename(cfg.output.path));
    const out = withFormat(new FileOutput(path), cfg.output.format as 'wazuh');
    await out.open(undefined);
    const records = sampleRecords();
    for (const r of records) await out.write(r, { tenantId: 't', contentType: contentTypeOf(r), contentId: 'c' }, idOf(r));
    await out.flushTo(out.mark());
    await out.close();

    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(records.length);
    lines.forEach((line, i) => {
      // logcollector cuts lines at OS_MAXSTR; the json decoder needs a line starting `{"`.
      expect(Buffer.byteLength(line)).toBeLessThan(WAZUH_MAX_LINE_BYTES);
      expect(line.startsWith('{"')).toBe(true);
      const event = JSON.parse(line) as { integration: unknown; office365: Record<string, unknown> };
      expect(Object.keys(event)).toEqual(['integration', 'office365']);
      // Rule 91531: decoded as json and integration = office365.
      expect(event.integration).toBe('office365');
      // Rule 91532: office365.RecordType matches \d+ (the decoder turns numbers into strings).
      expect(String(event.office365.RecordType)).toMatch(/^\d+$/);
      expect(event.office365.Subscription).toBe(contentTypeOf(records[i]!));
      const { Subscription: _s, ...record } = event.office365;
      expect(record).toEqual(JSON.parse(records[i]!));
      // The record's text is inside the line unchanged (no re-serialisation).
      expect(line).toContain(records[i]!.slice(0, -1));
    });
  });
});
