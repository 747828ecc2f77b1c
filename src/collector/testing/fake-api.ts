// In-memory ManagementApi for tests: scripted blobs per content type, the API's own window rules
// (24 h, 7 days, half-open on contentCreated), subscriptions, and injectable failures: errors on
// listing or start, blobs that pass some records then throw, late-listed blobs, AF codes, hangs.

import { ApiError } from '../../errors.js';
import type {
  ApiCounters,
  ContentDescriptor,
  FetchBlobOptions,
  ListContentOptions,
  ManagementApi,
  SubscriptionInfo,
} from '../../api/types.js';
import { ClockSkewTracker, type ClockSkew } from '../../api/clock-skew.js';
import { sleep } from '../../shared/sleep.js';

const DAY = 86_400_000;
/** Good enough for scripted raw records (the real client takes the Id from its parser). */
const ID_IN_RAW = /"Id"\s*:\s*"([^"\\]*)"/;

export interface FakeBlob {
  contentId: string;
  contentCreated: number;
  /** Default contentCreated + 7 days. */
  contentExpiration?: number;
  /** Records as objects (serialised with JSON.stringify) or as exact raw JSON text. */
  records: Array<Record<string, unknown> | string>;
  /** The fetch refuses it (AF20051) from this time on. Default contentExpiration. */
  servedUntil?: number;
  /** Listing shows the blob only once the clock reaches this (late-listed blobs). Default: always. */
  visibleFrom?: number;
}

export interface BlobFailure {
  error: Error;
  /** Records passed to onRecord before the error is thrown (cut-off body). Default 0. */
  afterRecords?: number;
  /** How many fetches fail (default: every one). */
  times?: number;
}

export interface FakeApiOptions {
  tenantId?: string;
  /** The fake server's clock (default Date.now). */
  now?: () => number;
  /** Descriptors per listing page (default 100). */
  pageSize?: number;
  /** Subscription status per content type; a missing entry is "no subscription" (AF20022). */
  subscriptions?: Record<string, 'enabled' | 'disabled' | undefined>;
  /**
   * The fake server's `Date` header is its clock plus this (a skewed server or a proxy); undefined:
   * no Date header at all. Settable later through `dateSkewMs`.
   */
  dateSkewMs?: number;
  /** The client machine's clock, against which Date headers are read (default: `now`). */
  clientNow?: () => number;
  /** Delay (ms) before each blob's records are streamed. */
  fetchDelayMs?: number;
  /** Called before each record is passed on; may return a promise to pause the body there. */
  recordHook?: (contentId: string, index: number) => void | Promise<void>;
}

/** ApiError as the real client raises it (status + AF code). */
export function apiError(status: number | undefined, afCode: string | undefined, retryable = false, hint?: string): ApiError {
  return new ApiError(`fake API error ${status ?? ''} ${afCode ?? ''}`.trim(), status, afCode, { retryable, hint });
}


export class FakeManagementApi implements ManagementApi {
  readonly tenantId: string;
  readonly counters: ApiCounters = { requests: 0, retries: 0, throttled: 0, refusedUrls: 0, tokenRefreshes: 0 };
  readonly subscriptions: Map<string, 'enabled' | 'disabled' | undefined>;
  /** Every call, for assertions. */
  readonly calls = {
    list: [] as Array<{ contentType: string; start: number; end: number }>,
    fetch: [] as string[],
    start: [] as Array<{ contentType: string; at: number }>,
    listSubscriptions: 0,
  };
  now: () => number;
  pageSize: number;
  fetchDelayMs: number;
  recordHook: FakeApiOptions['recordHook'];
  dateSkewMs: number | undefined;
  private readonly clientNow: () => number;
  private readonly skew = new ClockSkewTracker();
  private readonly blobs = new Map<string, FakeBlob[]>();
  private readonly byId = new Map<string, FakeBlob>();
  private readonly blobFailures = new Map<string, BlobFailure[]>();
  private readonly listFailures = new Map<string, Error[]>();
  private readonly startFailures = new Map<string, Error[]>();
  private listSubscriptionsFailures: Error[] = [];
  private frozen = false;

  constructor(options: FakeApiOptions = {}) {
    this.tenantId = options.tenantId ?? '00000000-0000-4000-8000-000000000001';
    this.now = options.now ?? Date.now;
    this.pageSize = options.pageSize ?? 100;
    this.fetchDelayMs = options.fetchDelayMs ?? 0;
    this.recordHook = options.recordHook;
    this.dateSkewMs = options.dateSkewMs;
    this.clientNow = options.clientNow ?? this.now;
    this.subscriptions = new Map(Object.entries(options.subscriptions ?? {}));
  }

  addBlob(contentType: string, blob: FakeBlob): this {
    let list = this.blobs.get(contentType);
    if (!list) this.blobs.set(contentType, (list = []));
    list.push(blob);
    list.sort((a, b) => a.contentCreated - b.contentCreated);
    this.byId.set(blob.contentId, blob);
    return this;
  }

  /** Scripts failures of a blob's fetches, consumed in order. */
  failBlob(contentId: string, failure: BlobFailure): this {
    const list = this.blobFailures.get(contentId) ?? [];
    list.push({ ...failure });
    this.blobFailures.set(contentId, list);
    return this;
  }

  /** The next `times` listings of a content type throw `error`. */
  failList(contentType: string, error: Error, times = 1): this {
    const list = this.listFailures.get(contentType) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.listFailures.set(contentType, list);
    return this;
  }

