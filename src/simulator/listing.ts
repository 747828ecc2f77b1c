// subscriptions/content (and notifications): window validation, half-open filtering on
// contentCreated, ordered descriptors, paging through a NextPageUri header with an opaque token.

import type { ServerResponse } from 'node:http';
import type { ApiRequest } from './api-guard.js';
import { SEVEN_DAYS } from './catalog.js';
import type { SimContext } from './context.js';
import type { Feed } from './data-model.js';
import { sendAfError, sendJson } from './http.js';
import { decodeNextPage, encodeNextPage } from './paging.js';
import { contentTypeParam, gate } from './subscriptions.js';
import { checkWindow } from './windows.js';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function descriptor(ctx: SimContext, feed: Feed, tenantId: string, b: number): string {
  const id = feed.contentId(b);
  const host = ctx.catalog.isForeign(feed, b) ? ctx.foreignUrl : ctx.apiUrl;
  const created = feed.created[b] as number;
  return `{"contentType":"${feed.cfg.contentType}","contentId":"${id}","contentUri":"${host}/api/v1.0/${tenantId}/activity/feed/audit/${id}","contentCreated":"${iso(created)}","contentExpiration":"${iso(ctx.catalog.expiration(feed, b))}"}`;
}

function nextLink(ctx: SimContext, origin: string, api: ApiRequest, ct: string, startRaw: string, endRaw: string, token: string): string {
  const version = ctx.opts.nextPageApiV1 ? 'v1' : 'v1.0';
  let q = `contentType=${encodeURIComponent(ct)}&startTime=${encodeURIComponent(startRaw)}&endTime=${encodeURIComponent(endRaw)}&nextPage=${token}`;
  if (ctx.opts.nextPageKeepsPublisher && api.publisherId !== undefined) q += `&PublisherIdentifier=${encodeURIComponent(api.publisherId)}`;
  const url = `${origin}/api/${version}/${api.tenant.pub.tenantId}/activity/feed/subscriptions/content?${q}`;
  return ctx.opts.nextPageTrailingWhitespace ? `${url} \t ` : url;
}

export function listContent(ctx: SimContext, res: ServerResponse, api: ApiRequest, notifications: boolean): void {
  const ct = contentTypeParam(res, api);
  if (ct === undefined || !gate(ctx, res, api, ct)) return;
  const now = ctx.now();
  const startRaw = api.query.get('startTime');
  const endRaw = api.query.get('endTime');
  const w = checkWindow(startRaw, endRaw, now);
  if (!w.ok) {
    ctx.stats.raw.rejectedWindows++;
    if (w.over24h) ctx.stats.raw.windowsOver24h++;
    return sendAfError(res, 400, w.code, w.message);
  }
  // Webhooks are not simulated: the notification history is always empty.
  if (notifications) return sendJson(res, 200, '[]');
  const tenantId = api.tenant.pub.tenantId;
  const feed = api.tenant.feeds.get(ct);
  if (feed === undefined) return sendJson(res, 200, '[]');
  const scope = `${tenantId}|${ct}|${w.start}|${w.end}`;
  let from = feed.lowerBound(Math.max(w.start, now - SEVEN_DAYS));
  const token = api.query.get('nextPage');
  if (token !== null) {
    const idx = decodeNextPage(ctx.opts.seed, scope, token);
    if (idx === undefined) return sendAfError(res, 400, 'AF20031', `The nextPage value ${token} is invalid.`);
    from = Math.max(from, idx);
  }
  const items: string[] = [];
  let b = from;
  let more = -1;
  for (; b < feed.blobs && (feed.created[b] as number) < w.end; b++) {
    if (!ctx.catalog.listed(feed, b, now)) continue;
    if (items.length === ctx.opts.pageSize) {
      more = b;
      break;
    }
    items.push(descriptor(ctx, feed, tenantId, b));
  }
  const headers: Record<string, string> = {};
  const sRaw = startRaw ?? iso(w.start).slice(0, 19);
  const eRaw = endRaw ?? iso(w.end).slice(0, 19);
  if (more >= 0) {
    headers[ctx.opts.nextPageHeader] = nextLink(ctx, ctx.apiUrl, api, ct, sRaw, eRaw, encodeNextPage(ctx.opts.seed, scope, w.start, more));
  } else if (items.length > 0 && ctx.faults.drawShare('foreignNextPage', scope)) {
    // The listing is complete: nothing real sits behind this link, so it costs no records. Drawn
    // per attempt, so a client that refuses the link and lists the window again gets through.
    headers[ctx.opts.nextPageHeader] = nextLink(ctx, ctx.foreignUrl, api, ct, sRaw, eRaw, encodeNextPage(ctx.opts.seed, scope, w.start, b));
  }
  sendJson(res, 200, `[${items.join(',')}]`, headers);
}
