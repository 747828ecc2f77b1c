// Pipeline tests (vitest project `es`): installs pipelines/ and a stand-in index template on each
// engine, runs every test-*.json case through _simulate AND through bulk indexing into
// logs-o365.audit-<namespace>, and checks: no pipeline/mapping errors (except declared error cases),
// no _ignored values, every output field declared in fields/, valid ECS category/type pairs, goldens
// (written from Elasticsearch 7.10 with UPDATE_GOLDENS=1), and OpenSearch 2 and 3 output equal to
// Elasticsearch's. Runs on every engine of the matrix that has ingest processors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { EcsFlat } from '@elastic/ecs';
import { call, detect, type Engine } from './lib/engine.js';
import { PIPELINES_DIR } from './lib/pipelines.js';
import { declarationFor, FIELDS_DIR, leafPaths, loadFields } from './lib/fields.js';
import { createClusterClient } from '../../src/integration/setup/http.js';
import { detectCapabilities } from '../../src/integration/setup/capabilities.js';
import { entryPipelineName, loadPipelines } from '../../src/integration/setup/pipelines.js';
import { generateMappings } from '../../src/integration/mappings/generate.js';
import { loadFieldsDir } from '../../src/integration/mappings/load-fields.js';
import { canonical, CASES_DIR, loadCases, prettySorted, stripDynamic, writeGolden } from './lib/cases.js';
import { ENGINE_MATRIX, type EngineId } from '../../src/search-engine/matrix.js';
import { diffDocs } from '../vrl/parity.js';
import { urlOf } from '../es/setup-helpers.js';

// Installed under a test version and a test index pattern, so the package installed by the global
// setup (and other test files) are not touched. geoip is left out (deterministic goldens).
const TEST_VERSION = '0.0.0-pipelinetest';
const PREFIX = entryPipelineName(TEST_VERSION);
const TEMPLATE = 'o365-audit-pipelinetest';
const NS_PREFIX = 'pipelinetest';
const UPDATE = process.env.UPDATE_GOLDENS === '1';

const cases = loadCases();
const decls = loadFields();
const results: Record<string, Partial<Record<EngineId, unknown[]>>> = {};
const INGEST_ENGINES = ENGINE_MATRIX.filter((e) => e.ingest);

/** error.message texts embed engine-specific parser messages: compare only the processor part. */
function engineNeutral(doc: any): any {
  const d = structuredClone(doc);
  if (Array.isArray(d?.error?.message)) d.error.message = d.error.message.map((m: string) => m.replace(/ failed: .*/s, ' failed'));
  return d;
}

function validCategoryTypes(doc: any): string[] {
  const problems: string[] = [];
  const allowed = (EcsFlat as any)['event.category'].allowed_values as { name: string; expected_event_types: string[] }[];
  const cats: string[] = doc.event?.category ?? [];
  const types: string[] = doc.event?.type ?? [];
  for (const c of cats) if (!allowed.some((a) => a.name === c)) problems.push(`unknown event.category ${c}`);
  for (const t of types) {
    if (!cats.some((c) => allowed.find((a) => a.name === c)?.expected_event_types.includes(t))) problems.push(`event.type ${t} not allowed for ${cats}`);
  }
  return problems;
}