  failStart(contentType: string, error: Error, times = 1): this {
    const list = this.startFailures.get(contentType) ?? [];
    for (let i = 0; i < times; i++) list.push(error);
    this.startFailures.set(contentType, list);
    return this;
  }

  failListSubscriptions(error: Error, times = 1): this {
    for (let i = 0; i < times; i++) this.listSubscriptionsFailures.push(error);
    return this;
  }

  /** Simulates a process that stopped: every call from now on hangs forever. */
  freeze(): void {
    this.frozen = true;
  }

  private async gate(): Promise<void> {
    this.counters.requests++;
    if (this.dateSkewMs !== undefined) {
      this.skew.observe(Math.floor((this.now() + this.dateSkewMs) / 1000) * 1000, this.clientNow());
    }
    if (this.frozen) await new Promise<never>(() => {});
  }

  async listSubscriptions(_signal?: AbortSignal): Promise<SubscriptionInfo[]> {
    await this.gate();
    this.calls.listSubscriptions++;
    const f = this.listSubscriptionsFailures.shift();
    if (f) throw f;
    const out: SubscriptionInfo[] = [];
    for (const [contentType, status] of this.subscriptions) out.push(status === undefined ? { contentType } : { contentType, status });
    return out;
  }

  async startSubscription(contentType: string, _signal?: AbortSignal): Promise<void> {
    await this.gate();
    this.calls.start.push({ contentType, at: this.now() });
    const f = this.startFailures.get(contentType)?.shift();
    if (f) throw f;
    this.subscriptions.set(contentType, 'enabled');
  }

  async *listContent(options: ListContentOptions): AsyncIterable<ContentDescriptor[]> {
    await this.gate();
    const { contentType, start, end } = options;
    this.calls.list.push({ contentType, start, end });
    const f = this.listFailures.get(contentType)?.shift();
    if (f) throw f;
    const now = this.now();
    const status = this.subscriptions.get(contentType);
    if (!this.subscriptions.has(contentType)) throw apiError(400, 'AF20022');
    if (status === 'disabled') throw apiError(400, 'AF20023');
    // The API's own rules (management-api.md §3.4): half-open, <= 24 h, start not older than 7 days.
    if (!(start < end) || end - start > DAY || start < now - 7 * DAY) throw apiError(400, 'AF20055');
    const visible = (this.blobs.get(contentType) ?? []).filter(
      (b) => b.contentCreated >= start && b.contentCreated < end && (b.visibleFrom === undefined || b.visibleFrom <= now),
    );
    for (let i = 0; i < visible.length || i === 0; i += this.pageSize) {
      if (i > 0) await this.gate();
      options.signal?.throwIfAborted();
      yield visible.slice(i, i + this.pageSize).map((b) => ({
        contentType,
        contentId: b.contentId,
        contentUri: `https://manage.office.com/api/v1.0/${this.tenantId}/activity/feed/audit/${b.contentId}`,
        contentCreated: b.contentCreated,
        contentExpiration: b.contentExpiration ?? b.contentCreated + 7 * DAY,
      }));
    }
  }

  async fetchBlob(descriptor: ContentDescriptor, options: FetchBlobOptions): Promise<void> {
    await this.gate();
    this.calls.fetch.push(descriptor.contentId);
    if (this.fetchDelayMs > 0) await sleep(this.fetchDelayMs, options.signal);
    const blob = this.byId.get(descriptor.contentId);
    const failures = this.blobFailures.get(descriptor.contentId);
    const failure = failures?.[0];
    if (failure && failure.times !== undefined && --failure.times <= 0) failures?.shift();
    if (!blob) throw apiError(404, 'AF20050');
    if (this.now() >= (blob.servedUntil ?? blob.contentExpiration ?? blob.contentCreated + 7 * DAY)) throw apiError(400, 'AF20051');
    const cutAt = failure ? (failure.afterRecords ?? 0) : Infinity;
    let i = 0;
    for (const rec of blob.records) {
      if (i >= cutAt) break;
      if (this.recordHook) {
        const h = this.recordHook(descriptor.contentId, i);
        if (h) await h;
      }
      options.signal?.throwIfAborted();
      if (this.frozen) await new Promise<never>(() => {});
      const raw = typeof rec === 'string' ? rec : JSON.stringify(rec);
      const id = typeof rec === 'string' ? ID_IN_RAW.exec(rec)?.[1] : (rec.Id as string | undefined);
      // As the real client: a record without Id is rejected (offset = its index here), never handed out.
      const p =
        id === undefined
          ? options.onRejected?.({ offset: i, reason: 'no_id', message: 'record has no "Id" string: it cannot be de-duplicated', size: raw.length, bytes: Buffer.from(raw) })
          : options.onRecord({ raw, id });
      if (p) await p;
      i++;
    }
    if (failure) throw failure.error;
  }

  serverNow(): number {
    return this.now() + (this.dateSkewMs ?? 0);
  }

  clockSkew(): ClockSkew | undefined {
    return this.skew.read(this.clientNow());
  }

  async close(): Promise<void> {}
}

/** `n` simple audit records with Ids `${prefix}-0` .. `${prefix}-(n-1)`. */
export function makeRecords(prefix: string, n: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    out.push({ CreationTime: '2024-03-01T09:58:41', Id: `${prefix}-${i}`, Operation: 'FileDownloaded', RecordType: 6, Workload: 'SharePoint' });
  }
  return out;
}
