// Test support (not shipped behaviour): a loopback HTTPS server with a self-signed certificate,
// scripted per test, that records every request. Used by the auth and API tests with real undici.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { generate } from 'selfsigned';

export interface RecordedRequest {
  method: string;
  /** Path + query exactly as received. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface HttpsDouble {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

let certPromise: Promise<{ key: string; cert: string }> | undefined;

/** One self-signed cert per test process (RSA key generation is slow on a shared 2-core box). */
export function testCertificate(): Promise<{ key: string; cert: string }> {
  certPromise ??= generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  }).then((r) => ({ key: r.private, cert: r.cert }));
  return certPromise;
}

export async function startHttpsDouble(handler: Handler): Promise<HttpsDouble> {
  const { key, cert } = await testCertificate();
  const sockets = new Set<Socket>();
  const double: HttpsDouble = {
    origin: '',
    port: 0,
    requests: [],
    handler,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      double.requests.push(rec);
      Promise.resolve(double.handler(rec, res)).catch((e: unknown) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  double.port = (server.address() as AddressInfo).port;
  double.origin = `https://127.0.0.1:${double.port}`;
  return double;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