for (const spec of INGEST_ENGINES) {
  // No URL is a failure, never a skip: the es global setup starts the engines or names them.
  let url: string;
  describe(`ingest pipelines on ${spec.kind === 'elasticsearch' ? 'Elasticsearch' : 'OpenSearch'} ${spec.version}`, () => {
    let engine: Engine;
    const indices: string[] = [];
    const installed: string[] = [];
    beforeAll(async () => {
      url = urlOf(spec.id);
      engine = await detect(url);
      // The setup command's own pieces: processor adaptation and the fields/ -> mappings generator.
      const caps = await detectCapabilities(createClusterClient({ url: url }));
      const available = new Set([...caps.processors].filter((p) => p !== 'geoip'));
      const { pipelines } = loadPipelines(PIPELINES_DIR, TEST_VERSION, available);
      for (const p of pipelines) {
        await call(url, 'PUT', `/_ingest/pipeline/${p.name}`, p.body);
        installed.push(p.name);
      }
      const generated = generateMappings(loadFieldsDir(FIELDS_DIR), caps.mapping);
      await call(url, 'PUT', `/_index_template/${TEMPLATE}`, {
        index_patterns: [`logs-o365.audit-${NS_PREFIX}*`],
        priority: 500,
        ...(caps.dataStreams ? { data_stream: {} } : {}),
        template: { settings: { number_of_replicas: 0, 'index.mapping.total_fields.limit': generated.totalFieldsLimit }, mappings: generated.mappings },
      });
    });
    afterAll(async () => {
      for (const idx of indices) {
        await call(url, 'DELETE', engine.dataStreams ? `/_data_stream/${idx}` : `/${idx}`).catch(() => undefined);
      }
      await call(url, 'DELETE', `/_index_template/${TEMPLATE}`).catch(() => undefined);
      for (const name of installed) await call(url, 'DELETE', `/_ingest/pipeline/${name}`).catch(() => undefined);
    });

    for (const c of cases) {
      it(`${c.file}`, async () => {
        const errorCase = c.config.expect_errors === true;
        const dynamic = Object.keys(c.config.dynamic_fields);
        const sim = await call(url, 'POST', `/_ingest/pipeline/${PREFIX}/_simulate`, { docs: c.events.map((e) => ({ _source: e })) });
        const docs = sim.docs.map((d: any) => {
          expect(d.error, `${c.file}: simulate error ${JSON.stringify(d.error)}`).toBeUndefined();
          return d.doc._source;
        });
        const ids = sim.docs.map((d: any) => (d.doc._id === '_id' ? undefined : d.doc._id));
        for (const [i, doc] of docs.entries()) {
          const where = `${c.file} event ${i}`;
          if (!errorCase) expect(doc.error, `${where}: ${JSON.stringify(doc.error)}`).toBeUndefined();
          if (errorCase) expect(doc.event.kind, where).toBe('pipeline_error');
          for (const [f, re] of Object.entries(c.config.dynamic_fields)) {
            const v = f.split('.').reduce((n: any, k) => n?.[k], doc);
            expect(String(v), `${where} ${f}`).toMatch(new RegExp(re));
          }
          const undeclared = [...leafPaths(doc)].filter((p) => !declarationFor(p, decls, c.config.allow_catch_all));
          expect(undeclared, `${where}: fields missing from fields/`).toEqual([]);
          expect(validCategoryTypes(doc), where).toEqual([]);
          const rid = doc.o365?.audit?.Id;
          // The record Id is the _id (idempotent re-indexing) unless it is too long to be one.
          if (typeof rid === 'string' && rid.trim()) expect(ids[i], `${where}: _id`).toBe(rid.trim().length <= 128 ? rid.trim() : undefined);
        }
        const stripped = docs.map((d: unknown) => stripDynamic(d, dynamic));
        (results[c.file] ??= {})[spec.id] = stripped;
        // Goldens come from Elasticsearch; with UPDATE_GOLDENS OpenSearch is held to this run's
        // Elasticsearch output by the 'engines agree' test instead.
        if (engine.name === 'elasticsearch' && UPDATE) writeGolden(c, stripped);
        else if (!UPDATE) {
          expect(c.expected, `${c.file}: no golden; run npm run test:pipeline:update`).toBeDefined();
          const exp = engine.name === 'elasticsearch' ? c.expected! : c.expected!.map(engineNeutral);
          const act = engine.name === 'elasticsearch' ? stripped : stripped.map(engineNeutral);
          expect(act.map(canonical)).toEqual(exp.map(canonical));
        }

        // Same events through bulk indexing: no mapping errors, nothing _ignored, same documents.
        const ns = NS_PREFIX + c.name.replace(/[^a-z0-9]/g, '').slice(0, 60);
        const index = `logs-o365.audit-${ns}`;
        indices.push(index);
        // Without an ingest node (bare dev nodes) the simulated documents are indexed as they are,
        // which still checks them against the mapping.
        const lines = engine.ingest
          ? c.events.map((e) => `{"create":{}}\n${JSON.stringify({ ...e, data_stream: { namespace: ns } })}\n`)
          : docs.map((d: any, i: number) => `${JSON.stringify({ create: ids[i] ? { _id: ids[i] } : {} })}\n${JSON.stringify({ ...d, data_stream: { ...d.data_stream, namespace: ns } })}\n`);
        const bulk = await call(url, 'POST', `/${index}/_bulk?refresh=true${engine.ingest ? `&pipeline=${PREFIX}` : ''}`, lines.join(''), true);
        const bad = bulk.items.filter((it: any) => it.create.error && it.create.status !== 409);
        expect(bad.map((b: any) => b.create.error), `${c.file}: bulk errors`).toEqual([]);
        const search = await call(url, 'POST', `/${index}/_search`, { size: 1000, query: { match_all: {} } });
        const ignored = await call(url, 'POST', `/${index}/_search`, { size: 0, query: { exists: { field: '_ignored' } } });
        expect(ignored.hits.total.value, `${c.file}: documents with _ignored fields`).toBe(0);
        // Re-delivered records (same Id) are rejected by create: expect the first of each Id.
        const seen = new Set<string>();
        const want = stripped.filter((d: any, i: number) => {
          const id = ids[i];
          if (id === undefined) return true;
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
        const got = search.hits.hits.map((h: any) => stripDynamic(h._source, dynamic));
        const norm = (d: any) => canonical(engineNeutral(d));
        expect(got.map(norm).sort()).toEqual(want.map((d: any) => norm({ ...d, data_stream: { ...d.data_stream, namespace: ns } })).sort());
      });
    }
  });
}

describe('engines agree', () => {
  for (const other of INGEST_ENGINES.filter((e) => e.id !== 'es7')) {
    it(`OpenSearch ${other.version} output equals Elasticsearch 7.10 output`, () => {
      const both = Object.entries(results).filter(([, r]) => r.es7 && r[other.id]);
      expect(both.length, 'cases run on both engines').toBe(cases.length);
      // Named fields first, so a difference in a long document reads as a list of paths.
      const fields = both.flatMap(([file, r]) => r.es7!.flatMap((d, i) => diffDocs(engineNeutral(d), engineNeutral(r[other.id]![i]), []).map((f) => `${file} event ${i}: ${f.field}`)));
      expect(fields, 'fields that differ').toEqual([]);
      for (const [file, r] of both) expect(r[other.id]!.map((d) => canonical(engineNeutral(d))), file).toEqual(r.es7!.map((d) => canonical(engineNeutral(d))));
    });
  }
  afterAll(() => {
    if (UPDATE && results['test-sample.json']?.es7) {
      writeFileSync(`${CASES_DIR}sample_event.json`, prettySorted(results['test-sample.json'].es7[0]));
    }
  });
});
