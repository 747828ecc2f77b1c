// End to end (issue 4): simulator (faults on) → `collect --once` (killed with SIGKILL twice,
// restarted) → a loopback proxy answering 429s → the embedded Elasticsearch with our package
// installed: every ground-truth Id is in logs-o365.audit-<namespace> exactly once, nothing else.
// Also prints records/s of an uninterrupted run, through the proxy and straight to the node.

import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';
import { allGroundTruth, runCli, simTenants, sleep, spawnCli, tempDir, writeConfig } from '../e2e/helpers.js';
import { call, startBulkProxy, type BulkProxy, type ProxyPlan } from './outputs-helpers.js';
import { urlOf } from './setup-helpers.js';

const runId = `${process.pid}${Math.floor(Math.random() * 1e6)}`;
const created: string[] = [];
let sim: Simulator | undefined;
let proxy: BulkProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await sim?.close();
  sim = undefined;
});
afterAll(async () => {
  const base = urlOf('elasticsearch');
  // ES 7.10 (OSS) makes a plain index of logs-o365.audit-<ns>; ES 8+ a data stream.
  for (const index of created) {
    const ds = await call(base, 'DELETE', `/_data_stream/${index}`).catch(() => ({ status: 0 }));
    if (ds.status !== 200) await call(base, 'DELETE', `/${index}`).catch(() => {});
  }
});

/** The e2e helper's config, with its file output swapped for the elasticsearch one. */
// max_buffer_bytes is kept small: collection then runs at the node's pace, and the final drain of
// `--once` stays well inside the collector's 30 s shutdown bound (the 20 MB default holds ~30k
// records, more than this 2-core node indexes in 30 s).
function writeConfigFor(s: Simulator, dir: string, url: string, namespace: string, extra: string): string {
  const path = writeConfig(dir, s, simTenants(s), extra);
  const text = readFileSync(path, 'utf8');
  const fileOutput = 'output: { type: file, path: out.ndjson }';
  if (!text.includes(fileOutput)) throw new Error('test/e2e/helpers.ts writeConfig no longer writes the file output line this test replaces');
  const es = `outputs: [{ type: elasticsearch, url: "${url}", namespace: ${namespace}, batch_max_docs: 200, max_buffer_bytes: 1048576, flush_interval: 1s, retry: { max_attempts: 8, base_delay: 1s, max_delay: 2s } }]`;
  writeFileSync(path, text.replace(fileOutput, es));
  return path;
}

async function count(base: string, index: string, refresh = false): Promise<number> {
  if (refresh) await call(base, 'POST', `/${index}/_refresh`);
  const r = await call(base, 'GET', `/${index}/_count`);
  return r.status === 200 ? (r.json.count as number) : 0;
}

/** Every o365.audit.Id in the index with its document count (composite aggregation, paged). */
async function idCounts(base: string, index: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let after: unknown;
  for (;;) {
    const r = await call(base, 'POST', `/${index}/_search`, {
      size: 0,
      aggs: { ids: { composite: { size: 5000, sources: [{ id: { terms: { field: 'o365.audit.Id' } } }], ...(after ? { after } : {}) } } },
    });
    if (r.status !== 200) throw new Error(`composite aggregation on ${index}: ${r.status} ${JSON.stringify(r.json).slice(0, 500)}`);
    const agg = r.json.aggregations.ids as { buckets: Array<{ key: { id: string }; doc_count: number }>; after_key?: unknown };
    for (const b of agg.buckets) out.set(b.key.id, b.doc_count);
    if (agg.buckets.length === 0 || agg.after_key === undefined) return out;
    after = agg.after_key;
  }
}

