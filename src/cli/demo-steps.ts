// Extra steps `demo` runs after collecting to a file: indexing the same simulator data into an
// embedded Elasticsearch (or the one --es-url / ES_URL names) through the bulk output and our
// pipelines, then showing what landed. An explicit list, so importing the CLI has no side effects.

import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startEngine, type RunningEngine } from '../search-engine/engine-runner.js';
import type { AppConfig } from '../config/types.js';
import { loadConfigFile } from '../config/load.js';
import { O365AuditError } from '../errors.js';
import { setup } from '../integration/setup/setup.js';
import { createClusterClient, type ClusterClient } from '../integration/setup/http.js';
import { createLogger, type LogLevelName } from '../logging/logger.js';
import type { Simulator } from '../simulator/types.js';
import { readDelivered } from './delivery-check.js';
import { runCollector } from './run-collector.js';
import { formatSummary } from './summary.js';

export interface DemoOptions {
  /** false with --no-elasticsearch. */
  elasticsearch: boolean;
  /** A running cluster to use instead of starting one (--es-url or ES_URL). */
  esUrl?: string;
  /** Leave the embedded node running until Ctrl-C. */
  keepRunning: boolean;
  logLevel: string;
}

export interface DemoContext {
  /** The demo folder (./demo-output). */
  dir: string;
  /** The NDJSON file the collector wrote. */
  ndjsonPath: string;
  configPath: string;
  config: AppConfig;
  simulator: Simulator;
  options: DemoOptions;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Writes a collector config for the simulator with these outputs (YAML list items) and state folder; returns its path. */
  writeConfig(fileName: string, stateDir: string, outputsYaml: string[]): Promise<string>;
  /** Writes a line of the demo's report (stdout). */
  print(line: string): void;
}

export interface DemoStep {
  name: string;
  /** Whether the step can run here (e.g. Java present); a skipped step prints why. */
  available(ctx: DemoContext): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Throws (with a code) when the step fails; the demo then exits non-zero. */
  run(ctx: DemoContext): Promise<void>;
}

