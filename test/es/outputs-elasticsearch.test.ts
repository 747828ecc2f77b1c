// The elasticsearch and opensearch outputs against real nodes: idempotent bulk creates, 429s
// (whole request and per item) retried, mapping errors dead-lettered, flushTo after the response.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { O365AuditError } from '../../src/errors.js';
import { ElasticsearchOutput, type ElasticsearchOutputConfig } from '../../src/outputs/elasticsearch/es-output.js';
import { EDGE_CASES, contentTypeOf, sampleRecords } from '../../src/outputs/testing/records.js';
import { idOf } from '../../src/outputs/testing/records.js';
import { call, countDocs, createFixture, hasIngest, startBulkProxy, waitForCount, type BulkProxy } from './outputs-helpers.js';
import { urlOf } from './setup-helpers.js';

const meta = { tenantId: 'tenant-1', contentType: 'Audit.General', contentId: 'c1' };
const record = (i: number, recordType: unknown = 15): string =>
  `{"CreationTime":"2024-03-0${1 + (i % 9)}T10:00:00","Id":"${'0000000' + i}-aaaa-bbbb-cccc-${String(i).padStart(12, '0')}","Operation":"UserLoggedIn","RecordType":${JSON.stringify(recordType)},"UserId":"u${i}@example.com"}`;
const fast = { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 50 };

