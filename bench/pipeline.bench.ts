// Item 5: the ingest pipeline on Elasticsearch. The pipeline-test corpus (test/pipeline/test-*.json,
// copies with fresh Ids) is bulk-indexed as the elasticsearch output sends it ({"message": raw},
// create, _id = Id), once through the package's pipeline (installed by `setup`) and once through a
// trivial pipeline (only the `json` processor), on the same node in the same run. Case `pipeline`
// runs on Elasticsearch 7.10, `pipeline-os3` on OpenSearch 3 (src/search-engine/matrix.ts); each
// uses its engine's URL variable (ES_URL, OPENSEARCH3_URL) when set, else starts the embedded node
// (needs java + mvn).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { startEngine, type RunningEngine } from '../src/search-engine/engine-runner.js';
import { engineSpec, type EngineId } from '../src/search-engine/matrix.js';
import { entryPipelineName } from '../src/integration/setup/pipelines.js';
import { setup } from '../src/integration/setup/setup.js';
import { round } from './e2e.bench.js';
import { repoRoot } from './lib/bundle.js';
import type { BenchContext, CaseResult } from './lib/context.js';
import { load } from './lib/machine.js';

const BULK_DOCS = 500;
const CONCURRENCY = 2;
const TRIVIAL = 'o365-audit-bench-trivial';

function corpus(): Array<Record<string, unknown>> {
  const dir = join(repoRoot, 'test', 'pipeline');
  const files = readdirSync(dir).filter((f) => /^test-.*\.json$/.test(f) && !f.endsWith('-expected.json')).sort();
  return files.flatMap((f) => {
    const events = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { events?: Array<{ o365audit?: Record<string, unknown> }> }).events ?? [];
    return events.flatMap((e) => (e.o365audit !== undefined && typeof e.o365audit === 'object' ? [e.o365audit] : []));
  });
}

/** `n` bulk bodies of BULK_DOCS create actions each; Ids are unique per run and per copy. */
function bulkBodies(records: Array<Record<string, unknown>>, docs: number, tag: string): string[] {
  const bodies: string[] = [];
  let body = '';
  for (let i = 0; i < docs; i++) {
    const rec = records[i % records.length] as Record<string, unknown>;
    const id = `bench-${tag}-${i.toString(16).padStart(8, '0')}`;
    const raw = JSON.stringify({ ...rec, Id: id });
    body += `{"create":{"_id":${JSON.stringify(id)}}}\n{"message":${JSON.stringify(raw)}}\n`;
    if ((i + 1) % BULK_DOCS === 0 || i === docs - 1) {
      bodies.push(body);
      body = '';
    }
  }
  return bodies;
}

async function call(url: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: string, ndjson = false): Promise<{ status: number; json: unknown }> {
  const res = await request(`${url}${path}`, {
    method,
    ...(body !== undefined ? { body, headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' } } : {}),
  });
  const text = await res.body.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: res.statusCode, json };
}

/** Sends the bodies with CONCURRENCY requests in flight; returns seconds and refused items. */
async function bulkAll(url: string, path: string, bodies: string[]): Promise<{ seconds: number; refused: number; firstError?: string }> {
  let next = 0;
  let refused = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++] as string;
      const r = await call(url, 'POST', path, body, true);
      if (r.status >= 300) throw new Error(`bulk to ${path} failed with HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
      const items = (r.json as { items?: Array<Record<string, { status: number; error?: unknown }>> }).items ?? [];
      for (const it of items) {
        const op = Object.values(it)[0];
        if (op !== undefined && op.status >= 300) {
          refused++;
          firstError ??= JSON.stringify(op.error).slice(0, 300);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { seconds: (performance.now() - t0) / 1000, refused, ...(firstError !== undefined ? { firstError } : {}) };
}

interface ProcessorStat {
  type?: string;
  stats?: { count?: number; time_in_millis?: number };
}

/**
 * The node's own profile of the package's pipelines (`_nodes/stats/ingest`): self time per
 * sub-pipeline and the processors that took longest, excluding `pipeline` processors (their time is
 * the called pipeline's). Cumulative since the node started: warm-up included.
 */
async function ingestProfile(url: string, prefix: string): Promise<string[]> {
  const r = await call(url, 'GET', '/_nodes/stats/ingest?filter_path=nodes.*.ingest.pipelines');
  const nodes = (r.json as { nodes?: Record<string, { ingest?: { pipelines?: Record<string, { time_in_millis?: number; processors?: Array<Record<string, ProcessorStat>> }> } }> }).nodes ?? {};
  const selfByPipeline = new Map<string, number>();
  const procs: Array<{ where: string; ms: number }> = [];
  for (const node of Object.values(nodes)) {
    for (const [name, p] of Object.entries(node.ingest?.pipelines ?? {})) {
      if (!name.startsWith(prefix)) continue;
      const short = name.slice(prefix.length).replace(/^-/, '') || 'default';
      (p.processors ?? []).forEach((entry, i) => {
        for (const [key, st] of Object.entries(entry)) {
          // A `pipeline` processor may be wrapped (conditional, compound with on_failure): its key
          // still names it, and its time is the called pipeline's.
          if (st.type === 'pipeline' || key.startsWith('pipeline:') || /CompoundProcessor-pipeline_/.test(key)) continue;
          const ms = st.stats?.time_in_millis ?? 0;
          selfByPipeline.set(short, (selfByPipeline.get(short) ?? 0) + ms);
          procs.push({ where: `${short}#${i} ${key}`, ms });
        }
      });
    }
  }
  const total = [...selfByPipeline.values()].reduce((a, b) => a + b, 0) || 1;
  const pct = (ms: number): string => `${Math.round((ms / total) * 1000) / 10}%`;
  const pipes = [...selfByPipeline.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, ms]) => `${n} ${pct(ms)}`);
  const top = procs.sort((a, b) => b.ms - a.ms).slice(0, 10).map((x) => `${x.where} ${pct(x.ms)}`);
  return [`ingest self time by sub-pipeline (node stats, ${total} ms): ${pipes.join(', ')}`, `slowest processors: ${top.join(', ')}`];
}

