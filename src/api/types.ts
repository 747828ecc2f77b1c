// Contracts of the Management Activity API client: what the collector needs from the API layer.
// The implementation (client.ts) owns HTTP, tokens, retries and URL safety; the collector owns
// windows, de-duplication and checkpoints. Keep this file free of implementation.

import type { ClockSkew } from './clock-skew.js';

export type { ClockSkew } from './clock-skew.js';

/** One entry of `GET subscriptions/content` (management-api.md §3.4). Times are parsed to epoch ms. */
export interface ContentDescriptor {
  contentType: string;
  contentId: string;
  /** Used verbatim (it contains `$`); never re-encoded. */
  contentUri: string;
  contentCreated: number;
  contentExpiration: number;
}

export interface SubscriptionInfo {
  contentType: string;
  /** 'enabled' | 'disabled' | undefined when Microsoft omits it (treat as "try start"). */
  status?: string;
  webhook?: unknown;
}

/**
 * One raw audit record as the API returned it. `raw` holds the record's exact JSON text (whitespace
 * outside strings removed so it fits on one NDJSON line): always one valid JSON object with a
 * string `Id`, which `id` holds (records without one are rejected, see RejectedRecord).
 */
export interface RawRecord {
  raw: string;
  id: string | undefined;
  /** UTF-8 length of `raw` (metrics), when the producer knows it without counting. */
  bytes?: number;
}

/**
 * A record of a blob that was not handed out: not valid JSON (a raw newline in a string included),
 * no `Id`, invalid UTF-8, or over the size limit. The rest of the blob is delivered.
 */
export interface RejectedRecord {
  /** Byte offset of the record's `{` in the (decompressed) blob body. */
  offset: number;
  reason: 'invalid_json' | 'no_id' | 'invalid_utf8' | 'oversize';
  message: string;
  /** Record size, bytes (whitespace between tokens removed). */
  size: number;
  /** The record's bytes as received, whitespace between tokens removed; absent when oversize. */
  bytes?: Buffer;
}

/** Counters every layer adds to; the run summary prints them. */
export interface ApiCounters {
  requests: number;
  retries: number;
  throttled: number;
  refusedUrls: number;
  tokenRefreshes: number;
}

export interface ListContentOptions {
  contentType: string;
  /** Inclusive window start, epoch ms. */
  start: number;
  /** Exclusive window end, epoch ms; end - start <= 24 h. */
  end: number;
  signal?: AbortSignal;
}

export interface FetchBlobOptions {
  signal?: AbortSignal;
  /**
   * Called for each record in order as the body streams in. May return a promise to apply
   * back-pressure. If the body is cut off, records already passed stay passed: the caller
   * de-duplicates by Id when the blob is fetched again.
   */
  onRecord: (record: RawRecord) => void | Promise<void>;
  /** Called for each record that is not handed out (see RejectedRecord); may return a promise. */
  onRejected?: (record: RejectedRecord) => void | Promise<void>;
}

/** The API for one tenant. One instance per configured tenant; safe for concurrent use. */
export interface ManagementApi {
  readonly tenantId: string;
  readonly counters: ApiCounters;
  listSubscriptions(signal?: AbortSignal): Promise<SubscriptionInfo[]>;
  /** Starts a subscription; AF20024 (already enabled) resolves normally. */
  startSubscription(contentType: string, signal?: AbortSignal): Promise<void>;
  /**
   * Lists every page of the window (follows NextPageUri/NextPageUrl). Yields descriptors page by
   * page. Descriptors whose contentUri is not on the configured API host are NOT yielded: they are
   * counted in counters.refusedUrls and reported through the `onRefused` hook of the client options.
   */
  listContent(options: ListContentOptions): AsyncIterable<ContentDescriptor[]>;
  /** Streams one blob's records, retrying transient failures per the retry policy. */
  fetchBlob(descriptor: ContentDescriptor, options: FetchBlobOptions): Promise<void>;
  /** Best estimate of the server's clock (from the last `Date` header), epoch ms. For display only. */
  serverNow(): number;
  /** What the `Date` headers say about the server's clock; undefined before the first one. */
  clockSkew(): ClockSkew | undefined;
  close(): Promise<void>;
}
