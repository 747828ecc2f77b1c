// audit/{contentId}: resolves the blob, answers AF20050/51/52 where due, and streams the JSON array
// in ~64 KiB chunks with back-pressure, so a blob of any size costs one chunk of memory. A cut
// sends part of the body and then destroys the socket.

import type { ServerResponse } from 'node:http';
import type { SimContext, TenantState } from './context.js';
import type { Feed } from './data-model.js';
import { drained, sendAfError } from './http.js';

const CHUNK = 64 * 1024;

export type BlobLookup = { feed: Feed; b: number } | { error: 'malformed' | 'unknown' };

export function findBlob(tenant: TenantState, contentId: string): BlobLookup {
  let malformed = true;
  for (const feed of tenant.feeds.values()) {
    const r = feed.indexOf(contentId);
    if (typeof r === 'number') return { feed, b: r };
    if (r === 'unknown') malformed = false;
  }
  return { error: malformed ? 'malformed' : 'unknown' };
}

/** Answers the blob errors a listed-or-not blob may have; returns true when it answered. */
export function blobError(ctx: SimContext, res: ServerResponse, feed: Feed, b: number, contentId: string): boolean {
  const now = ctx.now();
  const c = ctx.catalog;
  if (!c.listed(feed, b, now) || c.isForeign(feed, b)) {
    sendAfError(res, 404, 'AF20050', `The specified content (${contentId}) doesn't exist.`);
    return true;
  }
  if (c.isExpiredFault(feed, b) || now >= c.expiration(feed, b)) {
    sendAfError(res, 400, 'AF20051', `The specified content (${contentId}) has expired. Content can only be retrieved within 7 days of its availability.`);
    return true;
  }
  return false;
}

/**
 * Streams blob b. `cutFraction` in (0, 1) stops after that share of the records, in the middle of
 * the next one, and destroys the socket.
 */
export async function streamBlob(ctx: SimContext, res: ServerResponse, feed: Feed, b: number, cutFraction?: number, count = true): Promise<void> {
  const n = feed.count(b) + feed.dupCount(b, ctx.faults.share('duplicateRecords'));
  const cutAt = cutFraction === undefined ? -1 : Math.floor(n * cutFraction);
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  let buf = '[';
  let bytes = 0;
  let served = 0;
  for (let j = 0; j < n; j++) {
    const [sb, sr] = feed.recordRef(b, j);
    const rec = feed.record(sb, sr);
    if (j === cutAt) {
      buf += (j > 0 ? ',' : '') + rec.slice(0, rec.length >> 1);
      ctx.stats.raw.cutBodies++;
      ctx.stats.raw.recordsServed += served;
      ctx.stats.raw.bytesServed += bytes + buf.length;
      res.write(buf, () => res.socket?.destroy());
      return;
    }
    buf += j > 0 ? `,${rec}` : rec;
    served++;
    if (buf.length >= CHUNK) {
      bytes += buf.length;
      const ok = res.write(buf);
      buf = '';
      if (res.destroyed) return;
      if (!ok && !(await drained(res))) return;
    }
  }
  buf += ']';
  bytes += buf.length;
  res.end(buf);
  if (!count) return;
  ctx.stats.raw.blobsServed++;
  ctx.stats.raw.recordsServed += served;
  ctx.stats.raw.bytesServed += bytes;
}
