// Helpers of the outputs-* es tests (node URLs: urlOf in ./setup-helpers.ts): per-test index fixtures (own template
// and pipeline, so these tests do not depend on the shipped ones), and a loopback proxy in front
// of a node that can answer 429, drop items with per-item 429s, or hold a response.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';

export async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(base + path, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : undefined };
}

/** True when the node runs ingest pipelines (the embedded runners may start without the role). */
export async function hasIngest(base: string): Promise<boolean> {
  const r = await call(base, 'GET', '/_nodes/_local?filter_path=nodes.*.roles');
  const nodes = Object.values((r.json?.nodes ?? {}) as Record<string, { roles?: string[] }>);
  return nodes.some((n) => n.roles?.includes('ingest'));
}

/**
 * A template for `<prefix>-*`. With ingest: a pipeline parses `message` into `o365`, sets
 * @timestamp from CreationTime, o365.RecordType is a long (a non-numeric one is a mapping error),
 * and on OpenSearch the index is a data stream (bulk must then use `create`). Without ingest: a
 * plain index holding `message` only. `message` is a keyword without ignore_above, so a record
 * over 32766 bytes is refused per item (an "immense term"), whatever the ingest setup.
 */
export async function createFixture(
  base: string,
  engine: 'elasticsearch' | 'opensearch',
  prefix: string,
  ingest: boolean,
): Promise<{ index: string; cleanup: () => Promise<void> }> {
  const pipeline = `${prefix}-pipeline`;
  if (ingest) {
    const put = await call(base, 'PUT', `/_ingest/pipeline/${pipeline}`, {
      processors: [
        { json: { field: 'message', target_field: 'o365' } },
        { date: { field: 'o365.CreationTime', target_field: '@timestamp', formats: ['ISO8601'], timezone: 'UTC' } },
      ],
    });
    if (put.status !== 200) throw new Error(`pipeline: ${JSON.stringify(put.json)}`);
  }
  const dataStream = ingest && engine === 'opensearch';
  const tpl = await call(base, 'PUT', `/_index_template/${prefix}`, {
    index_patterns: [`${prefix}-*`],
    priority: 500,
    ...(dataStream ? { data_stream: {} } : {}),
    template: {
      settings: { number_of_shards: 1, number_of_replicas: 0, ...(ingest ? { 'index.default_pipeline': pipeline } : {}) },
      mappings: { properties: { '@timestamp': { type: 'date' }, message: { type: 'keyword' }, o365: { properties: { RecordType: { type: 'long' }, Id: { type: 'keyword' } } } } },
    },
  });
  if (tpl.status !== 200) throw new Error(`template: ${JSON.stringify(tpl.json)}`);
  const index = `${prefix}-default`;
  return {
    index,
    cleanup: async () => {
      if (dataStream) await call(base, 'DELETE', `/_data_stream/${index}`);
      else await call(base, 'DELETE', `/${index}`);
      await call(base, 'DELETE', `/_index_template/${prefix}`);
      if (ingest) await call(base, 'DELETE', `/_ingest/pipeline/${pipeline}`);
    },
  };
}

export async function countDocs(base: string, index: string): Promise<number> {
  await call(base, 'POST', `/${index}/_refresh`);
  const r = await call(base, 'GET', `/${index}/_count`);
  return r.status === 404 ? 0 : (r.json.count as number);
}

/** Polls until the index holds `n` documents (the engine creates an index lazily, slowly on small machines). */
export async function waitForCount(base: string, index: string, n: number, timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let c = await countDocs(base, index);
  while (c !== n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    c = await countDocs(base, index);
  }
  return c;
}

export interface ProxyPlan {
  /** Whole-request answer instead of forwarding (e.g. 429 with Retry-After), or undefined to forward. */
  answer?: { status: number; headers?: Record<string, string>; body?: string };
  /** Item positions to drop from the forwarded request and answer as per-item 429s. */
  rejectItems?: number[];
  /** Hold the forwarded response until this resolves. */
  hold?: Promise<void>;
}

export interface BulkProxy {
  url: string;
  /** Plan for the n-th bulk request (0-based); default: forward. */
  plan: (n: number) => ProxyPlan;
  bulkRequests: number;
  close(): Promise<void>;
}

/** Forwards to `target`; bulk requests follow `plan`. */
export async function startBulkProxy(target: string): Promise<BulkProxy> {
  const proxy: BulkProxy = { url: '', plan: () => ({}), bulkRequests: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let body = Buffer.concat(chunks).toString('utf8');
        const isBulk = /\/_bulk(\?|$)/.test(req.url ?? '');
        const plan = isBulk ? proxy.plan(proxy.bulkRequests++) : {};
        if (plan.answer) {
          res.writeHead(plan.answer.status, { 'content-type': 'application/json', ...plan.answer.headers });
          res.end(plan.answer.body ?? '{"error":{"type":"es_rejected_execution_exception","reason":"test proxy"},"status":429}');
          return;
        }
        const rejected = new Set(plan.rejectItems ?? []);
        let total = 0;
        if (isBulk && rejected.size > 0) {
          const lines = body.split('\n').filter((l) => l !== '');
          total = lines.length / 2;
          const kept: string[] = [];
          for (let i = 0; i < total; i++) if (!rejected.has(i)) kept.push(lines[2 * i]!, lines[2 * i + 1]!);
          body = kept.join('\n') + '\n';
        }
        const up = await request(target + (req.url ?? '/'), {
          method: req.method as 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) },
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        });
        let text = await up.body.text();
        if (isBulk && rejected.size > 0) {
          const parsed = JSON.parse(text) as { errors: boolean; items: unknown[] };
          const items: unknown[] = [];
          let k = 0;
          for (let i = 0; i < total; i++) {
            items.push(rejected.has(i) ? { create: { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected by test proxy' } } } : parsed.items[k++]);
          }
          text = JSON.stringify({ errors: true, items });
        }
        if (plan.hold) await plan.hold;
        res.writeHead(up.statusCode, { 'content-type': 'application/json' });
        res.end(text);
      })().catch((err: unknown) => {
        res.writeHead(599);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return proxy;
}