describe('simulator → collector → Elasticsearch (end to end, faults on)', () => {
  it('kill -9 twice, restart, 429s from Elasticsearch: every record exactly once in the index', async () => {
    const base = urlOf('elasticsearch');
    sim = await startSimulator({
      tenants: 2,
      blobsPerContentType: 8,
      recordsPerBlob: [20, 60],
      recordSizeTarget: 500,
      seed: 404,
      faults: {
        throttle403: { rate: 0.05, count: 5 },
        throttle429: { rate: 0.05, count: 3, retryAfterSeconds: 1 },
        serverError: { rate: 0.05, count: 5 },
        cutBody: { rate: 0.08, count: 4 },
        shortTokens: 3,
        duplicateRecords: 0.3,
        expiredContent: 0.05,
        foreignContentUri: 0.05,
      },
    });
    expect(sim.tenants.every((t) => t.contentTypes.length === 5)).toBe(true);
    const truth = allGroundTruth(sim);
    expect(truth.size).toBeGreaterThan(1500);

    // Whole-request 429s (with and without Retry-After) and per-item 429s, on a fixed rotation so
    // a retried batch always gets through within a few attempts.
    proxy = await startBulkProxy(base);
    const seen = { whole429: 0, retryAfter: 0, itemBatches: 0 };
    proxy.plan = (n): ProxyPlan => {
      if (n % 6 === 1) {
        seen.whole429++;
        if (n % 12 === 1) {
          seen.retryAfter++;
          return { answer: { status: 429, headers: { 'retry-after': '1' } } };
        }
        return { answer: { status: 429 } };
      }
      if (n % 6 === 3) {
        seen.itemBatches++;
        return { rejectItems: [0, 2, 5, 11] };
      }
      return {};
    };

    const namespace = `e2e${runId}`;
    const index = `logs-o365.audit-${namespace}`;
    created.push(index);
    const dir = tempDir('o365-e2e-es-');
    const config = writeConfigFor(sim, dir, proxy.url, namespace, 'commit_interval: 1s\nlookback: 6h\n');

    let kills = 0;
    const logs: string[] = [];
    for (const share of [0.2, 0.55]) {
      const { child, done } = spawnCli(['collect', '--config', config, '--once']);
      let exited = false;
      void done.then(() => (exited = true));
      const until = Date.now() + 90_000;
      while (!exited && Date.now() < until && (await count(base, index)) < truth.size * share) await sleep(150);
      if (!exited) {
        child.kill('SIGKILL');
        kills++;
      }
      const r = await done;
      logs.push(r.stderr);
    }
    expect(kills, logs.join('\n---\n').slice(-3000)).toBe(2);

    const final = await runCli(['collect', '--config', config, '--once'], { timeoutMs: 150_000 });
    expect(final.code, final.stderr.slice(-3000)).toBe(0);

    // No lateListed fault: the ground truth does not move while the run goes on.
    expect(allGroundTruth(sim).size).toBe(truth.size);
    expect(await count(base, index, true)).toBe(truth.size);
    const ids = await idCounts(base, index);
    const missing = [...truth].filter((id) => !ids.has(id));
    const doubled = [...ids].filter(([, c]) => c !== 1).map(([id]) => id);
    const unexpected = [...ids.keys()].filter((id) => !truth.has(id));
    expect({ missing: missing.slice(0, 5), doubled: doubled.slice(0, 5), unexpected: unexpected.slice(0, 5), distinct: ids.size }).toEqual({
      missing: [],
      doubled: [],
      unexpected: [],
      distinct: truth.size,
    });
    const errors = await call(base, 'POST', `/${index}/_count`, { query: { term: { 'event.kind': 'pipeline_error' } } });
    expect(errors.json.count).toBe(0);

    // The faults really happened: the proxy answered 429s, the simulator threw its own.
    expect(seen.whole429).toBeGreaterThan(0);
    expect(seen.retryAfter).toBeGreaterThan(0);
    expect(seen.itemBatches).toBeGreaterThan(0);
    const st = sim.stats();
    expect(st.throttles + st.serverErrors + st.cutBodies).toBeGreaterThan(0);
    console.log(
      `[e2e-collector-es] ${truth.size} records exactly once after 2 kills; proxy: ${proxy.bulkRequests} bulk requests, ` +
        `${seen.whole429} whole 429s (${seen.retryAfter} with Retry-After), ${seen.itemBatches} with per-item 429s`,
    );
  }, 300_000);

  it('records/s into Elasticsearch, one uninterrupted fault-light run (printed, not asserted)', async () => {
    const base = urlOf('elasticsearch');
    sim = await startSimulator({ tenants: 2, blobsPerContentType: 8, recordsPerBlob: [40, 80], recordSizeTarget: 700, seed: 405 });
    const truth = allGroundTruth(sim);
    proxy = await startBulkProxy(base);
    const lines: string[] = [];
    for (const via of ['proxy', 'direct'] as const) {
      const namespace = `e2eperf${via}${runId}`;
      const index = `logs-o365.audit-${namespace}`;
      created.push(index);
      const dir = tempDir('o365-e2e-es-');
      const config = writeConfigFor(sim, dir, via === 'proxy' ? proxy.url : base, namespace, '');
      const started = Date.now();
      const r = await runCli(['collect', '--config', config, '--once'], { timeoutMs: 150_000 });
      const secs = (Date.now() - started) / 1000;
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(await count(base, index, true)).toBe(truth.size);
      lines.push(`${via === 'proxy' ? 'through the loopback proxy' : 'straight to the node'}: ${truth.size} records in ${secs.toFixed(1)} s = ${Math.round(truth.size / secs)} records/s`);
    }
    console.log(`[e2e-collector-es] records/s end to end (collect --once wall time incl. CLI start-up, 2 tenants × 5 types, batch_max_docs 200, load average ${loadavg()[0]!.toFixed(1)}):\n  ${lines.join('\n  ')}`);
  }, 300_000);
});
