// createManagementApi: the Management Activity API for one tenant (src/api/types.ts contract).
// Builds URLs (explicit UTC windows, PublisherIdentifier everywhere), follows pages, refuses
// server-supplied URLs off the API origin, and streams blobs record by record.

import type { Dispatcher } from 'undici';
import { ApiError, BadBlobBodyError, ConfigError, O365AuditError, RefusedUrlError } from '../errors.js';
import type { Logger } from '../logging/types.js';
import { resolveEndpoints, type CloudName } from '../auth/clouds.js';
import { TokenProvider, type ClientCredential, type TokenSource } from '../auth/token-provider.js';
import type { ApiCounters, ClockSkew, ContentDescriptor, FetchBlobOptions, ListContentOptions, ManagementApi, RejectedRecord, SubscriptionInfo } from './types.js';
import { createDispatcher } from './dispatcher.js';
import { CallerError, HttpCore, type RequestTimeouts, type RetryPolicy } from './http.js';
import { API_RETRY } from '../shared/retry.js';
import { GUID_RE } from '../shared/guid.js';
import { JsonArraySplitter } from './json-array-stream.js';
import { decodedBody } from './wire.js';
import { originOf, UrlGuard, type RefusedUrlInfo } from './url-guard.js';
import { formatApiTime, nextPageUri, parseDescriptor, readJson } from './wire.js';

export interface ApiTimeouts {
  /** TCP+TLS connect, ms (default 15 s). */
  connectMs: number;
  /** Login (token) calls, ms (default 30 s). */
  loginMs: number;
  /** Subscription and content-list calls: time to headers / body idle, ms (default 60 s each). */
  listHeadersMs: number;
  listBodyIdleMs: number;
  /** Whole listing page or subscription call, request to last byte, per attempt (default 5 min). */
  listTotalMs: number;
  /** Blob downloads: longer, blobs can be large and slow to start (default 120 s each). */
  blobHeadersMs: number;
  blobBodyIdleMs: number;
  /** Whole blob download, request to last byte, per attempt (default 30 min). */
  blobTotalMs: number;
}

export interface ManagementApiOptions {
  /** Directory (tenant) GUID; goes into the API path and the login authority. */
  tenantId: string;
  /** Application (client) id of the app registration. */
  clientId: string;
  credential: ClientCredential;
  /** Default `commercial`. */
  cloud?: CloudName;
  /** Overrides the login origin (proxy, test double). Must be https (MSAL). */
  loginUrl?: string;
  /** Overrides the API origin; the bearer token only ever goes to this origin. */
  apiUrl?: string;
  /** Overrides the token scope (default: the cloud's API resource + `/.default`). */
  scope?: string;
  /** PublisherIdentifier sent on every request; default = tenantId. */
  publisherId?: string;
  /** Explicit HTTP(S) proxy for API and login; wins over HTTPS_PROXY/NO_PROXY. */
  proxyUrl?: string;
  /** Honour HTTPS_PROXY/HTTP_PROXY/NO_PROXY when proxyUrl is unset (default true). */
  useEnvProxy?: boolean;
  /** Extra CA certificates (PEM strings), added to Node's roots. */
  caCerts?: string[];
  /** Connections per origin of the pool shared by tenants with equal network settings (default 32). */
  maxConnections?: number;
  timeouts?: Partial<ApiTimeouts>;
  retry?: Partial<RetryPolicy>;
  /** Restarts of one window's listing after AF20031 (default 3). */
  maxListRestarts?: number;
  /** Largest single record accepted from a blob, bytes (default 64 MiB). */
  maxRecordBytes?: number;
  logger?: Logger;
  /** Called for every server-supplied URL refused by the URL guard (origin only, no query). */
  onRefused?: (info: RefusedUrlInfo) => void;
  /** Clock (tests). */
  now?: () => number;
  /** Advanced: bring your own token source (skips MSAL); login options are then unused. */
  tokenSource?: TokenSource;
}

const DEFAULT_TIMEOUTS: Readonly<ApiTimeouts> = Object.freeze({
  connectMs: 15_000,
  loginMs: 30_000,
  listHeadersMs: 60_000,
  listBodyIdleMs: 60_000,
  listTotalMs: 5 * 60_000,
  blobHeadersMs: 120_000,
  blobBodyIdleMs: 120_000,
  blobTotalMs: 30 * 60_000,
});

