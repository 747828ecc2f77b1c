import { describe, expect, it } from 'vitest';
import { pause, sleep } from './sleep.js';

describe('sleep', () => {
  it('rejects with the abort reason as soon as the signal aborts, and at once when already aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = sleep(10_000, ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(p).rejects.toThrow('stop');
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect(sleep(10_000, ac.signal)).rejects.toThrow('stop');
  });

  it('pause resolves early on abort instead of rejecting', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(pause(10_000, ac.signal)).resolves.toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(2_000);
  });
});
