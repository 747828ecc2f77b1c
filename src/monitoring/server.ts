// The monitoring HTTP endpoint (`metrics.listen`): GET /metrics (Prometheus text exposition),
// /health (liveness) and /ready (readiness), see readiness.ts for their meaning. Plain node:http:
// three read-only routes need no framework. Bind it to loopback or a pod network: it has no auth.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ProbeResult } from './readiness.js';

export interface MonitoringHandlers {
  registry: Registry;
  live(): ProbeResult;
  ready(): Promise<ProbeResult>;
}

export interface MonitoringServer {
  /** http://host:port of the bound address (port 0 resolved). */
  url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, r: ProbeResult): void {
  const body = JSON.stringify({ status: r.ok ? 'ok' : 'fail', checks: r.checks });
  res.writeHead(r.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

async function handle(h: MonitoringHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  switch (path) {
    case '/metrics': {
      const text = await h.registry.metrics();
      res.writeHead(200, { 'content-type': h.registry.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    case '/health':
    case '/healthz':
      sendJson(res, h.live());
      return;
    case '/ready':
    case '/readyz':
      sendJson(res, await h.ready());
      return;
    default:
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health or /ready\n');
  }
}

export async function startMonitoringServer(h: MonitoringHandlers, listen: { host: string; port: number }): Promise<MonitoringServer> {
  const server: Server = createServer((req, res) => {
    handle(h, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  // Probes must not keep a stopping process alive, nor a keep-alive socket delay close().
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