const DAY_MS = 24 * 60 * 60_000;
const NOOP_LOGGER: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const USER_AGENT = 'o365-audit';
/** Most bytes of a bad blob body kept for the quarantine (the rest is counted, not kept). */
export const BAD_BODY_KEEP_BYTES = 64 * 1024 * 1024;

export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  return new ManagementApiClient(options);
}

class ManagementApiClient implements ManagementApi {
  readonly tenantId: string;
  readonly counters: ApiCounters = { requests: 0, retries: 0, throttled: 0, refusedUrls: 0, tokenRefreshes: 0 };
  readonly #o: ManagementApiOptions;
  readonly #guard: UrlGuard;
  readonly #root: string;
  readonly #publisherId: string;
  readonly #dispatcher: Dispatcher;
  readonly #http: HttpCore;
  readonly #logger: Logger;
  readonly #timeouts: ApiTimeouts;
  readonly #list: RequestTimeouts;
  readonly #blob: RequestTimeouts;

  constructor(o: ManagementApiOptions) {
    if (!GUID_RE.test(o.tenantId)) {
      throw new ConfigError('tenant_id must be the directory (tenant) GUID; the API does not accept domain names (AF20013)', 'tenant_id');
    }
    this.#o = o;
    this.tenantId = o.tenantId;
    this.#logger = o.logger ?? NOOP_LOGGER;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
    this.#list = { headersMs: this.#timeouts.listHeadersMs, bodyIdleMs: this.#timeouts.listBodyIdleMs, totalMs: this.#timeouts.listTotalMs, totalKey: 'request_deadline' };
    this.#blob = { headersMs: this.#timeouts.blobHeadersMs, bodyIdleMs: this.#timeouts.blobBodyIdleMs, totalMs: this.#timeouts.blobTotalMs, totalKey: 'blob_deadline' };
    const ep = resolveEndpoints({ cloud: o.cloud, loginUrl: o.loginUrl, apiUrl: o.apiUrl, scope: o.scope });
    this.#publisherId = o.publisherId ?? o.tenantId;
    this.#guard = new UrlGuard(ep.apiUrl, this.#publisherId);
    this.#root = `${ep.apiUrl}/api/v1.0/${encodeURIComponent(o.tenantId)}/activity/feed`;
    this.#dispatcher = createDispatcher({
      proxyUrl: o.proxyUrl,
      useEnvProxy: o.useEnvProxy,
      caCerts: o.caCerts,
      maxConnections: o.maxConnections,
      connectTimeoutMs: this.#timeouts.connectMs,
    });
    const onAcquired = (kind: string) => {
      if (kind !== 'initial') this.counters.tokenRefreshes++;
    };
    const tokens =
      o.tokenSource ??
      new TokenProvider({
        tenantId: o.tenantId,
        clientId: o.clientId,
        credential: o.credential,
        loginUrl: ep.loginUrl,
        scope: ep.scope,
        dispatcher: this.#dispatcher,
        logger: this.#logger,
        timeoutMs: this.#timeouts.loginMs,
        onAcquired,
        ...(o.now !== undefined ? { now: o.now } : {}),
      });
    this.#http = new HttpCore({
      dispatcher: this.#dispatcher,
      tokens,
      counters: this.counters,
      retry: { ...API_RETRY, ...o.retry },
      logger: this.#logger,
      tenantId: o.tenantId,
      now: o.now ?? Date.now,
      userAgent: USER_AGENT,
    });
  }

  serverNow(): number {
    return this.#http.serverNow();
  }

  clockSkew(): ClockSkew | undefined {
    return this.#http.clockSkew();
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async listSubscriptions(signal?: AbortSignal): Promise<SubscriptionInfo[]> {
    const url = `${this.#root}/subscriptions/list?${new URLSearchParams({ PublisherIdentifier: this.#publisherId })}`;
    const body = await this.#http.send({ method: 'GET', url, what: 'subscriptions/list', timeouts: this.#list, signal, onSuccess: (res) => readJson(res, 'subscriptions/list') });
    if (!Array.isArray(body)) throw new ApiError('subscriptions/list returned something other than a JSON array', 200, undefined, { context: { tenantId: this.tenantId } });
    return body.flatMap((s: unknown): SubscriptionInfo[] => {
      const r = s as Record<string, unknown> | null;
      if (r === null || typeof r !== 'object' || typeof r['contentType'] !== 'string') return [];
      return [{ contentType: r['contentType'], ...(typeof r['status'] === 'string' ? { status: r['status'] } : {}), webhook: r['webhook'] ?? undefined }];
    });
  }

  async startSubscription(contentType: string, signal?: AbortSignal): Promise<void> {
    const url = `${this.#root}/subscriptions/start?${new URLSearchParams({ contentType, PublisherIdentifier: this.#publisherId })}`;
    try {
      await this.#http.send({ method: 'POST', url, what: 'subscriptions/start', contentType, timeouts: this.#list, signal, onSuccess: (res) => res.body.dump() });
    } catch (e) {
      // Observed, undocumented: 400 AF20024 "already enabled, no property change" is success.
      if (e instanceof ApiError && e.afCode === 'AF20024') return;
      throw e;
    }
  }

  async *listContent(options: ListContentOptions): AsyncIterable<ContentDescriptor[]> {
    const { contentType, start, end, signal } = options;
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start || end - start > DAY_MS) {
      // A window over 24 h can return partial results without an error (management-api.md §3.4).
      throw new O365AuditError('O365_ERR_BUG', `listContent window must satisfy 0 < end - start <= 24 h (got ${start}..${end}); this is a bug in the caller`, {
        context: { contentType, start, end },
      });
    }
    const first = `${this.#root}/subscriptions/content?${new URLSearchParams({
      contentType,
      startTime: formatApiTime(start),
      endTime: formatApiTime(end),
      PublisherIdentifier: this.#publisherId,
    })}`;
    let url = first;
    let restarts = 0;
    const maxRestarts = this.#o.maxListRestarts ?? 3;
    for (;;) {
      let page: { body: unknown; next: string | undefined };
      try {
        page = await this.#http.send({
          method: 'GET',
          url,
          what: 'subscriptions/content',
          contentType,
          timeouts: this.#list,
          signal,
          onSuccess: async (res) => ({ body: await readJson(res, 'subscriptions/content'), next: nextPageUri(res.headers) }),
        });
      } catch (e) {
        if (e instanceof ApiError && e.afCode === 'AF20031' && restarts < maxRestarts) {
          // The next-page token went stale: list the window again from its first page; the
          // collector de-duplicates the descriptors it already saw by contentId.
          restarts++;
          this.#logger.info({ tenantId: this.tenantId, contentType, restarts }, 'AF20031: restarting the listing of this window');
          url = first;
          continue;
        }
        throw e;
      }
      if (!Array.isArray(page.body)) {
        throw new ApiError('subscriptions/content returned something other than a JSON array', 200, undefined, { context: { tenantId: this.tenantId, contentType } });
      }
      const out: ContentDescriptor[] = [];
      for (const raw of page.body) {
        const d = parseDescriptor(raw, start);
        if (d === undefined) {
          this.#logger.warn({ tenantId: this.tenantId, contentType }, 'skipped a content descriptor without contentUri');
          continue;
        }
        const why = this.#guard.refusal(d.contentUri);
        if (why !== undefined) {
          this.#refused({ source: 'contentUri', origin: originOf(d.contentUri), reason: why, contentType: d.contentType, contentId: d.contentId });
          continue;
        }
        out.push(d);
      }
      yield out;
      if (page.next === undefined) return;
      const why = this.#guard.refusal(page.next);
      if (why !== undefined) {
        this.#refused({ source: 'NextPageUri', origin: originOf(page.next), reason: why, contentType });
        throw new RefusedUrlError(`NextPageUri for ${contentType} points outside the API origin (${originOf(page.next)}): ${why}; not followed, window incomplete`, {
          tenantId: this.tenantId,
          contentType,
          origin: originOf(page.next),
        });
      }
      url = this.#guard.withPublisher(page.next);
    }
  }

  async fetchBlob(descriptor: ContentDescriptor, options: FetchBlobOptions): Promise<void> {
    const { contentType, contentId, contentUri } = descriptor;
    const why = this.#guard.refusal(contentUri);
    if (why !== undefined) {
      this.#refused({ source: 'contentUri', origin: originOf(contentUri), reason: why, contentType, contentId });
      throw new RefusedUrlError(`contentUri of ${contentId} points outside the API origin (${originOf(contentUri)}): ${why}; not fetched`, { tenantId: this.tenantId, contentType, contentId, origin: originOf(contentUri) });
    }
    let url: string | undefined = this.#guard.withPublisher(contentUri);
    // Blobs are not documented to page, but Beats follows NextPageUri on them "just in case".
    for (let pages = 0; url !== undefined && pages < 1000; pages++) {
      url = await this.#http.send({
        method: 'GET',
        url,
        what: 'blob',
        contentType,
        timeouts: this.#blob,
        signal: options.signal,
        // Blobs are JSON and compress ~10x; lists are small enough not to bother.
        acceptGzip: true,
        notFoundHint: 'the content blob does not exist (HTTP 404): counted as lost',
        onSuccess: async (res, _url, { last, deadline }) => {
          const splitter = new JsonArraySplitter({ maxRecordBytes: this.#o.maxRecordBytes });
          // On the last attempt the body is kept as it streams (chunks are not reused), so a body
          // that fails the same way every time can be set aside byte for byte.
          const kept: Buffer[] | undefined = last ? [] : undefined;
          let keptBytes = 0;
          let bodyCut = false;
          const keep = (chunk: Buffer): void => {
            if (kept === undefined) return;
            if (keptBytes + chunk.length > BAD_BODY_KEEP_BYTES) {
              bodyCut = true;
              chunk = chunk.subarray(0, BAD_BODY_KEEP_BYTES - keptBytes);
            }
            kept.push(chunk);
            keptBytes += chunk.length;
          };
          // A manual iterator: a `for await` would destroy the body on the first error, and the
          // rest of a bad body is still wanted.
          const body = decodedBody(res)[Symbol.asyncIterator]();
          let done = false;
          try {
            try {
              for (;;) {
                const next = await body.next();
                if (next.done === true) break;
                const chunk = next.value;
                keep(chunk);
                for (const rec of splitter.push(chunk)) {
                  try {
                    const wait = options.onRecord(rec);
                    if (wait !== undefined) {
                      // Outputs pushing back: their time does not count against blob_deadline.
                      deadline?.pause();
                      try {
                        await wait;
                      } finally {
                        deadline?.resume();
                      }
                    }
                  } catch (e) {
                    throw new CallerError(e);
                  }
                }
                if (splitter.rejected.length > 0) await this.#rejected(splitter.takeRejected(), descriptor, options);
              }
              splitter.end();
            } catch (e) {
              if (!(e instanceof BadBlobBodyError) || kept === undefined) throw e;
              for (;;) {
                if (bodyCut) break;
                const next = await body.next().catch(() => ({ done: true as const, value: undefined }));
                if (next.done === true) break;
                keep(next.value);
              }
              e.body = Buffer.concat(kept);
              e.bodyCut = bodyCut;
              throw e;
            }
            done = true;
          } finally {
            if (!done) res.body.destroy();
          }
          return this.#nextBlobPage(nextPageUri(res.headers), descriptor);
        },
      });
    }
  }

  async #rejected(list: RejectedRecord[], d: ContentDescriptor, options: FetchBlobOptions): Promise<void> {
    for (const r of list) {
      if (options.onRejected === undefined) {
        this.#logger.warn({ tenantId: this.tenantId, contentType: d.contentType, contentId: d.contentId, offset: r.offset, reason: r.reason }, `record not delivered: ${r.message}`);
        continue;
      }
      try {
        await options.onRejected(r);
      } catch (e) {
        throw new CallerError(e);
      }
    }
  }

  #nextBlobPage(next: string | undefined, d: ContentDescriptor): string | undefined {
    if (next === undefined) return undefined;
    const why = this.#guard.refusal(next);
    if (why === undefined) return this.#guard.withPublisher(next);
    this.#refused({ source: 'NextPageUri', origin: originOf(next), reason: why, contentType: d.contentType, contentId: d.contentId });
    throw new RefusedUrlError(`NextPageUri of blob ${d.contentId} points outside the API origin (${originOf(next)}): ${why}; not followed`, {
      tenantId: this.tenantId,
      contentType: d.contentType,
      contentId: d.contentId,
      origin: originOf(next),
    });
  }

  #refused(info: RefusedUrlInfo): void {
    this.counters.refusedUrls++;
    this.#logger.warn({ tenantId: this.tenantId, ...info }, 'refused a server-supplied URL outside the API origin; the token was not sent');
    try {
      this.#o.onRefused?.(info);
    } catch (e) {
      this.#logger.warn({ tenantId: this.tenantId, err: e instanceof Error ? e.message : String(e) }, 'onRefused hook threw');
    }
  }
}