function notRun(name: string, reason: string, before: number[]): CaseResult {
  return {
    name,
    title: 'Ingest pipeline vs trivial pipeline (json only)',
    notRun: reason,
    metrics: {},
    targets: [{ text: '>= 0.4x the trivial pipeline', holds: undefined }],
    load: { before, after: load() },
    at: new Date().toISOString(),
  };
}

export const benchPipeline = (ctx: BenchContext): Promise<CaseResult> => benchPipelineOn(ctx, 'es7', 'pipeline');
export const benchPipelineOs3 = (ctx: BenchContext): Promise<CaseResult> => benchPipelineOn(ctx, 'os3', 'pipeline-os3');

async function benchPipelineOn(ctx: BenchContext, id: EngineId, name: string): Promise<CaseResult> {
  const before = load();
  const spec = engineSpec(id);
  const what = `${spec.kind} ${spec.version}`;
  let engine: RunningEngine | undefined;
  let url = process.env[spec.urlEnv]?.replace(/\/+$/, '');
  if (url === undefined || url === '') {
    ctx.log(`${name}: starting the embedded ${what} (set ${spec.urlEnv} to use a running node)`);
    // The launcher's defaults favour a fast start (C1-only JIT, small heap); measure at full speed
    // unless the caller chose other options. OpenSearch 3 hit its circuit breaker with 1 GB.
    const jvm = process.env['O365_AUDIT_ENGINE_JAVA_OPTS'];
    process.env['O365_AUDIT_ENGINE_JAVA_OPTS'] = jvm ?? (id === 'os3' ? '-Xms2g -Xmx2g -XX:+UseParallelGC' : '-Xms1g -Xmx1g -XX:+UseParallelGC');
    try {
      engine = await startEngine({ engine: id, log: (l) => ctx.log(`${id}: ${l}`) });
    } catch (err) {
      return notRun(name, `the embedded ${what} did not start: ${(err as Error).message.split('\n')[0] ?? ''}`, before);
    } finally {
      if (jvm === undefined) delete process.env['O365_AUDIT_ENGINE_JAVA_OPTS'];
      else process.env['O365_AUDIT_ENGINE_JAVA_OPTS'] = jvm;
    }
    url = engine.url;
  }
  const tag = Date.now().toString(36);
  const stream = `logs-o365.audit-bench${tag}`;
  const trivialIndex = `${TRIVIAL}-${tag}`;
  const storeOnlyIndex = `${TRIVIAL}-store-${tag}`;
  try {
    const installed = await setup({ url });
    const put = await call(url, 'PUT', `/_ingest/pipeline/${TRIVIAL}`, JSON.stringify({ description: 'o365-audit bench: json only', processors: [{ json: { field: 'message', target_field: 'o365raw' } }] }));
    if (put.status >= 300) throw new Error(`installing the trivial pipeline failed: HTTP ${put.status}`);
    // Two trivial baselines, both only the `json` processor: into an index with dynamic mapping
    // (every field indexed, as the package's documents are; the target is measured against this
    // one), and into one that indexes no fields (parse + store only: the bare floor of ingest).
    const idx = await call(url, 'PUT', `/${storeOnlyIndex}`, JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { dynamic: false } }));
    if (idx.status >= 300) throw new Error(`creating the store-only index failed: HTTP ${idx.status}`);
    const records = corpus();
    const perRound = ctx.quick ? 2_000 : 8_000;
    const rounds = 2;
    ctx.log(`pipeline: ${records.length} corpus records, ${rounds} x ${perRound.toLocaleString('en')} docs per pipeline, bulks of ${BULK_DOCS}, ${CONCURRENCY} in flight`);
    const sides = {
      pipeline: `/${stream}/_bulk`,
      trivial: `/${trivialIndex}/_bulk?pipeline=${TRIVIAL}`,
      storeOnly: `/${storeOnlyIndex}/_bulk?pipeline=${TRIVIAL}`,
    } as const;
    type Side = keyof typeof sides;
    const seconds: Record<Side, number> = { pipeline: 0, trivial: 0, storeOnly: 0 };
    const refused: Record<Side, number> = { pipeline: 0, trivial: 0, storeOnly: 0 };
    const firstErrors: string[] = [];
    // Warm-up (JIT, mappings, shard creation), not measured.
    for (const [side, path] of Object.entries(sides)) await bulkAll(url, path, bulkBodies(records, BULK_DOCS * 6, `${tag}-w${side}`));
    // Alternate, so a burst of load elsewhere hits every side alike.
    for (let r = 0; r < rounds; r++) {
      for (const [side, path] of Object.entries(sides) as Array<[Side, string]>) {
        const res = await bulkAll(url, path, bulkBodies(records, perRound, `${tag}-${side}${r}`));
        seconds[side] += res.seconds;
        refused[side] += res.refused;
        if (res.firstError !== undefined && !firstErrors.some((e) => e.startsWith(side))) firstErrors.push(`${side}: ${res.firstError}`);
      }
    }
    const docs = perRound * rounds;
    const errors = await call(url, 'GET', `/${stream}/_count?q=event.kind:pipeline_error`);
    const pRate = docs / seconds.pipeline;
    const tRate = docs / seconds.trivial;
    const sRate = docs / seconds.storeOnly;
    const out: CaseResult = {
      name,
      title: 'Ingest pipeline vs trivial pipeline (json only)',
      metrics: {
        engine: `${installed.cluster.distribution} ${installed.cluster.version}`,
        jvmOptions: engine === undefined ? `external node (${spec.urlEnv})` : (process.env['O365_AUDIT_ENGINE_JAVA_OPTS'] ?? (id === 'os3' ? '-Xms2g -Xmx2g -XX:+UseParallelGC' : '-Xms1g -Xmx1g -XX:+UseParallelGC')),
        geoip: installed.geoip,
        corpusRecords: records.length,
        docs,
        docsPerSecond: Math.round(pRate),
        trivialDocsPerSecond: Math.round(tRate),
        ratioToTrivial: round(pRate / tRate, 2),
        storeOnlyDocsPerSecond: Math.round(sRate),
        ratioToStoreOnly: round(pRate / sRate, 2),
        pipelineSeconds: round(seconds.pipeline, 2),
        trivialSeconds: round(seconds.trivial, 2),
        storeOnlySeconds: round(seconds.storeOnly, 2),
        refusedByPipeline: refused.pipeline,
        refusedByTrivial: refused.trivial,
        refusedByStoreOnly: refused.storeOnly,
        pipelineErrorDocs: (errors.json as { count?: number }).count ?? null,
        wallSeconds: round(seconds.pipeline + seconds.trivial + seconds.storeOnly, 2),
      },
      targets: [{ text: '>= 0.4x the trivial pipeline', holds: pRate / tRate >= 0.4 }],
      load: { before, after: load() },
      at: new Date().toISOString(),
    };
    out.notes = [...(await ingestProfile(url, entryPipelineName(installed.version)).catch((e: unknown) => [`ingest profile unavailable: ${(e as Error).message}`])), ...firstErrors.map((e) => `first refused item, ${e}`)];
    return out;
  } catch (err) {
    return notRun(name, `failed: ${(err as Error).message.slice(0, 300)}`, before);
  } finally {
    await call(url, 'DELETE', `/_data_stream/${stream}`).catch(() => undefined);
    await call(url, 'DELETE', `/${stream}`).catch(() => undefined);
    await call(url, 'DELETE', `/${trivialIndex}`).catch(() => undefined);
    await call(url, 'DELETE', `/${storeOnlyIndex}`).catch(() => undefined);
    await engine?.stop();
  }
}
