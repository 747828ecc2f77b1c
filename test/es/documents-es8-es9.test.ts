// Elasticsearch 8 and 9 (integ-test-zip: no ingest processors, so the documents come from the
// ingest engines): every document the pipeline produces — the pipeline goldens, and a fresh run of
// all pipeline-test inputs and both corpora through the installed pipeline on ES 7.10 and
// OpenSearch 3 — is indexed into a data stream set up by `o365-audit setup`, with zero mapping
// errors and nothing in _ignored; after a rollover `_field_caps` shows every field of fields/
// with its declared type (as adapted for this cluster) and no field with two types across backing
// indices; and a search on each field detection rules read finds the document holding it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ELASTIC_CORPUS_DIR, WAZUH_EVENTS_FILE } from '../corpus/corpus.js';
import { entryPipelineName } from '../../src/integration/setup/index.js';
import { packageVersion } from '../../src/integration/setup/package-assets.js';
import { createClusterClient } from '../../src/integration/setup/http.js';
import { detectCapabilities } from '../../src/integration/setup/capabilities.js';
import { generateMappings } from '../../src/integration/mappings/generate.js';
import { loadFieldsDir } from '../../src/integration/mappings/load-fields.js';
import { loadCases } from '../pipeline/lib/cases.js';
import { FIELDS_DIR } from '../pipeline/lib/fields.js';
import { backingIndices, es, typeConflicts, urlOf } from './setup-helpers.js';

const run = Date.now().toString(36);

type Doc = Record<string, any>;
interface Produced { id?: string; source: Doc; from: string }

/**
 * Fields the detection rules read (../shared/docs/detections-and-ecs.md, part 1c, Elastic's 49 o365
 * rules and the m365 Sigma rules), as paths into our documents. `*` = any key the documents hold.
 */
const DETECTION_FIELDS = [
  '@timestamp', 'event.ingested', 'data_stream.dataset', 'event.dataset', 'event.action', 'event.provider', 'event.outcome',
  'event.category', 'event.code', 'source.ip', 'user.id', 'user.name', 'user.domain', 'user.email', 'user_agent.original',
  'related.user', 'rule.name', 'file.name', 'file.extension', 'file.directory', 'file.size',
  'source.geo.country_name', 'source.geo.region_name', 'source.as.organization.name', 'source.as.number',
  'o365.audit.UserId', 'o365.audit.ExtendedProperties.RequestType', 'o365.audit.ExtendedProperties.ResultStatusDetail',
  'o365.audit.ApplicationId', 'o365.audit.UserType', 'o365.audit.ObjectId', 'o365.audit.Parameters.*',
  'o365.audit.ModifiedProperties.*', 'o365.audit.LogonError', 'o365.audit.ClientAppId', 'o365.audit.LogonType',
  'o365.audit.OperationCount', 'o365.audit.ErrorNumber', 'o365.audit.RecordType', 'o365.audit.AzureActiveDirectoryEventType',
  'o365.audit.AuthenticationType', 'o365.audit.SearchQueryText', 'o365.audit.CommunicationType', 'o365.audit.IsManagedDevice',
  'o365.audit.Platform', 'o365.audit.Site', 'o365.audit.SiteUrl', 'o365.audit.Name', 'o365.audit.NewValue',
  'o365.audit.Actor.Type', 'o365.audit.Target.Type', 'o365.audit.Target.ID', 'o365.audit.AppAccessContext.AADSessionId',
];

function pipelineInputs(): Array<{ from: string; event: Doc }> {
  const cases = (dir: string | undefined, tag: string) => loadCases(dir).flatMap((c) => c.events.map((event) => ({ from: `${tag}/${c.file}`, event: event as Doc })));
  const wazuh = readFileSync(WAZUH_EVENTS_FILE, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l, i) => ({ from: `wazuh/events.ndjson:${i + 1}`, event: JSON.parse(l) as Doc }));
  return [...cases(undefined, 'pipeline'), ...cases(ELASTIC_CORPUS_DIR, 'corpus/elastic'), ...wazuh];
}

/**
 * The goldens lack their cases' dynamic fields (event.ingested, and @timestamp where a case takes
 * the ingest time): a data stream needs @timestamp, so those get a fixed one back.
 */
function goldens(): Produced[] {
  return loadCases().flatMap((c) => ((c.expected ?? []) as Doc[])
    .map((source) => ({ source: source['@timestamp'] === undefined ? { ...source, '@timestamp': '2026-01-01T00:00:00.000Z' } : source, from: `golden ${c.file}-expected.json` })));
}

