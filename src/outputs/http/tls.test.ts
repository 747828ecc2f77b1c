// ca_file for the http and elasticsearch/opensearch outputs: a loopback HTTPS server whose
// certificate is signed by a private CA is trusted with that CA, and refused without it.

import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverCredentials } from '../../simulator/tls.js';
import { ElasticsearchOutput } from '../elasticsearch/es-output.js';
import type { Output } from '../types.js';
import { HttpOutput } from './http-output.js';
import { idOf } from '../testing/records.js';

const meta = { tenantId: 't', contentType: 'Audit.General', contentId: 'c' };
let server: Server;
let url: string;
let caPem: string;
let dir: string;
let bodies = 0;

beforeAll(async () => {
  const creds = await serverCredentials();
  caPem = creds.caPem;
  dir = await mkdtemp(join(tmpdir(), 'o365-tls-'));
  server = createServer({ key: creds.keyPem, cert: creds.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies++;
      const lines = Buffer.concat(chunks).toString().split('\n').filter(Boolean);
      res.writeHead(200, { 'content-type': 'application/json' });
      // Answers both outputs: a bulk response for each action line, or anything for http.
      res.end(JSON.stringify({ errors: false, items: lines.filter((_, i) => i % 2 === 0).map(() => ({ create: { status: 201 } })) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

async function deliver(o: Output): Promise<unknown> {
  try {
    await o.open(undefined);
    await o.write('{"Id":"x","RecordType":1}', meta, idOf('{"Id":"x","RecordType":1}'));
    await o.flushTo(o.mark());
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await o.close().catch(() => {});
  }
}

const once = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
const outputs: Record<string, (ca: string | undefined) => Output> = {
  http: (ca) => new HttpOutput({ type: 'http', url: `${url}/in`, ca, flushIntervalMs: 0, retry: once }),
  elasticsearch: (ca) => new ElasticsearchOutput({ type: 'elasticsearch', hosts: [url], ca, flushIntervalMs: 0, retry: once }, { stateDir: dir }),
  opensearch: (ca) => new ElasticsearchOutput({ type: 'opensearch', hosts: [url], ca, flushIntervalMs: 0, retry: once }, { stateDir: dir }),
};

describe.each(Object.keys(outputs))('%s output over https', (kind) => {
  it('trusts the server with ca_file and refuses it without', async () => {
    const before = bodies;
    expect(await deliver(outputs[kind]!(caPem))).toBeUndefined();
    expect(bodies).toBe(before + 1);
    const err = (await deliver(outputs[kind]!(undefined))) as { code?: string };
    expect(err?.code).toBe('O365_ERR_OUTPUT');
    expect(bodies).toBe(before + 1);
  });
});
