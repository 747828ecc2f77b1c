// The OpenSearch transport loads its client on first use: closing an unused one is a no-op, and
// the first bulk goes out through the (lazily built) official client to a real loopback server.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from './transport.js';

let server: Server;
let url: string;
const seen: Array<{ url: string; auth: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: false, items: [{ create: { status: 201 } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('OpenSearch transport', () => {
  it('closes cleanly when it was never used (the client was never loaded)', async () => {
    const t = createTransport({ engine: 'opensearch', hosts: [url], requestTimeoutMs: 5000 });
    await expect(t.close()).resolves.toBeUndefined();
    expect(seen).toHaveLength(0);
  });

  it('sends the first bulk through the lazily built client, with its credentials', async () => {
    const t = createTransport({ engine: 'opensearch', hosts: [url], username: 'u', password: 'p', requestTimeoutMs: 5000 });
    try {
      const r = await t.bulk('logs-o365.audit-x', '{"create":{}}\n{"message":"{}"}\n', { pipeline: 'p' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ errors: false });
      expect(seen.at(-1)?.url).toBe('/logs-o365.audit-x/_bulk?pipeline=p');
      expect(seen.at(-1)?.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    } finally {
      await t.close();
    }
  });
});
