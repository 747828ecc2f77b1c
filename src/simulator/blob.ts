// audit/{contentId}: resolves the blob, answers AF20050/51/52 where due, and streams the JSON array
// in ~128 KiB chunks with back-pressure, so a blob of any size costs one chunk of memory. A cut
// sends part of the body and then destroys the socket.

import type { ServerResponse } from 'node:http';
import type { SimContext, TenantState } from './context.js';
import type { Feed } from './data-model.js';
import { drained, sendAfError } from './http.js';

const CHUNK = 128 * 1024;

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
  // Records are encoded straight into a fresh buffer per chunk: one flatten + copy per record, and
  // the socket gets bytes, not a deep string rope to flatten and encode.
  let chunk = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  let bytes = 0;
  let served = 0;
  const flush = async (): Promise<boolean> => {
    if (pos === 0) return true;
    const out = chunk.subarray(0, pos);
    bytes += pos;
    chunk = Buffer.allocUnsafe(CHUNK);
    pos = 0;
    const ok = res.write(out);
    if (res.destroyed) return false;
    return ok || (await drained(res));
  };
  /** Makes room for `s`; false when the client went away. Only awaits when a chunk is full. */
  const room = async (s: string): Promise<boolean> => {
    if (!(await flush())) return false;
    if (s.length * 3 > CHUNK) {
      // Larger than a chunk (a huge record): send it as it is.
      bytes += Buffer.byteLength(s);
      const ok = res.write(s);
      return !res.destroyed && (ok || (await drained(res)));
    }
    pos += chunk.write(s, pos, 'utf8');
    return true;
  };
  // utf8 needs at most 3 bytes per UTF-16 unit: go through room() when the worst case might not fit.
  const put = (s: string): boolean | Promise<boolean> => {
    if (pos + s.length * 3 > CHUNK) return room(s);
    pos += chunk.write(s, pos, 'utf8');
    return true;
  };
  if (!(await put('['))) return;
  for (let j = 0; j < n; j++) {
    const [sb, sr] = feed.recordRef(b, j);
    const rec = feed.record(sb, sr);
    if (j === cutAt) {
      if (!(await put((j > 0 ? ',' : '') + rec.slice(0, rec.length >> 1)))) return;
      ctx.stats.raw.cutBodies++;
      ctx.stats.raw.recordsServed += served;
      ctx.stats.raw.bytesServed += bytes + pos;
      res.write(chunk.subarray(0, pos), () => res.socket?.destroy());
      return;
    }
    const r = put(j > 0 ? `,${rec}` : rec);
    if (r !== true && !(await r)) return;
    served++;
  }
  if (!(await put(']'))) return;
  const last = chunk.subarray(0, pos);
  bytes += pos;
  res.end(last);
  if (!count) return;
  ctx.stats.raw.blobsServed++;
  ctx.stats.raw.recordsServed += served;
  ctx.stats.raw.bytesServed += bytes;
}
