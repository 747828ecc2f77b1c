// Failure paths of `o365-audit setup` against real loopback HTTP servers (the success paths run
// against real Elasticsearch/OpenSearch nodes in test/es/setup.test.ts, and on a node with
// everything in test/es/setup-everything.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
