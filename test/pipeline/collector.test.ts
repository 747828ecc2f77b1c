// Health events (dataset o365_audit.collector) through setup's pipelines on real Elasticsearch 7.10
// and OpenSearch: sent as the elasticsearch output sends every line (bulk create of
// {"message": <json>} into logs-o365.audit-<ns>), each must land, unchanged but for event.ingested
// and data_stream.*, in logs-o365_audit.collector-<ns> and nowhere else, and match its schema:
// every leaf field declared in fields/collector/fields.yml with a value of the declared type.
// `UPDATE_GOLDENS=1` rewrites test/pipeline/collector-sample_event.json.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setup } from '../../src/integration/setup/index.js';
import { healthEventJson, type HealthEventInput } from '../../src/monitoring/health-events.js';
import { bulkBody, bulkItem } from '../../src/outputs/elasticsearch/bulk.js';
import { ENGINES, es, urlOf } from '../es/setup-helpers.js';
import { FIELDS_DIR, loadFields } from './lib/fields.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SAMPLE = join(HERE, 'collector-sample_event.json');
const TENANT = '6e3b2a1c-0d4f-4a5b-9c8d-7e6f5a4b3c2d';
const AT = Date.parse('2026-12-05T13:00:00Z');

const inputs: HealthEventInput[] = [
  {
    action: 'stream-failing',
    tenantId: TENANT,
    label: 'contoso',
    contentType: 'DLP.All',
    message: 'contoso / DLP.All is failing (AF10001): The permission set does not contain ActivityFeed.ReadDlp.',
    error: { code: 'O365_ERR_API', message: 'The permission set (ActivityFeed.Read) sent in the request does not include the expected permission.', afCode: 'AF10001', hint: 'Grant ActivityFeed.ReadDlp to the app and consent again.' },
  },
  { action: 'stream-recovered', tenantId: TENANT, label: 'contoso', contentType: 'DLP.All', message: 'contoso / DLP.All recovered: it caught up and delivers again' },
  { action: 'blob-quarantined', tenantId: TENANT, contentType: 'Audit.Exchange', count: 1, message: 'quarantined' },
  { action: 'span-lost', tenantId: TENANT, contentType: 'Audit.General', span: { from: AT - 8 * 86_400_000, to: AT - 7 * 86_400_000 }, message: 'DATA LOST' },
  { action: 'blob-lost', tenantId: TENANT, contentType: 'Audit.General', contentId: '20261205130000000000000$20261205130000000000000$audit_general$Audit_General$na0001', message: 'DATA LOST' },
  { action: 'clock-skew', tenantId: TENANT, label: 'contoso', clockSkewMs: 600_000, message: 'clock skew' },
];

// Declared types, the external ECS ones resolved from @elastic/ecs.
const fields = new Map(loadFields(join(FIELDS_DIR, 'collector')).map((f) => [f.path, f.type]));

/** [path, value] of every leaf; an array is one value (lib/fields.ts leafPaths gives paths only and walks into arrays). */
function leaves(v: unknown, prefix = ''): Array<[string, unknown]> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, prefix ? `${prefix}.${k}` : k));
  return [[prefix, v]];
}

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case 'long':
      return Number.isInteger(value);
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'keyword':
    case 'constant_keyword':
    case 'match_only_text':
      return typeof value === 'string';
    default:
      return false;
  }
}

describe.each(ENGINES)('health events through setup\'s pipeline on %s', (engine) => {
  it('land in logs-o365_audit.collector-<ns> as written, match fields/collector/fields.yml, and never in the audit index', async () => {
    const url = urlOf(engine);
    await setup({ url });
    const ns = `hetest${Date.now() % 100000}`;
    const docs = inputs.map((e) => healthEventJson(e, { now: AT, version: '1.2.3', host: 'collector-1' }));
    const items = docs.map((d, i) => bulkItem(d, { tenantId: TENANT, contentType: 'o365_audit.collector' }, `health-${ns}-${i}`));
    const res = await es(url, 'POST', `/logs-o365.audit-${ns}/_bulk?refresh=true`, bulkBody(items), true);
    expect(res.json.errors, JSON.stringify(res.json.items?.find((x: any) => x.create?.error))).toBe(false);
    // Routed: every item reports the collector index.
    expect(res.json.items.map((x: any) => x.create._index.replace(/^\.ds-/, '').replace(/-\d{4}\.\d{2}\.\d{2}-\d+$/, ''))).toEqual(docs.map(() => `logs-o365_audit.collector-${ns}`));

    await es(url, 'POST', `/logs-o365_audit.collector-${ns}/_refresh`);
    const hits = (await es(url, 'GET', `/logs-o365_audit.collector-${ns}/_search?size=100&sort=_id`)).json.hits.hits as Array<{ _id: string; _source: Record<string, any> }>;
    expect(hits).toHaveLength(docs.length);
    const audit = await es(url, 'GET', `/logs-o365.audit-${ns}/_count`);
    expect(audit.status === 404 || audit.json.count === 0).toBe(true);

    for (const h of hits) {
      const i = Number(h._id.split('-').pop());
      const src = h._source;
      expect(Number.isNaN(Date.parse(src['event']['ingested']))).toBe(false);
      const { ingested: _ingested, ...event } = src['event'];
      const { data_stream, ...rest } = src;
      expect(data_stream).toEqual({ type: 'logs', dataset: 'o365_audit.collector', namespace: ns });
      expect({ ...rest, event }).toEqual(JSON.parse(docs[i]!));
      for (const [name, value] of leaves(src)) {
        expect(fields.has(name), `${name} is not declared in fields/collector/fields.yml`).toBe(true);
        expect(typeOk(fields.get(name)!, value), `${name}: ${JSON.stringify(value)} is not a ${fields.get(name)}`).toBe(true);
      }
    }

    const failing = hits.find((h) => h._source['event']['action'] === 'stream-failing')!._source;
    const sample = { ...failing, event: { ...failing['event'], ingested: '2026-12-05T13:00:01.000Z' }, data_stream: { ...failing['data_stream'], namespace: 'default' } };
    if (process.env['UPDATE_GOLDENS'] === '1' && engine === 'elasticsearch') writeFileSync(SAMPLE, `${JSON.stringify(sample, null, 2)}\n`);
    expect(sample).toEqual(JSON.parse(readFileSync(SAMPLE, 'utf8')));
  });
});
