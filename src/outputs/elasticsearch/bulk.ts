// The _bulk request body and the reading of its response. Each record is indexed as
// `{"message": "<raw record text>"}` (the ingest pipeline parses it) with op_type `create` and
// `_id` = the record's Id, so a record sent twice is refused as 409: idempotent delivery.

import { createHash } from 'node:crypto';

export interface BulkItem {
  bytes: number;
  /** The action and document lines, each ended by a newline (built once, at write time). */
  lines: string;
  /** The record's Id, or undefined when it has none (the engine then picks one). */
  id: string | undefined;
  contentType: string;
  tenantId: string;
  /** Settled (created, duplicate or dead-lettered): a batch resent after a failure skips it. */
  done?: boolean;
}

/** Elasticsearch and OpenSearch refuse a whole bulk request that holds an _id over 512 bytes. */
export const MAX_ID_BYTES = 512;

/** The _id for a record Id: itself, or (over the engines' limit) a stable digest of it, so it stays idempotent. */
export function documentId(id: string | undefined): string | undefined {
  if (id === undefined || Buffer.byteLength(id) <= MAX_ID_BYTES) return id;
  return 'sha256-' + createHash('sha256').update(id).digest('hex');
}

/** One record's bulk lines; `recordId` is the Id the splitter read (undefined or empty: the engine picks one). */
export function bulkItem(raw: string, meta: { contentType: string; tenantId: string }, recordId: string | undefined): BulkItem {
  const id = documentId(recordId === '' ? undefined : recordId);
  const action = id === undefined ? '{"create":{}}' : `{"create":{"_id":${JSON.stringify(id)}}}`;
  const lines = `${action}\n{"message":${JSON.stringify(raw)}}\n`;
  return { bytes: Buffer.byteLength(lines), lines, id, contentType: meta.contentType, tenantId: meta.tenantId };
}

/** The raw record text of an item (for the dead-letter file), exactly as written. */
export function itemRaw(item: BulkItem): string {
  const doc = item.lines.slice(item.lines.indexOf('\n') + 1);
  return (JSON.parse(doc) as { message: string }).message;
}

export function bulkBody(items: readonly BulkItem[]): string {
  return items.map((it) => it.lines).join('');
}

/** Keeps the response small: positions match the request, so ids are not needed back. */
export const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error';

export interface ItemError {
  type?: string;
  reason?: string;
  caused_by?: unknown;
}

export type ItemOutcome =
  | { kind: 'created' }
  | { kind: 'duplicate' }
  | { kind: 'retry'; status: number; error?: ItemError }
  /** The document itself is refused (mapping, parse, pipeline failure): dead-letter it. */
  | { kind: 'dead'; status: number; error?: ItemError }
  /** A refusal that every document would get (rights, missing index or pipeline): stop, do not dead-letter. */
  | { kind: 'fatal'; status: number; error?: ItemError };

const RETRYABLE_TYPES = new Set(['es_rejected_execution_exception', 'rejected_execution_exception', 'circuit_breaking_exception', 'unavailable_shards_exception', 'process_cluster_event_timeout_exception']);
const FATAL_TYPES = new Set(['index_not_found_exception', 'security_exception', 'cluster_block_exception', 'index_closed_exception', 'invalid_index_name_exception']);
const MISSING_PIPELINE = /pipeline with id \[[^\]]*\] does not exist/i;

export function classifyItem(entry: unknown): ItemOutcome | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const op = Object.values(entry as Record<string, unknown>)[0] as { status?: unknown; error?: ItemError } | undefined;
  const status = typeof op?.status === 'number' ? op.status : undefined;
  if (status === undefined) return undefined;
  const error = typeof op?.error === 'object' && op.error !== null ? op.error : undefined;
  if (status >= 200 && status < 300) return { kind: 'created' };
  if (status === 409) return { kind: 'duplicate' };
  if (status === 429 || status >= 500 || (error?.type !== undefined && RETRYABLE_TYPES.has(error.type))) return { kind: 'retry', status, error };
  if (status === 401 || status === 403 || status === 404 || (error?.type !== undefined && FATAL_TYPES.has(error.type)) || MISSING_PIPELINE.test(error?.reason ?? '')) {
    return { kind: 'fatal', status, error };
  }
  return { kind: 'dead', status, error };
}

/**
 * Error types of a whole-request 400 that one document can cause (the engine validates every
 * action before running any): the request is split until the document is alone, then dead-lettered.
 */
export const DOCUMENT_REQUEST_ERRORS = new Set([
  'action_request_validation_exception',
  'mapper_parsing_exception',
  'document_parsing_exception',
  'x_content_parse_exception',
  'json_parse_exception',
  'parse_exception',
  'illegal_argument_exception',
]);

/** The per-item outcomes of a bulk response, or undefined if it is not one for `count` items. */
export function readBulkResponse(body: unknown, count: number): ItemOutcome[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { errors?: unknown; items?: unknown };
  if (!Array.isArray(b.items) || b.items.length !== count) return undefined;
  const out: ItemOutcome[] = [];
  for (const entry of b.items) {
    const o = classifyItem(entry);
    if (o === undefined) return undefined;
    out.push(o);
  }
  return out;
}