/** Runs the inputs through the package's installed entry pipeline on an ingest engine. */
async function produce(url: string, engine: string, inputs: Array<{ from: string; event: Doc }>): Promise<Produced[]> {
  const out: Produced[] = [];
  for (let i = 0; i < inputs.length; i += 200) {
    const batch = inputs.slice(i, i + 200);
    const sim = await es(url, 'POST', `/_ingest/pipeline/${entryPipelineName(packageVersion())}/_simulate`, { docs: batch.map((b) => ({ _source: b.event })) });
    expect(sim.status, JSON.stringify(sim.json).slice(0, 500)).toBe(200);
    for (const [j, d] of (sim.json.docs as Array<{ doc?: { _id: string; _source: Doc }; error?: unknown }>).entries()) {
      expect(d.error, `${batch[j]!.from} on ${engine}`).toBeUndefined();
      out.push({ id: d.doc!._id === '_id' ? undefined : d.doc!._id, source: d.doc!._source, from: `${engine} ${batch[j]!.from}` });
    }
  }
  return out;
}

function valuesAt(doc: unknown, path: string[]): unknown[] {
  if (path.length === 0) return doc === undefined || doc === null ? [] : Array.isArray(doc) ? doc.flat(Infinity) : [doc];
  if (Array.isArray(doc)) return doc.flatMap((d) => valuesAt(d, path));
  if (doc === null || typeof doc !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') return Object.values(doc).flatMap((v) => valuesAt(v, rest));
  return valuesAt((doc as Doc)[head], rest);
}

/** Leaf paths with a value in a document, below a prefix (for the `*` fields). */
function keysBelow(doc: unknown, prefix: string[]): string[] {
  let node: unknown = doc;
  for (const p of prefix) node = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Doc)[p] : undefined;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
  return Object.keys(node).filter((k) => { const v = (node as Doc)[k]; return v !== null && v !== '' && (typeof v !== 'object' || Array.isArray(v)); }).map((k) => [...prefix, k].join('.'));
}

/** path -> type of every mapped field in generated mappings (properties and multi-fields). */
function mappedTypes(props: Record<string, any>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, m] of Object.entries(props)) {
    const name = prefix === '' ? k : `${prefix}.${k}`;
    out.set(name, m.type ?? 'object');
    if (m.properties !== undefined) for (const [n, t] of mappedTypes(m.properties, name)) out.set(n, t);
    if (m.fields !== undefined) for (const [sub, sm] of Object.entries(m.fields as Record<string, any>)) out.set(`${name}.${sub}`, sm.type);
  }
  return out;
}

const ZIP_ENGINES = [['Elasticsearch 8', 'es8'], ['Elasticsearch 9', 'es9']] as const;

let produced: Produced[] = [];
beforeAll(async () => {
  const inputs = pipelineInputs();
  expect(inputs.length).toBeGreaterThan(300);
  produced = [...goldens(), ...(await produce(urlOf('es7'), 'es7', inputs)), ...(await produce(urlOf('os3'), 'os3', inputs))];
});

