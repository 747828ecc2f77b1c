// Plain-words summaries of cluster refusals for errors and logs: type and a bounded reason, never
// a request body, plus what the user should do about the usual causes.

import type { ItemError } from './bulk.js';

export function describe(e: ItemError | undefined): string {
  if (e === undefined) return '';
  const reason = typeof e.reason === 'string' ? e.reason.slice(0, 300) : '';
  return `${e.type ?? 'error'}${reason ? `: ${reason}` : ''}`;
}

/** The `error` object of a whole-request error answer. */
export function requestError(body: unknown): ItemError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const e = (body as { error?: unknown }).error;
  return typeof e === 'object' && e !== null ? (e as ItemError) : undefined;
}

export function errorSummary(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const e = (body as { error: unknown }).error;
    return typeof e === 'string' ? e.slice(0, 300) : describe(e as ItemError);
  }
  return typeof body === 'string' ? body.slice(0, 200).replace(/\s+/g, ' ') : '';
}

export function hint(status: number, e?: ItemError): string {
  if (status === 401) return '; check api_key or username/password';
  if (status === 403) return '; the credentials lack the right to write this index (create_doc / indices:data/write/bulk)';
  if (e?.type === 'index_not_found_exception' || status === 404) return '; run `o365-audit setup` (or set setup_on_start) to install the index template, or allow the index to be created';
  if (/pipeline/i.test(e?.reason ?? '')) return '; run `o365-audit setup` to install the ingest pipelines';
  if (e?.type === 'cluster_block_exception') return '; the index is read-only (disk watermark?)';
  return '';
}
