// The shared cluster client against a real loopback server: path prefix and query, credentials
// (given, or taken from the URL and never sent in it), round-robin, every status returned, and
// "no answer" as ClusterUnreachable.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterHttp, ClusterUnreachable } from './cluster-client.js';

let servers: Server[] = [];
let ports: number[] = [];
const seen: Array<{ port: number; method: string; url: string; auth: string | undefined; type: string | undefined; body: string }> = [];

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ port: (server.address() as AddressInfo).port, method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, type: req.headers['content-type'], body });
        if (req.url?.endsWith('/text')) return res.writeHead(502).end('<html>bad gateway</html>');
        res.writeHead(req.url?.includes('missing') ? 404 : 200, { 'content-type': 'application/json', 'retry-after': '3' });
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  servers = [];
  ports = [];
});

describe('ClusterHttp', () => {
  it('keeps a path prefix, sends the query and body, and returns every status with headers and parsed JSON', async () => {
    const c = new ClusterHttp({ hosts: [`http://127.0.0.1:${ports[0]}/es/`], apiKey: 'k1', timeoutMs: 5000 });
    try {
      const r = await c.request('POST', '/idx/_bulk', { query: { pipeline: 'p' }, body: 'x\n', contentType: 'application/x-ndjson' });
      expect(r).toMatchObject({ status: 200, body: { ok: true } });
      expect(r.headers['retry-after']).toBe('3');
      expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/es/idx/_bulk?pipeline=p', auth: 'ApiKey k1', type: 'application/x-ndjson', body: 'x\n' });
      expect((await c.request('GET', '/missing?x=1')).status).toBe(404);
      expect(seen.at(-1)?.url).toBe('/es/missing?x=1');
      expect(await c.request('GET', '/text')).toMatchObject({ status: 502, body: '<html>bad gateway</html>' });
      expect(c.url).toBe(`http://127.0.0.1:${ports[0]}/es`);
    } finally {
      await c.close();
    }
  });

  it('takes credentials from the URL (never sending them in it) and round-robins over the hosts', async () => {
    const c = new ClusterHttp({ hosts: [`http://us%40r:p%3Ass@127.0.0.1:${ports[0]}`, `http://127.0.0.1:${ports[1]}`], timeoutMs: 5000 });
    try {
      await c.request('GET', '/a');
      await c.request('GET', '/b');
      const last = seen.slice(-2);
      expect(last.map((s) => s.port)).toEqual([ports[0], ports[1]]);
      for (const s of last) expect(s.auth).toBe(`Basic ${Buffer.from('us@r:p:ss').toString('base64')}`);
      expect(c.url).not.toContain('p%3Ass');
    } finally {
      await c.close();
    }
  });

  it('throws ClusterUnreachable with the error code when nothing answers', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const c = new ClusterHttp({ hosts: [`http://127.0.0.1:${port}`], timeoutMs: 2000 });
    try {
      await expect(c.request('GET', '/')).rejects.toMatchObject({ constructor: ClusterUnreachable, code: 'ECONNREFUSED' });
    } finally {
      await c.close();
    }
  });
});
