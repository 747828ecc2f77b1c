// One HTTP exchange with the Management Activity API, with token handling, error classification
// (AF codes, status, non-JSON bodies) and the retry loop. The client builds URLs (already checked
// by the URL guard) and decides what a success means; this module decides when to try again.

import { request, type Dispatcher } from 'undici';
import { ApiError, O365AuditError } from '../errors.js';
import type { Logger } from '../logging/types.js';
import type { TokenSource } from '../auth/token-provider.js';
import type { ApiCounters } from './types.js';
import { ClockSkewTracker, type ClockSkew } from './clock-skew.js';
import { afCodeInfo, AUDIT_LOG_DISABLED_HINT, DLP_PERMISSION_HINT } from './af-codes.js';
import { redactSecrets, urlForLog } from '../logging/redact.js';
import { API_RETRY, parseRetryAfter, retryDelay, type RetryPolicy } from '../shared/retry.js';
import { sleep } from '../shared/sleep.js';

export type { RetryPolicy };

export interface RequestTimeouts {
  /** Time to response headers, ms. */
  headersMs: number;
  /** Longest silence between body chunks, ms. */
  bodyIdleMs: number;
  /**
   * Whole attempt, request to last byte of the body, ms. The idle timeout alone never ends a body
   * that trickles (a byte now and then); this does.
   */
  totalMs?: number;
  /** Config key of totalMs, for the message. */
  totalKey?: string;
}

/** Stops the clock of an attempt's deadline while the caller, not the server, is slow. */
export interface DeadlinePause {
  pause(): void;
  resume(): void;
}

/** The total deadline of one attempt: a timer that can be paused. */
class AttemptDeadline implements DeadlinePause {
  readonly #controller = new AbortController();
  #remaining: number;
  #since = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#remaining = ms;
    this.resume();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  pause(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#remaining -= Date.now() - this.#since;
  }

