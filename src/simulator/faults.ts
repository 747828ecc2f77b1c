// Fault decisions. Transient faults (throttles, 5xx, cut bodies, delays) are decided per request key
// (blob, listing page, subscription call) and attempt number, so the same seed faults the same
// attempts whatever the concurrency; a key never faults more than `maxConsecutive` times in a row,
// so retries always get through. Structural faults (late, expired, foreign, duplicates) are shares
// of blobs or listings, decided by hash and read live, so setFaults applies at once.

import { hash, hashStr, unit } from './rng.js';
import type { FaultOptions, FaultRate, PoisonFault } from './types.js';

export type TransientFault = 'throttle403' | 'throttle429' | 'serverError' | 'unknownAf5' | 'cutBody' | 'slow';

const SALT: Record<TransientFault, number> = { throttle403: 1, throttle429: 2, serverError: 3, unknownAf5: 4, cutBody: 5, slow: 6 };

interface Rate {
  rate: number;
  count: number;
}

function rateOf(v: FaultRate | undefined): Rate {
  if (v === undefined) return { rate: 0, count: Infinity };
  if (typeof v === 'number') return { rate: v, count: Infinity };
  return { rate: v.rate, count: v.count ?? Infinity };
}

export class FaultState {
  private opts: FaultOptions = {};
  private readonly rates = new Map<TransientFault, Rate>();
  private readonly fired = new Map<TransientFault, number>();
  private readonly attempts = new Map<string, number>();
  private readonly streak = new Map<string, number>();
  private responses = 0;

  constructor(
    private readonly seed: number,
    initial: FaultOptions,
    private readonly maxConsecutive: number,
  ) {
    this.set(initial);
  }

  set(partial: FaultOptions): void {
    this.opts = { ...this.opts, ...partial };
    for (const name of Object.keys(SALT) as TransientFault[]) {
      if (name in partial) {
        this.rates.set(name, rateOf(this.opts[name] as FaultRate | undefined));
        this.fired.set(name, 0);
      }
    }
  }

  get options(): FaultOptions {
    return this.opts;
  }

  /**
   * Which transient fault (if any) hits this attempt of `key`. Each fault is drawn independently;
   * the first that fires in `order` wins. Call once per request.
   */
  draw(key: string, order: readonly TransientFault[]): TransientFault | undefined {
    // No fault of this kind is on: keep no per-key state (long benchmark runs make many keys).
    if (!order.some((name) => (this.rates.get(name)?.rate ?? 0) > 0)) return undefined;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const streak = this.streak.get(key) ?? 0;
    if (streak >= this.maxConsecutive) {
      this.streak.delete(key);
      return undefined;
    }
    const k = hashStr(key);
    for (const name of order) {
      const r = this.rates.get(name);
      if (r === undefined || r.rate <= 0) continue;
      const fired = this.fired.get(name) ?? 0;
      if (fired >= r.count) continue;
      if (unit(hash(this.seed, k, attempt, SALT[name])) < r.rate) {
        this.fired.set(name, fired + 1);
        if (name !== 'slow') this.streak.set(key, streak + 1);
        return name;
      }
    }
    this.streak.delete(key);
    return undefined;
  }

  /**
   * A share-type fault drawn per attempt of `key` (same streak cap as transient faults), for faults a
   * client may legitimately retry past, such as a foreign NextPageUri on the last listing page.
   */
  drawShare(name: 'foreignNextPage', key: string): boolean {
    const rate = this.share(name);
    if (rate <= 0) return false;
    const k = `${key}|${name}`;
    const attempt = (this.attempts.get(k) ?? 0) + 1;
    this.attempts.set(k, attempt);
    const streak = this.streak.get(k) ?? 0;
    if (streak < this.maxConsecutive && unit(hash(this.seed, hashStr(k), attempt, 0xf7)) < rate) {
      this.streak.set(k, streak + 1);
      return true;
    }
    this.streak.delete(k);
    return false;
  }

  /** A per-request draw in [0, 1) for secondary choices (500 vs 503, where to cut). */
  detail(key: string, salt: number): number {
    return unit(hash(this.seed, hashStr(key), this.attempts.get(key) ?? 0, salt));
  }

  slowDelayMs(): number {
    const s = this.opts.slow;
    return typeof s === 'object' && 'delayMs' in s && s.delayMs !== undefined ? s.delayMs : 250;
  }

  retryAfterSeconds(): number {
    const t = this.opts.throttle429;
    return typeof t === 'object' && 'retryAfterSeconds' in t && t.retryAfterSeconds !== undefined ? t.retryAfterSeconds : 1;
  }

  /** How far this response's Date header is off (0 without the dateSkew fault). */
  dateSkewMs(): number {
    const d = this.opts.dateSkew;
    if (d === undefined) return 0;
    const { ms, rate = 1 } = typeof d === 'number' ? { ms: d } : d;
    if (rate >= 1) return ms;
    return unit(hash(this.seed, ++this.responses, 0xda7e)) < rate ? ms : 0;
  }

  /** Interval between bytes when the body for `key` (a listing page or a blob) trickles, else undefined. */
  trickleMs(key: string, kind: 'listings' | 'blobs'): number | undefined {
    const t = this.opts.trickleBody;
    if (t === undefined || t[kind] === false) return undefined;
    const rate = t.rate ?? 1;
    // Per URL, not per attempt: the same body trickles on every retry.
    if (rate < 1 && unit(hash(this.seed, hashStr(key), 0x7a1c)) >= rate) return undefined;
    return t.intervalMs ?? 1000;
  }

  tokenLifetime(defaultSeconds: number): number {
    const st = this.opts.shortTokens;
    if (st === undefined || st === false) return defaultSeconds;
    return st === true ? 5 : st;
  }

  /** Shares of blobs carrying copies of earlier records: nearby (duplicateRecords) and days older (distantRepeats). */
  dupShares(): { near: number; far: number; farGapMs: number } {
    const d = this.opts.distantRepeats;
    const far = d === undefined ? 0 : typeof d === 'number' ? d : d.rate;
    const gapHours = typeof d === 'object' && d.minGapHours !== undefined ? d.minGapHours : 24;
    return { near: this.share('duplicateRecords'), far, farGapMs: gapHours * 3_600_000 };
  }

  lateListed(): { rate: number; delayMs: number; maxLagMs: number } {
    const l = this.opts.lateListed;
    if (l === undefined) return { rate: 0, delayMs: 0, maxLagMs: 0 };
    if (typeof l === 'number') return { rate: l, delayMs: 30_000, maxLagMs: 600_000 };
    return { rate: l.rate, delayMs: (l.delaySeconds ?? 30) * 1000, maxLagMs: (l.maxLagSeconds ?? 600) * 1000 };
  }

  /** The poison fault of blob b of a feed, if one is set. */
  poisonOf(tenantIndex: number, contentType: string, b: number): PoisonFault | undefined {
    return this.opts.poison?.find((p) => (p.tenant ?? 0) === tenantIndex && p.contentType === contentType && p.blob === b);
  }

  share(name: 'duplicateRecords' | 'expiredContent' | 'foreignContentUri' | 'foreignNextPage' | 'missingSubscription'): number {
    return this.opts[name] ?? 0;
  }
}
