// The shipped package on real nodes: a raw record sent as {"message": "<record JSON>"} to
// logs-o365.audit-<namespace> comes back normalised, the same record twice is one document
// (_id from the record Id), GeoIP enrichment where the node has it, and no corpus sample is
// rejected by the mappings.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ELASTIC_CORPUS_DIR } from '../corpus/corpus.js';
import { ENGINE_MATRIX } from '../../src/search-engine/matrix.js';
import { es, urlOf } from './setup-helpers.js';

const CORPUS = process.env['O365_CORPUS_DIR'] ?? ELASTIC_CORPUS_DIR;
const run = Date.now().toString(36);

function corpusRecords(): Array<Record<string, unknown>> {
  const files = readdirSync(CORPUS).filter((f) => /^test-.*\.json$/.test(f) && !f.endsWith('-expected.json')).sort();
  return files.flatMap((f) => (JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as { events: Array<{ o365audit?: Record<string, unknown> }> }).events.flatMap((e) => (e.o365audit ? [e.o365audit] : [])));
}

function record(id: string): Record<string, unknown> {
  return {
    CreationTime: '2024-04-15T08:30:00',
    Id: id,
    Operation: 'MailItemsAccessed',
    OrganizationId: 'b86ab9d4-fcf1-4b11-8a06-7a8f91b47fbd',
    RecordType: 50,
    ResultStatus: 'Succeeded',
    UserKey: '10032000A8B5C8E3',
    UserType: 0,
    Version: 1,
    Workload: 'Exchange',
    ClientIP: '192.0.2.10',
    UserId: 'alice@contoso.example',
    MailboxOwnerUPN: 'alice@contoso.example',
  };
}

// Every engine with ingest processors (ES 7.10, OpenSearch 2 and 3).
describe.each(ENGINE_MATRIX.filter((e) => e.ingest).map((e) => [e.id, e.kind] as const))('ingest on %s', (id, engine) => {
  const url = (): string => urlOf(id);
  const index = `logs-o365.audit-it${run}`;

  it('normalises {"message": raw record} and keeps one document per record Id', async () => {
    const id = `0b1c2d3e-${run}-4f50-8a9b-0c1d2e3f4a5b`;
    const body = { message: JSON.stringify(record(id)) };
    // POST without an id is op_type create (which data streams require) on plain indices too, so
    // the pipeline-set _id makes a duplicate a 409 everywhere: outputs must count 409 as delivered.
    const first = await es(url(), 'POST', `/${index}/_doc?refresh=true`, body);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect(first.json._id).toBe(id);
    const second = await es(url(), 'POST', `/${index}/_doc?refresh=true`, body);
    expect(second.status).toBe(409);
    expect(second.json.error.type).toBe('version_conflict_engine_exception');

    const found = await es(url(), 'POST', `/${index}/_search`, { query: { match_all: {} } });
    expect(found.json.hits.total.value).toBe(1);
    const doc = found.json.hits.hits[0]._source;
    expect(doc.event.id).toBe(id);
    expect(doc.event.dataset).toBe('o365.audit');
    expect(doc['@timestamp']).toBe('2024-04-15T08:30:00.000Z');
    expect(doc.o365.audit.Operation).toBe('MailItemsAccessed');
    expect(doc.source.ip).toBe('192.0.2.10');
    expect(doc.error).toBeUndefined();
    expect(doc.message).toBeUndefined();
    if (engine === 'elasticsearch' && inject('esGeoip')) {
      // Values from the generated test GeoIP databases (src/search-engine/geoip-test-db.ts).
      expect(doc.source.geo.city_name).toBe('Las Vegas');
      expect(doc.source.geo.country_iso_code).toBe('US');
      expect(doc.source.geo.location).toEqual({ lat: 36.17497, lon: -115.13722 });
      expect(doc.source.as).toEqual({ number: 64500, organization: { name: 'Documentation ASN' } });
    } else {
      expect(doc.source.geo).toBeUndefined();
    }
  });

  it('maps every corpus sample without a rejection', async () => {
    const records = corpusRecords();
    expect(records.length).toBeGreaterThan(50);
    const lines = records.flatMap((r) => [JSON.stringify({ create: {} }), JSON.stringify({ message: JSON.stringify(r) })]).join('\n') + '\n';
    const res = await es(url(), 'POST', `/logs-o365.audit-corpus${run}/_bulk?refresh=true`, lines, true);
    expect(res.status).toBe(200);
    const items = res.json.items as Array<{ create: { status: number; error?: { type: string; reason: string } } }>;
    // 409 = a record whose Id an earlier sample already used (the corpus reuses Ids): deduplicated, not rejected.
    const rejected = items.filter((i) => i.create.status >= 300 && i.create.status !== 409).map((i) => `${i.create.error?.type}: ${i.create.error?.reason}`);
    expect(rejected).toEqual([]);
  });
});