function runs(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** The java the engine runner will use ($JAVA_HOME/bin/java, else `java` on PATH) works. */
export function javaAvailable(): boolean {
  const home = process.env['JAVA_HOME'];
  return runs(home ? join(home, 'bin', 'java') : 'java', ['-version']);
}

/** Maven on the PATH (the engine runner resolves the node's jars from the committed pom with it). */
export function mavenAvailable(): boolean {
  return runs('mvn', ['-v']);
}

const INDEX = 'logs-o365.audit-default';
const ES_STATE = 'state-elasticsearch';
const ES_NDJSON = 'o365-elasticsearch.ndjson';
/** Files the step creates in the demo folder (removed before each run). */
export const ELASTICSEARCH_STEP_FILES = [ES_STATE, ES_NDJSON, 'config-elasticsearch.yaml'];

function demoError(message: string, cause?: unknown): O365AuditError {
  return new O365AuditError('O365_ERR_DEMO', message, { cause });
}

async function call(client: ClusterClient, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await client.call(method, path, body);
  if (res.status >= 300) throw demoError(`${method} ${client.url}${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body as Record<string, unknown>;
}

/** Starts the embedded node, printing a line every 15 s so a slow start does not look like a hang. */
async function startNode(ctx: DemoContext): Promise<RunningEngine> {
  ctx.print('  Starting an embedded Elasticsearch 7.10.2 OSS (a JVM, jars from Maven Central via the package pom;');
  ctx.print('  the first start downloads them, a start takes 1-3 minutes on a busy machine)...');
  const started = Date.now();
  const ticker = setInterval(() => ctx.print(`  ... still starting (${Math.round((Date.now() - started) / 1000)} s)`), 15_000);
  try {
    return await startEngine({ kind: 'elasticsearch', timeoutMs: 300_000 });
  } finally {
    clearInterval(ticker);
  }
}

type Buckets = { buckets: Array<{ key: string; doc_count: number }> };
const get = (doc: Record<string, unknown>, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);

async function report(ctx: DemoContext, client: ClusterClient, ids: string[]): Promise<void> {
  await call(client, 'POST', `/${INDEX}/_refresh`);
  const mine = { ids: { values: ids } };
  const total = (await call(client, 'GET', `/${INDEX}/_count`)).count as number;
  const res = await call(client, 'POST', `/${INDEX}/_search`, {
    size: 0,
    track_total_hits: true,
    query: mine,
    aggs: { code: { terms: { field: 'event.code', size: 50 } }, category: { terms: { field: 'event.category', size: 20 } } },
  });
  const indexed = (res.hits as { total: { value: number } }).total.value;
  const aggs = res.aggregations as { code: Buckets; category: Buckets };
  ctx.print(`  Documents in ${INDEX} for this run's Ids: ${indexed}; unique Ids delivered: ${ids.length}` +
    `${indexed === ids.length ? ' (equal: _id is the record Id, so a resend cannot duplicate)' : ' (MISMATCH)'}; all documents in the index: ${total}`);
  ctx.print('  Per event.code:');
  for (const b of aggs.code.buckets) ctx.print(`    ${String(b.doc_count).padStart(6)}  ${b.key}`);
  ctx.print('  Per event.category:');
  for (const b of aggs.category.buckets) ctx.print(`    ${String(b.doc_count).padStart(6)}  ${b.key}`);

  const fields = ['event.action', 'event.provider', 'event.outcome', 'event.category', 'event.code', 'user.id', 'source.ip', 'related'];
  // Prefer a document with a source address: it shows the IP enrichment and related.ip.
  const sample = await call(client, 'POST', `/${INDEX}/_search`, {
    size: 1,
    _source: fields,
    query: { bool: { filter: [mine], should: [{ exists: { field: 'source.ip' } }] } },
  });
  const hit = (sample.hits as { hits: Array<{ _id: string; _source: Record<string, unknown> }> }).hits[0];
  if (hit !== undefined) {
    ctx.print(`  One normalised document (_id ${hit._id}, abbreviated):`);
    for (const f of fields.filter((f) => f !== 'related')) {
      const v = get(hit._source, f);
      if (v !== undefined) ctx.print(`    ${f.padEnd(15)} ${JSON.stringify(v)}`);
    }
    for (const [k, v] of Object.entries((hit._source['related'] ?? {}) as Record<string, unknown>)) ctx.print(`    ${`related.${k}`.padEnd(15)} ${JSON.stringify(v)}`);
  }
  ctx.print(`  Look yourself: curl '${client.url}/${INDEX}/_search?pretty&size=3'`);
  if (indexed !== ids.length) throw demoError(`${indexed} documents in ${INDEX} for ${ids.length} unique Ids delivered; expected them equal`);
}

async function indexIntoElasticsearch(ctx: DemoContext): Promise<void> {
  await Promise.all(ELASTICSEARCH_STEP_FILES.map((f) => rm(join(ctx.dir, f), { recursive: true, force: true })));
  const engine = ctx.options.esUrl === undefined ? await startNode(ctx) : undefined;
  const url = (ctx.options.esUrl ?? engine?.url ?? '').replace(/\/+$/, '');
  const client = createClusterClient({ url, timeoutMs: 60_000 });
  try {
    ctx.print(`  Elasticsearch at ${client.url}${engine ? ` (embedded ${engine.version}, home ${engine.home})` : ''}`);
    const installed = await setup({ url });
    const changed = installed.assets.filter((a) => a.status !== 'up to date').length;
    ctx.print(`  Setup: ${changed} pipelines/templates installed or updated, ${installed.assets.length - changed} up to date; documents go to ${installed.target}`);

    // Same simulator, fresh state: the collector fetches everything again and sends it to both outputs.
    const configPath = await ctx.writeConfig('config-elasticsearch.yaml', ES_STATE, [`{ type: file, path: ${ES_NDJSON} }`, `{ type: elasticsearch, url: '${url}' }`]);
    ctx.print(`  Collecting again with ${configPath} (outputs: file ${ES_NDJSON} + elasticsearch bulk)...`);
    const config = await loadConfigFile(configPath);
    const log = createLogger({ level: ctx.options.logLevel as LogLevelName });
    const { summary, interrupted } = await runCollector(config, { once: true, signal: ctx.signal, log });
    process.stderr.write(formatSummary(summary, { interrupted }));
    if (interrupted) throw demoError('interrupted');
    if (summary.failedStreams > 0) throw demoError(`the collector run into Elasticsearch ended with ${summary.failedStreams} failing stream(s); see the summary above`);

    const delivered = await readDelivered(join(ctx.dir, ES_NDJSON));
    await report(ctx, client, [...delivered.counts.keys()]);

    if (engine !== undefined && ctx.options.keepRunning) {
      ctx.print(`  Elasticsearch keeps running at ${engine.url}; press Ctrl-C to stop it.`);
      await new Promise<void>((r) => (ctx.signal.aborted ? r() : ctx.signal.addEventListener('abort', () => r(), { once: true })));
    }
  } finally {
    await client.close();
    if (engine !== undefined) {
      await engine.stop();
      ctx.print('  Embedded Elasticsearch stopped (its data folder is removed).');
    }
  }
}

const elasticsearchStep: DemoStep = {
  name: 'Elasticsearch (collector -> bulk -> o365-audit pipelines -> logs-o365.audit-default)',
  async available(ctx) {
    if (!ctx.options.elasticsearch) return { ok: false, reason: '--no-elasticsearch given' };
    if (ctx.options.esUrl !== undefined) return { ok: true };
    if (!javaAvailable()) return { ok: false, reason: 'no Java found (set JAVA_HOME or put java 11+ on the PATH), or pass --es-url URL of a running cluster' };
    if (!mavenAvailable()) return { ok: false, reason: 'no Maven (mvn) on the PATH to fetch the embedded node\'s jars; install it, or pass --es-url URL of a running cluster' };
    return { ok: true };
  },
  run: indexIntoElasticsearch,
};

export const demoSteps: DemoStep[] = [elasticsearchStep];
