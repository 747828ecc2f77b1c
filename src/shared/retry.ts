// The one retry timing, shared by the Management API client and the outputs: exponential back-off
// with jitter (spreads the retries of many collectors hitting one overloaded server), and the
// server's Retry-After (seconds or HTTP date) when it asks for longer, capped.

export interface RetryPolicy {
  /** Attempts per request or batch, the first included (>= 1). */
  maxAttempts: number;
  /** First back-off ceiling, ms; doubles per retry. */
  baseDelayMs: number;
  /** Back-off ceiling, ms. */
  maxDelayMs: number;
  /** Longest Retry-After honoured, ms, so one bad header cannot park the caller for a day. */
  retryAfterCapMs: number;
}

/** The Management API client's defaults. */
export const API_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 60_000, retryAfterCapMs: 5 * 60_000 });
/** The shipping outputs' defaults (elasticsearch, http, kafka), as their schemas document them (src/outputs/build.test.ts keeps the two equal). */
export const OUTPUT_RETRY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 30_000, retryAfterCapMs: 15 * 60_000 });

/** Delay before retry number `retry` (1 for the first retry): uniform in [d/2, d], d = base * 2^(retry-1) capped. */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/** Milliseconds a Retry-After header asks for (delta-seconds or HTTP-date, from `now`), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The delay before retry number `retry`: our back-off, or the server's Retry-After (capped) when it
 * asks for longer. A Retry-After gets up to +10% jitter so clients throttled together do not all
 * come back in the same instant.
 */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ours = backoffDelay(retry, policy, random);
  if (retryAfterMs === undefined) return ours;
  const theirs = Math.min(retryAfterMs, policy.retryAfterCapMs);
  return theirs > ours ? Math.round(theirs * (1 + random() * 0.1)) : ours;
}