describe.each(ZIP_ENGINES)('pipeline documents on %s', (_name, id) => {
  const url = (): string => urlOf(id);
  const ns = `docs${run}`;
  const stream = `logs-o365.audit-${ns}`;
  const indexed: Array<{ id: string; source: Doc }> = [];

  async function bulk(docs: Produced[], tag: string): Promise<void> {
    const lines: string[] = [];
    docs.forEach((d, i) => {
      // Each batch gets its own _id (ids are unique per backing index only for create) so the
      // same document can be indexed before and after the rollover.
      const docId = `${tag}-${i}`;
      lines.push(JSON.stringify({ create: { _id: docId } }), JSON.stringify({ ...d.source, data_stream: { ...d.source['data_stream'], namespace: ns } }));
      indexed.push({ id: docId, source: d.source });
    });
    const res = await es(url(), 'POST', `/${stream}/_bulk?refresh=true`, `${lines.join('\n')}\n`, true);
    expect(res.status).toBe(200);
    const errors = (res.json.items as Array<{ create: { status: number; error?: { type: string; reason: string } } }>)
      .map((it, i) => ({ it, from: docs[i]!.from })).filter(({ it }) => it.create.error !== undefined)
      .map(({ it, from }) => `${from}: ${it.create.error!.type}: ${it.create.error!.reason}`);
    expect(errors, 'mapping errors').toEqual([]);
  }

  it('indexes every document with zero mapping errors and nothing in _ignored, before and after a rollover', async () => {
    expect(produced.length).toBeGreaterThan(600);
    const half = Math.ceil(produced.length / 2);
    await bulk(produced, 'a');
    const rolled = await es(url(), 'POST', `/${stream}/_rollover`);
    expect(rolled.status, JSON.stringify(rolled.json)).toBe(200);
    expect(rolled.json.rolled_over).toBe(true);
    // Both halves again into the new backing index, in the other order.
    await bulk([...produced.slice(half), ...produced.slice(0, half)], 'b');
    const count = await es(url(), 'GET', `/${stream}/_count`);
    expect(count.json.count).toBe(produced.length * 2);
    // Since 8.x a value over a keyword's ignore_above is recorded in _ignored (7.10 and OpenSearch
    // skip it silently); the pipeline cuts such values (finalize.yml), so none may be there. The
    // long-value cases must really be here, cut, with their whole record in event.original.
    const ignored = await es(url(), 'POST', `/${stream}/_search`, { size: 100, query: { exists: { field: '_ignored' } }, fields: ['_ignored'], _source: ['event.id'] });
    expect(ignored.json.hits.hits.map((h: any) => `${h._id} (${h._source?.event?.id}): ${h.fields?._ignored}`), 'documents with _ignored fields').toEqual([]);
    const cut = produced.filter((d) => d.source?.tags?.includes?.('truncated_values'));
    expect(cut.length, 'documents with a value cut to fit').toBeGreaterThanOrEqual(6);
    for (const d of cut) expect((JSON.parse(d.source.event?.original ?? 'null') as Doc | null)?.Id, `${d.from}: the whole record in event.original`).toBe(d.source.event?.id);
  });

  it('_field_caps shows every field of fields/ with its declared type and no type conflict across backing indices', async () => {
    const backing = await backingIndices(url(), stream);
    expect(backing.length).toBe(2);
    const caps = await detectCapabilities(createClusterClient({ url: url() }));
    const expected = mappedTypes(generateMappings(loadFieldsDir(FIELDS_DIR), caps.mapping).mappings.properties as Record<string, any>);
    expect(expected.size).toBeGreaterThan(300);
    const fc = await es(url(), 'GET', `/${stream}/_field_caps?fields=*`);
    expect(fc.json.indices.sort()).toEqual([...backing].sort());
    const fields = fc.json.fields as Record<string, Record<string, { indices?: string[] }>>;
    expect(typeConflicts(fields), 'fields with more than one type across backing indices').toEqual([]);
    // Objects declared without sub-fields (filled by dynamic templates) appear only once a document has a key there.
    const wrong = [...expected].filter(([f, t]) => !(t === 'object' && fields[f] === undefined) && Object.keys(fields[f] ?? {})[0] !== t).map(([f, t]) => `${f}: declared ${t}, field_caps ${Object.keys(fields[f] ?? {}).join('/') || 'missing'}`);
    expect(wrong).toEqual([]);
    // flattened exists on 8/9 and is what fields/ declares for free-form objects.
    expect([...expected.values()]).toContain('flattened');
  });

  it('a search on each field detection rules read finds the document holding it', async () => {
    const missing: string[] = [];
    const notFound: string[] = [];
    for (const field of DETECTION_FIELDS) {
      const paths = field.endsWith('.*')
        ? [...new Set(indexed.flatMap((d) => keysBelow(d.source, field.slice(0, -2).split('.'))))].slice(0, 20)
        : [field];
      if (paths.length === 0) { missing.push(field); continue; }
      for (const path of paths) {
        const holder = indexed.find((d) => valuesAt(d.source, path.split('.')).some((v) => v !== '' && (typeof v !== 'object')));
        if (holder === undefined) { missing.push(path); continue; }
        const value = valuesAt(holder.source, path.split('.')).find((v) => v !== '' && typeof v !== 'object') as string | number | boolean;
        const res = await es(url(), 'POST', `/${stream}/_search`, {
          size: 1,
          query: { bool: { must: [{ match: { [path]: { query: value } } }], filter: [{ ids: { values: [holder.id] } }] } },
        });
        if (res.status !== 200 || res.json.hits.total.value !== 1) notFound.push(`${path} = ${JSON.stringify(value)} (${res.status}${res.status === 200 ? '' : `: ${JSON.stringify(res.json.error?.root_cause?.[0] ?? res.json).slice(0, 200)}`})`);
      }
    }
    expect(missing, 'detection fields no pipeline document holds').toEqual([]);
    expect(notFound, 'detection fields whose search misses the document').toEqual([]);
  });
});