describe.each(['elasticsearch', 'opensearch'] as const)('%s output', (engine) => {
  let base: string;
  let dir: string;
  let fixture: { index: string; cleanup: () => Promise<void> };
  let proxy: BulkProxy | undefined;
  let ingest = false;
  const open: ElasticsearchOutput[] = [];

  beforeAll(async () => {
    base = urlOf(engine);
    ingest = await hasIngest(base);
    if (!ingest) console.warn(`${engine} node at ${base} has no ingest role: pipeline-dependent checks are skipped`);
    dir = await mkdtemp(join(tmpdir(), 'o365-es-out-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    // Proxy first: a response it still holds would keep close() waiting.
    await proxy?.close();
    proxy = undefined;
    for (const o of open.splice(0)) await o.close().catch(() => {});
    await fixture?.cleanup();
  });

  async function setup(name: string, extra: Partial<ElasticsearchOutputConfig> = {}, viaProxy = false): Promise<ElasticsearchOutput> {
    const prefix = `o365t-${name}-${engine.slice(0, 2)}-${process.pid}`;
    fixture = await createFixture(base, engine, prefix, ingest);
    if (viaProxy) proxy = await startBulkProxy(base);
    const o = new ElasticsearchOutput(
      { type: engine, hosts: [viaProxy ? proxy!.url : base], index: fixture.index, flushIntervalMs: 0, retry: fast, ...extra },
      { stateDir: dir },
    );
    open.push(o);
    await o.open(undefined);
    return o;
  }

  it('indexes each record once: sending the same records again creates nothing (409 = already there)', async () => {
    const o = await setup('idem', { batchMaxDocs: 7 });
    for (let i = 0; i < 20; i++) await o.write(record(i), meta, idOf(record(i)));
    await o.flushTo(o.mark());
    expect(await countDocs(base, fixture.index)).toBe(20);
    expect(o.stats()).toMatchObject({ confirmed: 20, created: 20, duplicates: 0, deadLettered: 0 });
    expect(o.stats().requests).toBe(3);

    for (let i = 0; i < 20; i++) await o.write(record(i), meta, idOf(record(i)));
    await o.flushTo(o.mark());
    expect(await countDocs(base, fixture.index)).toBe(20);
    expect(o.stats()).toMatchObject({ confirmed: 40, created: 20, duplicates: 20 });
  });

  it('stores the raw record as message under _id = Id (the pipeline parsed it)', async () => {
    const o = await setup('shape');
    await o.write(record(5), meta, idOf(record(5)));
    await o.flushTo(o.mark());
    await countDocs(base, fixture.index);
    const id = (JSON.parse(record(5)) as { Id: string }).Id;
    const res = await fetch(`${base}/${fixture.index}/_search?q=_id:${id}`);
    const hit = ((await res.json()) as { hits: { hits: Array<{ _id: string; _source: { message: string; o365: { RecordType: number }; '@timestamp': string } }> } }).hits.hits[0]!;
    expect(hit._id).toBe(id);
    expect(hit._source.message).toBe(record(5));
    if (ingest) expect(hit._source.o365.RecordType).toBe(15);
  });

  it('retries a whole-request 429 (honouring Retry-After) and per-item 429s, without losing or doubling', async () => {
    const o = await setup('429', { batchMaxDocs: 10 }, true);
    proxy!.plan = (n) => (n === 0 ? { answer: { status: 429, headers: { 'retry-after': '1' } } } : n === 1 ? { rejectItems: [1, 4, 9] } : {});
    const started = Date.now();
    for (let i = 0; i < 10; i++) await o.write(record(i), meta, idOf(record(i)));
    await o.flushTo(o.mark());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(proxy!.bulkRequests).toBe(3);
    expect(await countDocs(base, fixture.index)).toBe(10);
    expect(o.stats()).toMatchObject({ confirmed: 10, created: 10, duplicates: 0, retries: 2 });
  });

  it('writes a document refused by the mapping to the dead-letter file, with reason and raw record, and goes on', async () => {
    // The embedded nodes of the es global setup have the ingest role; a node without it cannot prove this.
    expect(ingest, `${engine} at ${base} has no ingest node role`).toBe(true);
    const dlq = join(dir, `dlq-${engine}.ndjson`);
    const o = await setup('dlq', { deadLetterPath: dlq });
    await o.write(record(1), meta, idOf(record(1)));
    await o.write(record(2, 'not-a-number'), { ...meta, contentType: 'Audit.Exchange' }, idOf(record(2, 'not-a-number')));
    await o.write(record(3), meta, idOf(record(3)));
    await o.flushTo(o.mark());
    expect(await countDocs(base, fixture.index)).toBe(2);
    const lines = (await readFile(dlq, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, any>;
    expect(entry.status).toBe(400);
    expect(entry.error.type).toMatch(/mapper_parsing_exception|document_parsing_exception/);
    expect(entry.message).toBe(record(2, 'not-a-number'));
    expect(entry.content_type).toBe('Audit.Exchange');
    expect(entry._id).toBe((JSON.parse(record(2)) as { Id: string }).Id);
    expect(o.stats()).toMatchObject({ confirmed: 3, created: 2, deadLettered: 1 });
  });

  it('flushTo resolves only after the bulk response, and rejects when retries run out', async () => {
    const o = await setup('flush', { retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } }, true);
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    proxy!.plan = (n) => (n === 0 ? { hold } : n <= 2 ? { answer: { status: 503 } } : {});
    await o.write(record(1), meta, idOf(record(1)));
    const m = o.mark();
    let done = false;
    const flushed = o.flushTo(m).then(() => (done = true));
    flushed.catch(() => {});
    // The document is in the index, but its bulk response has not come back: not confirmed.
    expect(await waitForCount(base, fixture.index, 1)).toBe(1);
    expect(done).toBe(false);
    expect(o.stats().confirmed).toBe(0);
    release();
    await flushed;
    expect(o.stats().confirmed).toBe(1);

    await o.write(record(2), meta, idOf(record(2)));
    const err = (await o.flushTo(o.mark()).catch((e: unknown) => e)) as O365AuditError;
    expect(err).toBeInstanceOf(O365AuditError);
    expect(err.code).toBe('O365_ERR_OUTPUT');
    expect(err.retryable).toBe(true);
    // Next round: the same record is sent again and confirmed.
    await o.flushTo(o.mark());
    expect(await countDocs(base, fixture.index)).toBe(2);
  });

  it('dead-letters a document refused per item whatever the pipeline (a term over 32766 bytes)', async () => {
    const dlq = join(dir, `dlq-big-${engine}.ndjson`);
    const o = await setup('dlqbig', { deadLetterPath: dlq });
    const big = `{"CreationTime":"2024-03-01T10:00:00","Id":"big-1","Operation":"Op","RecordType":15,"Blob":"${'y'.repeat(40_000)}"}`;
    await o.write(record(1), meta, idOf(record(1)));
    await o.write(big, meta, idOf(big));
    await o.write(record(2), meta, idOf(record(2)));
    await o.flushTo(o.mark());
    expect(await countDocs(base, fixture.index)).toBe(2);
    const entry = JSON.parse((await readFile(dlq, 'utf8')).trim()) as Record<string, any>;
    expect(entry.status).toBe(400);
    expect(entry._id).toBe('big-1');
    expect(entry.message).toBe(big);
    expect(String(entry.error.reason)).toMatch(/immense term|too large/i);
    expect(o.stats()).toMatchObject({ confirmed: 3, created: 2, deadLettered: 1 });
  });

  it('indexes a record whose Id is over the 512-byte _id limit once, under a digest of it', async () => {
    const o = await setup('longid', { batchMaxDocs: 2 });
    const longId = `{"CreationTime":"2024-03-01T10:00:00","Id":"${'x'.repeat(600)}","Operation":"Op","RecordType":15}`;
    for (let round = 0; round < 2; round++) {
      await o.write(record(1), meta, idOf(record(1)));
      await o.write(longId, meta, idOf(longId));
      await o.flushTo(o.mark());
    }
    expect(await countDocs(base, fixture.index)).toBe(2);
    expect(o.stats()).toMatchObject({ confirmed: 4, created: 2, duplicates: 2, deadLettered: 0 });
  });

  it('fails (not dead-letters) when the pipeline is missing, naming the fix', async () => {
    // The embedded nodes of the es global setup have the ingest role; a node without it cannot prove this.
    expect(ingest, `${engine} at ${base} has no ingest node role`).toBe(true);
    const o = await setup('nopipe', { pipeline: 'o365t-no-such-pipeline' });
    await o.write(record(1), meta, idOf(record(1)));
    const err = (await o.flushTo(o.mark()).catch((e: unknown) => e)) as O365AuditError;
    expect(err.code).toBe('O365_ERR_OUTPUT');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/setup/);
    expect(o.stats().deadLettered).toBe(0);
  });

  it('indexes real records through the installed ECS pipeline (setup_on_start) with nothing dead-lettered', async () => {
    // The embedded nodes of the es global setup have the ingest role; a node without it cannot prove this.
    expect(ingest, `${engine} at ${base} has no ingest node role`).toBe(true);
    const namespace = `outputs_${engine.slice(0, 2)}_${process.pid}`;
    const dlq = join(dir, `dlq-real-${engine}.ndjson`);
    const o = new ElasticsearchOutput({ type: engine, hosts: [base], namespace, setupOnStart: true, flushIntervalMs: 0, retry: fast, deadLetterPath: dlq }, { stateDir: dir });
    open.push(o);
    const index = `logs-o365.audit-${namespace}`;
    const refusedIds = async (): Promise<string[]> =>
      o.stats().deadLettered === 0
        ? []
        : (await readFile(dlq, 'utf8')).split('\n').filter(Boolean).map((l) => {
            const d = JSON.parse(l) as { _id: string; status: number; error: unknown };
            return `${d._id}: ${d.status} ${JSON.stringify(d.error).slice(0, 300)}`;
          });
    try {
      await o.open(undefined);
      // Real records (the shared corpus): the installed pipeline must take every one.
      const records = sampleRecords(60, false);
      for (const r of records) await o.write(r, { tenantId: 'tenant-1', contentType: contentTypeOf(r), contentId: 'c' }, idOf(r));
      await o.flushTo(o.mark());
      expect(await refusedIds()).toEqual([]);
      expect(o.stats()).toMatchObject({ confirmed: records.length, created: records.length, deadLettered: 0 });
      expect(await countDocs(base, index)).toBe(records.length);
      const hit = (await call(base, 'GET', `/${index}/_search?size=1`)).json.hits.hits[0]._source as Record<string, unknown>;
      expect(hit['@timestamp']).toBeDefined();

      // Awkward hand-made records: each is indexed or dead-lettered with its reason, never lost.
      for (const r of EDGE_CASES) await o.write(r, { tenantId: 'tenant-1', contentType: contentTypeOf(r), contentId: 'c' }, idOf(r));
      await o.flushTo(o.mark());
      const s = o.stats();
      expect(s.confirmed).toBe(records.length + EDGE_CASES.length);
      expect(s.created + s.deadLettered).toBe(records.length + EDGE_CASES.length);
      expect(await countDocs(base, index)).toBe(s.created);
      const refused = await refusedIds();
      if (refused.length > 0) console.warn(`${engine}: the installed pipeline refused:\n${refused.join('\n')}`);
    } finally {
      await call(base, 'DELETE', engine === 'opensearch' ? `/_data_stream/${index}` : `/${index}`);
    }
  });
});
