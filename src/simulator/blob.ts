// audit/{contentId}: resolves the blob, answers AF20050/51/52 where due, and streams the JSON array
// in ~128 KiB chunks with back-pressure, so a blob of any size costs one chunk of memory. A cut
// sends part of the body and then destroys the socket.

import type { ServerResponse } from 'node:http';
import type { SimContext, TenantState } from './context.js';
import type { Feed } from './data-model.js';
import type { PoisonFault } from './types.js';
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
  const dups = ctx.faults.dupShares();
  const n = feed.served(b, dups);
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
    const [sb, sr] = feed.recordRef(b, j, dups);
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

const HTML_PAGE = '<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><form method="post" action="/login">Your session has expired. Sign in again.</form></body></html>';

/** One record with a defect that makes it undeliverable as it is (see PoisonKind). */
function badRecord(rec: string, p: PoisonFault): Buffer {
  const open = rec.slice(0, -1);
  switch (p.kind) {
    case 'rawNewline':
      return Buffer.from(`${open},"SimNote":"first line\nsecond line"}`);
    case 'nonJsonRecord':
      return Buffer.from(`${open},"SimNote":undefined}`);
    case 'noId':
      return Buffer.from(rec.replace('"Id":', '"SimId":'));
    case 'invalidUtf8':
      // "café" written in Latin-1 into a UTF-8 body: the classic mis-encoding.
      return Buffer.concat([Buffer.from(`${open},"SimNote":"caf`), Buffer.from([0xe9]), Buffer.from('"}')]);
    case 'oversizeRecord':
      return Buffer.from(`${open},"SimBig":"${'x'.repeat(p.oversizeBytes ?? 1024 * 1024)}"}`);
    default:
      return Buffer.from(rec);
  }
}

/**
 * Serves blob b with a defect that is the same on every request (a poison blob, or one bad record),
 * built whole in memory (test blobs are small). Counted as served so stats stay comparable.
 */
export function sendPoisonBlob(ctx: SimContext, res: ServerResponse, feed: Feed, b: number, p: PoisonFault): void {
  const dups = ctx.faults.dupShares();
  const n = feed.served(b, dups);
  const recs: Buffer[] = [];
  for (let j = 0; j < n; j++) {
    const [sb, sr] = feed.recordRef(b, j, dups);
    recs.push(Buffer.from(feed.record(sb, sr)));
  }
  let body: Buffer;
  let type = 'application/json; charset=utf-8';
  switch (p.kind) {
    case 'notJson':
      body = Buffer.from('Service temporarily unavailable; this is not JSON.');
      break;
    case 'html200':
      body = Buffer.from(HTML_PAGE);
      type = 'text/html; charset=utf-8';
      break;
    case 'truncated': {
      const whole = Buffer.concat([Buffer.from('['), ...recs.flatMap((r, j) => (j > 0 ? [Buffer.from(','), r] : [r])), Buffer.from(']')]);
      // Mid-way through the middle record: the records before it are whole.
      const mid = Math.floor(n / 2);
      const before = 1 + recs.slice(0, mid).reduce((a, r) => a + r.length + 1, 0);
      body = whole.subarray(0, before + Math.floor((recs[mid]?.length ?? 2) / 2));
      break;
    }
    default: {
      const k = Math.min(1, n - 1);
      if (k >= 0) recs[k] = badRecord(recs[k]!.toString(), p);
      body = Buffer.concat([Buffer.from('['), ...recs.flatMap((r, j) => (j > 0 ? [Buffer.from(','), r] : [r])), Buffer.from(']')]);
    }
  }
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(body.length) });
  res.end(body);
  ctx.stats.raw.blobsServed++;
  ctx.stats.raw.bytesServed += body.length;
}
