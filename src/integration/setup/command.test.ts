// Failure paths of `o365-audit setup` against real loopback HTTP servers (the success paths run
// against real Elasticsearch/OpenSearch nodes in test/es/setup.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runSetup, setupCommand } from './command.js';

let server: Server | undefined;
const seenAuth: string[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    handler(req, res);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
}

function capture(): { io: { stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean } }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } },
    out: () => out,
    err: () => err,
  };
}

afterEach(async () => {
  seenAuth.length = 0;
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe('setup command failures', () => {
  it('exits 1 naming the URL when the cluster is unreachable', async () => {
    const url = await serve(() => undefined);
    await new Promise<void>((r) => server?.close(() => r()));
    server = undefined;
    const c = capture();
    expect(await runSetup({ esUrl: url }, c.io)).toBe(1);
    expect(c.err()).toMatch(/cannot reach the cluster at http:\/\/127\.0\.0\.1:\d+/);
    expect(c.err()).toMatch(/hint:/);
    expect(c.out()).toBe('');
  });

  it('exits 1 on 401 and never prints the password or API key', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
    });
    const c = capture();
    expect(await runSetup({ esUrl: url, username: 'elastic', password: 's3cr3t-pw' }, c.io)).toBe(1);
    expect(c.err()).toMatch(/refused the credentials \(401\)/);
    expect(c.err()).not.toContain('s3cr3t-pw');
    expect(seenAuth[0]).toBe(`Basic ${Buffer.from('elastic:s3cr3t-pw').toString('base64')}`);

    const k = capture();
    expect(await runSetup({ esUrl: url, apiKey: 'a2V5LXNlY3JldA==' }, k.io)).toBe(1);
    expect(k.err()).not.toContain('a2V5LXNlY3JldA==');
    expect(seenAuth.at(-1)).toBe('ApiKey a2V5LXNlY3JldA==');
  });

  it('exits 1 on an incompatible cluster (Elasticsearch 6.8)', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: { number: '6.8.23' }, tagline: 'You Know, for Search' }));
    });
    const c = capture();
    expect(await runSetup({ esUrl: url }, c.io)).toBe(1);
    expect(c.err()).toMatch(/Elasticsearch 6\.8\.23 is too old/);
  });

  it('exits 1 when something that is not a search engine answers', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    });
    const c = capture();
    expect(await runSetup({ esUrl: url }, c.io)).toBe(1);
    expect(c.err()).toMatch(/does not look like Elasticsearch or OpenSearch/);
  });

  it('refuses mixed authentication and a missing --ca file before any request', async () => {
    const url = await serve((_req, res) => res.end('{}'));
    const c = capture();
    expect(await runSetup({ esUrl: url, apiKey: 'k', username: 'u', password: 'p' }, c.io)).toBe(1);
    expect(c.err()).toMatch(/either --api-key or --username/);
    const d = capture();
    expect(await runSetup({ esUrl: url, ca: '/nonexistent/ca.pem' }, d.io)).toBe(1);
    expect(d.err()).toMatch(/cannot read the CA file/);
    expect(seenAuth).toHaveLength(0);
  });

  it('declares the documented options', () => {
    const longs = setupCommand().options.map((o) => o.long);
    expect(longs).toEqual(expect.arrayContaining(['--es-url', '--api-key', '--username', '--password', '--ca', '--namespace']));
  });
});

/** Every processor type the shipped pipelines use (walks pipelines/*.yml). */
function shippedProcessorTypes(): string[] {
  const types = new Set<string>(['geoip']);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'processors' || k === 'on_failure') for (const p of x as Array<Record<string, unknown>>) { types.add(Object.keys(p)[0]!); walk(Object.values(p)[0]); }
        else if (k === 'processor') { types.add(Object.keys(x as object)[0]!); walk(Object.values(x as object)[0]); }
      }
    }
  };
  const dir = new URL('../../../pipelines/', import.meta.url).pathname;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yml'))) walk(parse(readFileSync(join(dir, f), 'utf8')));
  return [...types];
}

// No node with ILM, ingest and the data-streams module can be had on this machine (see the README's
// engine table), so the "everything installs" path runs against a double that answers like one:
// Elasticsearch 9 with all processors, ILM and the data stream API.
describe('setup on a cluster that supports everything', () => {
  it('installs every part, lists nothing as not installed, and exits 0', async () => {
    const puts: string[] = [];
    const url = await serve((req, res) => {
      const path = req.url ?? '';
      const json = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      req.resume();
      if (req.method === 'PUT' || req.method === 'POST' && path.endsWith('/_rollover')) puts.push(`${req.method} ${path.split('?')[0]}`);
      if (req.method === 'GET' && path === '/') return json(200, { version: { number: '9.2.0', build_flavor: 'default' } });
      if (req.method === 'GET' && path.startsWith('/_nodes/ingest')) return json(200, { nodes: { n1: { ingest: { processors: shippedProcessorTypes().map((type) => ({ type })) } } } });
      if (req.method === 'GET' && path === '/_component_template') return json(200, { component_templates: [] });
      if (req.method === 'GET' && path.startsWith('/_data_stream/')) return json(404, { error: { type: 'index_not_found_exception', reason: 'no such index' } });
      if (req.method === 'GET' && path === '/_ilm/status') return json(200, { operation_mode: 'RUNNING' });
      if (req.method === 'GET' && path.startsWith('/_resolve/index/')) return json(200, { indices: [], aliases: [], data_streams: [] });
      if (req.method === 'GET' && /^\/(_ingest\/pipeline|_component_template|_index_template|_ilm\/policy)\//.test(path)) return json(404, {});
      if (req.method === 'GET' && path.includes('/_settings')) return json(200, {});
      return json(200, { acknowledged: true });
    });
    const c = capture();
    expect(await runSetup({ esUrl: url }, c.io)).toBe(0);
    expect(c.out()).not.toContain('Not installed');
    expect(c.out()).toMatch(/lifecycle policy o365-audit: installed/);
    expect(c.out()).toMatch(/data stream logs-o365\.audit-default: installed/);
    expect(c.out()).toMatch(/ingest pipeline logs-o365\.audit-\d+\.\d+\.\d+: installed/);
    expect(puts).toContain('PUT /_data_stream/logs-o365.audit-default');
    expect(puts).toContain('PUT /_ilm/policy/o365-audit');
  });
});
