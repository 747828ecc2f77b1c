// Vector parity (vitest project `es`): pipelines/vector/audit.vrl, run by the official VRL CLI
// (scripts/vrl/ensure-vrl.ts; built with cargo when missing, and a missing CLI FAILS the test), over
// every test/pipeline case input, compared field by field with the Elasticsearch pipeline's output
// (the goldens, which pipeline.test.ts proves equal to live Elasticsearch). Prints the parity figure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureVrl } from '../../scripts/vrl/ensure-vrl.js';
import { pipelineRecordTypes, vrlRecordTypes } from '../../scripts/vrl/sync-tables.js';
import { canonical, diffDocs, type Exception, type FieldDiff, loadExceptions, runVrl } from '../vrl/parity.js';
import { livePipeline, loadEdgeEvents, type Simulated } from '../vrl/live.js';
import { loadCases, stripDynamic } from './lib/cases.js';
import { urlOf } from '../es/setup-helpers.js';

const cases = loadCases();
const exceptions: Exception[] = loadExceptions();

interface DocResult {
  where: string;
  strictSame: boolean;
  unexplained: FieldDiff[];
  explained: FieldDiff[];
}

describe('Vector VRL program parity with the ingest pipeline', () => {
  let bin = '';
  const results: DocResult[] = [];
  const outputs = new Map<string, Record<string, unknown>[]>();

  beforeAll(() => {
    bin = ensureVrl();
    const all = cases.flatMap((c) => c.events);
    const docs = runVrl(bin, all);
    let i = 0;
    for (const c of cases) {
      outputs.set(c.file, docs.slice(i, i + c.events.length));
      i += c.events.length;
    }
  }, 120 * 60_000);

  it('the VRL RecordType table equals pipelines/record-types.yml', () => {
    expect(vrlRecordTypes()).toEqual(pipelineRecordTypes());
  });

  for (const c of cases) {
    it(`${c.file}: same documents as Elasticsearch`, () => {
      expect(c.expected, `${c.file}: no golden`).toBeDefined();
      const got = outputs.get(c.file)!;
      const dynamic = Object.keys(c.config.dynamic_fields);
      for (const [i, doc] of got.entries()) {
        const where = `${c.file} event ${i}`;
        for (const [f, re] of Object.entries(c.config.dynamic_fields)) {
          const v = f.split('.').reduce((n: any, k) => n?.[k], doc);
          expect(String(v), `${where} ${f}`).toMatch(new RegExp(re));
        }
        // _id is where the elasticsearch sink takes it (id_key: _id), not a document field.
        const es = c.expected![i] as any;
        const rid = es?.o365?.audit?.Id;
        if (typeof rid === 'string' && rid.trim()) expect(doc._id, `${where}: _id`).toBe(rid.length <= 128 ? rid.trim() : undefined);
        const { _id: _ignored, ...body } = doc;
        const vector = stripDynamic(body, dynamic) as any;
        // The json-text exception is for records that arrived parsed: raw text is kept as is.
        const input = c.events[i] as any;
        const rawText = typeof input.message === 'string' && !(input.o365audit instanceof Object) ? input.message : input.event?.original;
        if (typeof rawText === 'string' && es?.event?.original === rawText) expect(vector.event?.original, `${where}: event.original`).toBe(rawText);
        const diffs = diffDocs(es, vector, exceptions);
        results.push({
          where,
          strictSame: canonical(es) === canonical(vector),
          unexplained: diffs.filter((d) => !d.exception),
          explained: diffs.filter((d) => d.exception),
        });
      }
      const bad = results.filter((r) => r.where.startsWith(`${c.file} `) && r.unexplained.length > 0);
      expect(
        bad.map((r) => ({ where: r.where, diffs: r.unexplained.map((d) => ({ field: d.field, es: d.es, vector: d.vector })) })),
        `${c.file}: fields that differ outside pipelines/vector/PARITY.md`,
      ).toEqual([]);
    });
  }

  it('parity figure', () => {
    const total = results.length;
    expect(total).toBe(cases.reduce((n, c) => n + c.events.length, 0));
    const strict = results.filter((r) => r.strictSame).length;
    const withExceptions = results.filter((r) => r.unexplained.length === 0).length;
    const perField = new Map<string, { n: number; reason: string }>();
    for (const r of results) {
      for (const d of [...r.explained, ...r.unexplained]) {
        const e = perField.get(d.field) ?? { n: 0, reason: d.exception ? `${d.exception.rule}: ${d.exception.reason}` : 'UNEXPLAINED' };
        e.n++;
        perField.set(d.field, e);
      }
    }
    const lines = [
      `Vector parity: ${strict}/${total} documents identical to Elasticsearch's; ${withExceptions}/${total} identical apart from the documented exceptions (pipelines/vector/PARITY.md)`,
      ...[...perField.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, e]) => `  ${f}: ${e.n} document(s) differ (${e.reason})`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    expect(withExceptions).toBe(total);
  });
});

// Hostile and odd records written for the VRL port (number forms, Java toString of lists and maps,
// duplicate JSON keys, address forms, URLs, attachments, timestamps...): no goldens, compared with
// the live Elasticsearch of the es project (the pipelines installed from the working tree).
describe('Vector VRL program parity on edge records (live Elasticsearch)', () => {
  const events = loadEdgeEvents();
  let es: Simulated[] = [];
  let vector: Record<string, unknown>[] = [];
  let remove = async (): Promise<void> => undefined;

  beforeAll(async () => {
    const live = await livePipeline(urlOf('elasticsearch'));
    remove = live.remove;
    es = await live.simulate(events);
    vector = runVrl(ensureVrl(), events);
  }, 120 * 60_000);
  afterAll(async () => remove());

  it('same documents and _id as Elasticsearch', () => {
    const bad: unknown[] = [];
    let strict = 0;
    for (const [i, e] of es.entries()) {
      const { _id, ...body } = vector[i]!;
      expect(_id, `edge event ${i}: _id`).toBe(e.id);
      // Failed records take the ingest time as @timestamp.
      const dynamic = ['event.ingested', ...(e.source.error ? ['@timestamp'] : [])];
      const a = stripDynamic(e.source, dynamic);
      const b = stripDynamic(body, dynamic);
      if (canonical(a) === canonical(b)) strict++;
      const diffs = diffDocs(a, b, exceptions).filter((d) => !d.exception);
      if (diffs.length) bad.push({ event: i, input: JSON.stringify(events[i]).slice(0, 200), diffs });
    }
    process.stdout.write(`Vector parity on edge records: ${strict}/${es.length} identical; ${es.length - bad.length}/${es.length} apart from the documented exceptions\n`);
    expect(bad).toEqual([]);
  });
});
