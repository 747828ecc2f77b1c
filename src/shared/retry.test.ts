import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryDelay } from './retry.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, retryAfterCapMs: 60_000 };

describe('retry timing', () => {
  it('doubles per retry within [d/2, d] and caps at maxDelay', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-05-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['2'], now)).toBe(2000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('Wed, 01 May 2024 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 30 Apr 2024 00:00:10 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('waits for the longer of the back-off and Retry-After (+ up to 10%), Retry-After capped by the policy', () => {
    expect(retryDelay(1, policy, 5000, () => 0)).toBe(5000);
    expect(retryDelay(1, policy, 5000, () => 1)).toBe(5500);
    expect(retryDelay(1, policy, 1, () => 0)).toBe(50);
    expect(retryDelay(1, policy, 999_999_000, () => 0)).toBe(60_000);
    expect(retryDelay(2, policy, undefined, () => 1)).toBe(200);
  });
});
