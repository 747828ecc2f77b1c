// Wire-format helpers of the Management Activity API: time formatting for windows, descriptor
// parsing, the next-page header, and bounded JSON bodies.

import { pipeline } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { ApiError } from '../errors.js';
import type { ContentDescriptor } from './types.js';

const MAX_JSON_BODY = 256 * 1024 * 1024;
const SEVEN_DAYS_MS = 7 * 24 * 60 * 60_000;

/** `YYYY-MM-DDTHH:MM:SS` in UTC: the documented format, without zone (management-api.md §3.4). */
export function formatApiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** Descriptor times carry ms + `Z`; a value without a zone is UTC. NaN if unparsable. */
export function parseApiTime(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  const v = value.trim();
  return Date.parse(/(?:Z|[+-]\d\d:?\d\d)$/i.test(v) ? v : `${v}Z`);
}

/**
 * One `/content` entry. `fallbackCreated` (the window start) stands in for an unparsable
 * contentCreated so the blob is still fetched; without contentUri there is nothing to fetch.
 */
export function parseDescriptor(raw: unknown, fallbackCreated: number): ContentDescriptor | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const contentUri = r['contentUri'];
  if (typeof contentUri !== 'string' || contentUri === '') return undefined;
  const contentId = typeof r['contentId'] === 'string' && r['contentId'] !== '' ? r['contentId'] : (contentUri.split('?')[0]!.split('/').pop() ?? contentUri);
  let created = parseApiTime(r['contentCreated']);
  if (Number.isNaN(created)) created = fallbackCreated;
  let expiration = parseApiTime(r['contentExpiration']);
  if (Number.isNaN(expiration)) expiration = created + SEVEN_DAYS_MS;
  return {
    contentType: typeof r['contentType'] === 'string' ? r['contentType'] : '',
    contentId,
    contentUri,
    contentCreated: created,
    contentExpiration: expiration,
  };
}

/**
 * The next-page URL: `NextPageUri` (real name) or `NextPageUrl` (older docs), any case (undici
 * lower-cases names), value trimmed (wazuh#30921 swallowed a trailing CR). Empty means none.
 */
export function nextPageUri(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase();
    if (n !== 'nextpageuri' && n !== 'nextpageurl') continue;
    const v = (Array.isArray(value) ? value[0] : value)?.trim();
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Reads and parses a JSON body; a cut-off or invalid body is a retryable ApiError. */
export async function readJson(res: Dispatcher.ResponseData, what: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_JSON_BODY) {
      res.body.destroy();
      throw new ApiError(`${what} response is larger than ${MAX_JSON_BODY} bytes`, res.statusCode, undefined, { retryable: false });
    }
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return [];
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ApiError(`${what} response is not valid JSON (${size} bytes; cut off?)`, res.statusCode, undefined, { retryable: true, cause, context: { bytes: size } });
  }
}

/**
 * The response body, decompressed when the server used gzip/deflate. A truncated compressed
 * stream fails inside zlib, which the retry loop treats like any cut-off body.
 */
export function decodedBody(res: Dispatcher.ResponseData): AsyncIterable<Buffer> {
  const enc = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const z = enc === 'gzip' || enc === 'x-gzip' ? createGunzip() : enc === 'deflate' ? createInflate() : undefined;
  if (z === undefined) return res.body as AsyncIterable<Buffer>;
  // pipeline (not pipe) so a socket error on the body reaches the decompressor and its reader.
  pipeline(res.body, z, () => undefined);
  return z;
}