  resume(): void {
    if (this.#timer !== undefined || this.#controller.signal.aborted) return;
    this.#since = Date.now();
    this.#timer = setTimeout(() => this.#controller.abort(), Math.max(0, this.#remaining));
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Wraps an error thrown by the caller's callback so the retry loop passes it through untouched. */
export class CallerError {
  constructor(readonly error: unknown) {}
}

export interface Exchange<T> {
  method: 'GET' | 'POST';
  /** Final URL: guarded, PublisherIdentifier added. */
  url: string;
  /** Operation name for messages and logs (`subscriptions/content`, `blob`...). */
  what: string;
  timeouts: RequestTimeouts;
  contentType?: string;
  signal?: AbortSignal;
  /** Send `Accept-Encoding: gzip, deflate` (the reader must then use decodedBody). */
  acceptGzip?: boolean;
  /** Hint for a 404 without an AF code (blobs: counted as lost). */
  notFoundHint?: string;
  /**
   * Reads a 2xx response. Throw a retryable ApiError for a bad body; wrap caller errors in
   * CallerError. `last` is true on the last attempt the retry policy allows. Pause `deadline` while
   * waiting for the caller (back-pressure is not the server's slowness).
   */
  onSuccess: (res: Dispatcher.ResponseData, url: string, attempt: { last: boolean; deadline?: DeadlinePause }) => Promise<T>;
}

interface Failure {
  error: O365AuditError;
  retryAfterMs?: number;
  throttled: boolean;
}

export interface HttpCoreOptions {
  dispatcher: Dispatcher;
  tokens: TokenSource;
  counters: ApiCounters;
  retry: RetryPolicy;
  logger: Logger;
  tenantId: string;
  now: () => number;
  userAgent: string;
}

// TLS verification failures do not heal by retrying; they need configuration (ca_certs, proxy).
const TLS_CODES = new Set(['CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_NOT_YET_VALID']);
const MAX_ERROR_BODY = 64 * 1024;

export class HttpCore {
  readonly #o: HttpCoreOptions;
  readonly #skew = new ClockSkewTracker();

  constructor(o: HttpCoreOptions) {
    this.#o = o;
  }

  /** Server clock estimate from the last `Date` header, epoch ms. */
  serverNow(): number {
    return this.#o.now() + (this.#skew.read(this.#o.now())?.lastMs ?? 0);
  }

  /** What the `Date` headers say about the server's clock; undefined before the first one. */
  clockSkew(): ClockSkew | undefined {
    return this.#skew.read(this.#o.now());
  }

  /**
   * The retry loop. Written here rather than using undici's RetryAgent because a retry decision
   * needs, together: the AF code from the error BODY (403+AF429 is throttling, AF2xxxx is final),
   * Retry-After, a body cut off mid-stream after records were already handed on (the blob is
   * re-fetched from the start), a 401 that first needs a token refresh, and the caller's abort
   * signal during both the request and the backoff sleep. The libraries retry on status/socket
   * errors only, and not once the body is being consumed.
   */
  async send<T>(x: Exchange<T>): Promise<T> {
    const { retry, counters, tokens } = this.#o;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      x.signal?.throwIfAborted();
      let failure: Failure;
      // Per attempt: aborts the request and its body (undici destroys the stream) at the deadline.
      const deadline = x.timeouts.totalMs === undefined ? undefined : new AttemptDeadline(x.timeouts.totalMs);
      const signal = deadline === undefined ? x.signal : x.signal === undefined ? deadline.signal : AbortSignal.any([x.signal, deadline.signal]);
      try {
        // A token must outlive the wait for headers: the server checks it when the request arrives.
        const token = await tokens.getToken({ minValidityMs: x.timeouts.headersMs + 30_000 });
        counters.requests++;
        const res = await request(x.url, {
          method: x.method,
          dispatcher: this.#o.dispatcher,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            'user-agent': this.#o.userAgent,
            ...(x.acceptGzip === true ? { 'accept-encoding': 'gzip, deflate' } : {}),
            ...(x.method === 'POST' ? { 'content-type': 'application/json' } : {}),
          },
          body: x.method === 'POST' ? '' : undefined,
          headersTimeout: x.timeouts.headersMs,
          bodyTimeout: x.timeouts.bodyIdleMs,
          signal,
        });
        this.#noteDate(res.headers['date']);
        if (res.statusCode >= 200 && res.statusCode < 300) return await x.onSuccess(res, x.url, { last: attempt >= retry.maxAttempts, deadline });
        failure = await this.#failureFromResponse(res, x, attempt);
        if (res.statusCode === 401 && !refreshed) {
          // Once per request: a token from before admin consent lacks the roles a new one carries.
          refreshed = true;
          await tokens.forceRefresh(token);
          attempt--; // the refresh retry is not a backoff attempt
          continue;
        }
      } catch (e) {
        if (e instanceof CallerError) throw e.error;
        if (x.signal?.aborted) throw x.signal.reason;
        if (deadline?.signal.aborted) {
          failure = { error: this.#deadlineError(e, x), throttled: false };
        } else if (e instanceof O365AuditError) {
          if (!(e instanceof ApiError) && !e.retryable) throw e; // auth/config errors that need the user
          failure = { error: e, throttled: false };
        } else {
          failure = { error: this.#networkError(e, x), throttled: false };
        }
      } finally {
        deadline?.clear();
      }
      if (failure.throttled) counters.throttled++;
      if (!failure.error.retryable || attempt >= retry.maxAttempts) {
        failure.error.context['attempts'] = attempt;
        throw failure.error;
      }
      const delay = retryDelay(attempt, retry, failure.retryAfterMs);
      counters.retries++;
      this.#o.logger.debug(
        { tenantId: this.#o.tenantId, op: x.what, contentType: x.contentType, code: failure.error.code, status: (failure.error as Partial<ApiError>).status, afCode: (failure.error as Partial<ApiError>).afCode, attempt, delayMs: Math.round(delay) },
        'retrying Management API request',
      );
      await sleep(delay, x.signal);
    }
  }

  #noteDate(date: string | string[] | undefined): void {
    const v = Array.isArray(date) ? date[0] : date;
    if (v === undefined) return;
    const t = Date.parse(v);
    if (!Number.isNaN(t)) this.#skew.observe(t, this.#o.now());
  }

  async #failureFromResponse(res: Dispatcher.ResponseData, x: Exchange<unknown>, attempt: number): Promise<Failure> {
    const status = res.statusCode;
    const text = await readBounded(res.body, MAX_ERROR_BODY).catch(() => '');
    let code: string | undefined;
    let serverMessage: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') code = parsed.error.code;
      if (typeof parsed.error?.message === 'string') serverMessage = parsed.error.message;
    } catch {
      serverMessage = text.trim() === '' ? undefined : `non-JSON body: ${text.slice(0, 120)}`;
    }
    const afCode = code !== undefined && /^AF\d+$/.test(code) ? code : undefined;
    const info = afCodeInfo(afCode);
    let hint = info?.hint;
    let retryable = info?.retryable ?? (status === 408 || status === 429 || status >= 500);
    const throttled = status === 429 || afCode === 'AF429';
    if (afCode === undefined && /tenant\s+\S+\s+does not exist/i.test(`${code ?? ''} ${serverMessage ?? ''}`)) {
      // The non-AF "StartSubscription [CorrId=…] … Tenant <guid> does not exist" diagnostic.
      hint = AUDIT_LOG_DISABLED_HINT;
      retryable = false;
    } else if (status === 401) {
      hint ??= x.contentType === 'DLP.All' ? DLP_PERMISSION_HINT : 'the token was rejected: check the ActivityFeed.Read Application permission with admin consent, and that tenant_id and cloud match the app registration';
      retryable = false;
    } else if (status === 404 && afCode === undefined) {
      hint = x.notFoundHint ?? 'not found';
    }
    const detail = serverMessage === undefined ? '' : `: ${redactSecrets(serverMessage.split(/\r?\n/)[0] ?? '').slice(0, 300)}`;
    const error = new ApiError(`${x.what}${x.contentType ? ` (${x.contentType})` : ''} failed with HTTP ${status}${afCode ? ` ${afCode}` : ''}${hint ? ` — ${hint}` : ''}${detail}`, status, afCode, {
      retryable,
      hint,
      context: { tenantId: this.#o.tenantId, url: urlForLog(x.url), contentType: x.contentType, attempts: attempt },
    });
    return { error, throttled, retryAfterMs: parseRetryAfter(res.headers['retry-after'], this.#o.now()) };
  }

  #deadlineError(e: unknown, x: Exchange<unknown>): ApiError {
    const secs = Math.round((x.timeouts.totalMs ?? 0) / 1000);
    return new ApiError(
      `${x.what}${x.contentType ? ` (${x.contentType})` : ''} did not finish within ${x.timeouts.totalKey ?? 'its deadline'} (${secs}s): the response kept coming too slowly; trying again`,
      undefined,
      undefined,
      { retryable: true, cause: e, context: { tenantId: this.#o.tenantId, url: urlForLog(x.url), contentType: x.contentType, deadlineMs: x.timeouts.totalMs } },
    );
  }

  #networkError(e: unknown, x: Exchange<unknown>): ApiError {
    const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
    const tls = code !== undefined && TLS_CODES.has(code);
    const hint = tls
      ? 'TLS verification failed: if a proxy inspects TLS, add its CA certificate to ca_certs'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the API host name does not resolve: check the cloud setting, api_url and DNS'
        : undefined;
    const msg = e instanceof Error ? redactSecrets(e.message).slice(0, 200) : 'unknown error';
    return new ApiError(`${x.what}${x.contentType ? ` (${x.contentType})` : ''}: network error${code ? ` ${code}` : ''}: ${msg}${hint ? ` — ${hint}` : ''}`, undefined, undefined, {
      retryable: !tls,
      hint,
      cause: e,
      context: { tenantId: this.#o.tenantId, url: urlForLog(x.url), contentType: x.contentType, networkError: code },
    });
  }
}

/** Reads at most `limit` bytes of a body as UTF-8 (the rest is discarded). */
export async function readBounded(body: AsyncIterable<Buffer> & { destroy?: () => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    if (size < limit) chunks.push(c.subarray(0, limit - size));
    size += c.length;
    if (size >= limit * 4) {
      body.destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
