// Retry timing shared by the http and elasticsearch outputs: exponential back-off with full
// jitter (spreads retries of many collectors hitting one overloaded cluster), and Retry-After.

export interface RetryPolicy {
  /** Attempts per batch, the first included (>= 1). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** A server's Retry-After is honoured up to this, so one bad header cannot park the output for a day. */
export const RETRY_AFTER_CAP_MS = 15 * 60_000;

/** Delay before retry number `retry` (1 for the first retry): uniform in [d/2, d], d = base * 2^(retry-1) capped. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/** Milliseconds a Retry-After header asks for (delta-seconds or HTTP-date), or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.min(RETRY_AFTER_CAP_MS, Math.round(Number(t) * 1000));
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, at - now));
}

/** The delay before a retry: the server's Retry-After when it asks for longer than our back-off. */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const ours = backoffDelay(retry, policy);
  return retryAfterMs === undefined ? ours : Math.max(ours, retryAfterMs);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(t);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
