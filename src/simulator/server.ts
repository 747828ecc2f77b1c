// Request dispatch for the main server (login + API on one origin) and the foreign host.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiRequest, BLOB_FAULTS, LIST_FAULTS, applyFaults, guard } from './api-guard.js';
import { blobError, findBlob, sendPoisonBlob, streamBlob } from './blob.js';
import type { SimContext } from './context.js';
import { sendAfError, sendJson } from './http.js';
import { listContent } from './listing.js';
import { handleLogin } from './login.js';
import { dlpSensitiveTypes, gate, listSubscriptions, startSubscription, stopSubscription } from './subscriptions.js';

const API_RE = /^\/api\/v1(?:\.0)?\/([^/]+)\/activity\/feed\/(subscriptions\/(?:list|start|stop|content|notifications)|audit\/[^/]+|resources\/dlpSensitiveTypes)$/;

const METHOD_NAMES: Record<string, string> = {
  'subscriptions/list': 'ListSubscriptions',
  'subscriptions/start': 'StartSubscription',
  'subscriptions/stop': 'StopSubscription',
  'subscriptions/content': 'GetContents',
  'subscriptions/notifications': 'GetNotifications',
  audit: 'GetBlob',
  'resources/dlpSensitiveTypes': 'GetDlpSensitiveTypes',
};

function split(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

export function mainHandler(ctx: SimContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('Date', new Date(ctx.now() + ctx.faults.dateSkewMs()).toUTCString());
    handleMain(ctx, req, res).catch(() => {
      if (!res.headersSent) sendAfError(res, 500, 'AF50000', 'An internal error occurred. Retry the request.');
      else res.destroy();
    });
  };
}

/**
 * Makes `res` send its body one byte every `intervalMs` (the trickleBody fault): writes are queued
 * and pumped by a timer, which stops when the client goes away.
 */
function trickle(ctx: SimContext, res: ServerResponse, intervalMs: number): void {
  const queue: Buffer[] = [];
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const write = res.write.bind(res) as (b: Buffer) => boolean;
  const end = res.end.bind(res) as () => void;
  const pump = () => {
    if (res.destroyed) return;
    const head = queue[0];
    if (head === undefined) {
      timer = undefined;
      if (ended) end();
      return;
    }
    write(head.subarray(0, 1));
    ctx.stats.raw.trickledBytes++;
    if (head.length > 1) queue[0] = head.subarray(1);
    else queue.shift();
    timer = setTimeout(pump, intervalMs);
  };
  const enqueue = (chunk: unknown, enc?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      queue.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8'));
    }
    if (timer === undefined) timer = setTimeout(pump, 0);
  };
  res.write = ((chunk: unknown, enc?: unknown) => {
    enqueue(chunk, enc);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown, enc?: unknown) => {
    ended = true;
    enqueue(chunk, enc);
    return res;
  }) as typeof res.end;
  res.on('close', () => clearTimeout(timer));
}

async function handleMain(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { path, query } = split(req.url ?? '/');
  const trickleMs = ctx.faults.trickleMs(path + (query.get('nextPage') ?? '') + (query.get('startTime') ?? ''), path.includes('/audit/') ? 'blobs' : 'listings');
  if (trickleMs !== undefined && (path.includes('/audit/') || path.endsWith('/subscriptions/content'))) trickle(ctx, res, trickleMs);
  const m = API_RE.exec(path);
  if (m === null) {
    if (await handleLogin(ctx, req, res, path)) return;
    ctx.stats.route('notFound');
    return sendJson(res, 404, JSON.stringify({ error: { code: 'NotFound', message: `No route for ${req.method ?? ''} ${path}` } }));
  }
  const tenantSeg = decodeURIComponent(m[1] as string);
  const op = m[2] as string;
  const route = op.startsWith('audit/') ? 'audit' : op;
  ctx.stats.route(route);
  const wantPost = route === 'subscriptions/start' || route === 'subscriptions/stop';
  if ((req.method === 'POST') !== wantPost) {
    return sendAfError(res, 405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method ?? ''}'.`);
  }
  const api = guard(ctx, req, res, tenantSeg, query);
  if (api === undefined) return;
  const tid = api.tenant.pub.tenantId;
  if (route === 'audit') return serveBlob(ctx, res, api, decodeURIComponent(op.slice('audit/'.length)));
  const key = `${tid}|${route}|${query.get('contentType') ?? ''}|${query.get('startTime') ?? ''}|${query.get('endTime') ?? ''}|${query.get('nextPage') ?? ''}`;
  if ((await applyFaults(ctx, res, key, LIST_FAULTS, api, METHOD_NAMES[route] ?? route)) !== 'none') return;
  switch (route) {
    case 'subscriptions/list':
      return listSubscriptions(res, api);
    case 'subscriptions/start':
      if (wantPost) await drainBody(req);
      return startSubscription(ctx, res, api);
    case 'subscriptions/stop':
      await drainBody(req);
      return stopSubscription(res, api);
    case 'subscriptions/content':
      return listContent(ctx, res, api, false);
    case 'subscriptions/notifications':
      return listContent(ctx, res, api, true);
    default:
      return dlpSensitiveTypes(res, req.headers['accept-language']);
  }
}

async function drainBody(req: IncomingMessage): Promise<void> {
  for await (const _ of req as AsyncIterable<Buffer>) {
    // Webhook bodies are accepted and ignored: webhooks are not simulated.
  }
}

async function serveBlob(ctx: SimContext, res: ServerResponse, api: ApiRequest, contentId: string): Promise<void> {
  const tid = api.tenant.pub.tenantId;
  const end = ctx.stats.blobBegin(tid);
  res.once('close', end);
  try {
    const found = findBlob(api.tenant, contentId);
    if ('error' in found) {
      if (found.error === 'malformed') return sendAfError(res, 400, 'AF20052', `The content ID ${contentId} in the request is invalid.`);
      return sendAfError(res, 404, 'AF20050', `The specified content (${contentId}) doesn't exist.`);
    }
    if (!gate(ctx, res, api, found.feed.cfg.contentType)) return;
    if (blobError(ctx, res, found.feed, found.b, contentId)) return;
    const key = `${tid}|audit|${contentId}`;
    const f = await applyFaults(ctx, res, key, BLOB_FAULTS, api, 'GetBlob');
    if (f === 'served') return;
    const poison = ctx.faults.poisonOf(api.tenant.index, found.feed.cfg.contentType, found.b);
    if (poison !== undefined && f !== 'cut') return sendPoisonBlob(ctx, res, found.feed, found.b, poison);
    const cut = f === 'cut' ? 0.1 + 0.8 * ctx.faults.detail(key, 0xc7) : undefined;
    await streamBlob(ctx, res, found.feed, found.b, cut);
  } finally {
    if (res.writableEnded || res.destroyed) end();
  }
}

/** The foreign host: records each request and whether it carried credentials. */
export function foreignHandler(ctx: SimContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    ctx.stats.foreign({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization !== undefined });
    const { path } = split(req.url ?? '/');
    const m = API_RE.exec(path);
    const tenant = m === null ? undefined : ctx.byId.get(decodeURIComponent(m[1] as string).toLowerCase());
    const op = m?.[2] ?? '';
    if (tenant !== undefined && op.startsWith('audit/')) {
      const found = findBlob(tenant, decodeURIComponent(op.slice('audit/'.length)));
      if (!('error' in found)) {
        streamBlob(ctx, res, found.feed, found.b, undefined, false).catch(() => res.destroy());
        return;
      }
    }
    sendJson(res, 200, '[]');
  };
}
