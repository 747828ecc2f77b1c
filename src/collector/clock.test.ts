// Time: the collector's "now" is this machine's clock; the API's Date header (a skewed server, a
// proxy) never moves a cursor past it, a server clock that is behind holds cursors back, a skew is
// reported (log, summary, checkpoint), and nothing is declared lost while the clocks disagree:
// blobs only when the API refuses them, spans only when the API refuses to list them.

import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { streamKey } from '../state/types.js';
import { SKEW_TOLERANCE_MS, TenantClock } from './clock.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, makeRecords } from './testing/fake-api.js';
import { DAY, HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';
import type { StreamSettings } from './types.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const TENANT = '22222222-2222-4222-8222-222222222222';
const CT = 'Audit.Exchange';

/** A collector whose machine clock is `local`; the fake API keeps its own clock `server` and sends Date = server + dateSkewMs. */
function setup(o: { state?: MemoryStateStore; settings?: Partial<StreamSettings>; dateSkewMs?: number; local?: () => number; server?: () => number } = {}) {
  const local = o.local ?? (() => T0);
  const api = new FakeManagementApi({ tenantId: TENANT, now: o.server ?? local, clientNow: local, subscriptions: { [CT]: 'enabled' }, ...(o.dateSkewMs !== undefined ? { dateSkewMs: o.dateSkewMs } : {}) });
  const out = new MemoryOutput();
  const state = o.state ?? new MemoryStateStore();
  const logger = new MemoryLogger();
  const make = () =>
    createCollector({ tenants: [{ tenantId: TENANT, contentTypes: [CT], api, settings: settings(o.settings) }], outputs: [out], state, intervalMs: 20, commitIntervalMs: 1_000_000, logger, now: local });
  const cp = () => state.snapshot().streams.get(streamKey(TENANT, CT))!;
  return { api, out, state, logger, make, cp };
}

const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { Id: string }).Id).sort();

describe('API Date ahead of this machine (+8 days)', () => {
  it('never moves the cursor past this machine\'s clock, marks nothing lost, reports the skew, and the next run without skew goes on', async () => {
    const state = new MemoryStateStore();
    const s = setup({ state, dateSkewMs: 8 * DAY, settings: { initialIntervalMs: 2 * HOUR } });
    s.api.addBlob(CT, { contentId: 'a', contentCreated: T0 - 90 * MIN, records: makeRecords('a', 3) });
    s.api.addBlob(CT, { contentId: 'b', contentCreated: T0 - 10 * MIN, records: makeRecords('b', 2) });
    const first = await s.make().run({ once: true });
    expect(ids(s.out.lines)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
    expect(first).toMatchObject({ lostBlobs: 0, lostSpans: 0, failedStreams: 0 });
    expect(s.cp().cursor).toBeLessThanOrEqual(T0);
    expect(first.clockSkews).toEqual([{ tenantId: TENANT, skewMs: expect.closeTo(8 * DAY, -4) as number }]);
    expect(first.streams[0]!.clockSkewMs).toBeGreaterThan(8 * DAY - 2000);
    expect(s.cp().clockSkew?.skewMs).toBeGreaterThan(8 * DAY - 2000);
    expect(s.logger.at('warn').some((e) => /clock skew/.test(e.msg ?? ''))).toBe(true);
    expect(s.logger.at('error')).toEqual([]);

    // Skew gone, one hour later: the new blob arrives, nothing twice, the checkpoint forgets the skew.
    const s2 = setup({ state, local: () => T0 + HOUR, settings: { initialIntervalMs: 2 * HOUR } });
    s2.api.dateSkewMs = 0;
    s2.api.addBlob(CT, { contentId: 'a', contentCreated: T0 - 90 * MIN, records: makeRecords('a', 3) });
    s2.api.addBlob(CT, { contentId: 'b', contentCreated: T0 - 10 * MIN, records: makeRecords('b', 2) });
    s2.api.addBlob(CT, { contentId: 'c', contentCreated: T0 + 30 * MIN, records: makeRecords('c', 1) });
    const second = await s2.make().run({ once: true });
    expect(ids(s2.out.lines)).toEqual(['c-0']);
    expect(second).toMatchObject({ lostBlobs: 0, lostSpans: 0, failedStreams: 0, clockSkews: [] });
    expect(s2.cp().clockSkew).toBeUndefined();
    expect(s2.cp().cursor).toBeGreaterThan(T0 + HOUR - 2000);
  });

  it('fetches a blob whose contentExpiration has passed by the clocks, and counts it lost only when the API refuses it', async () => {
    const s = setup({ dateSkewMs: 0, settings: { initialIntervalMs: 2 * HOUR } });
    // Listed as expired a minute ago, but the API still serves it (its own clock, queueing, rounding).
    s.api.addBlob(CT, { contentId: 'late', contentCreated: T0 - 90 * MIN, contentExpiration: T0 - MIN, servedUntil: T0 + HOUR, records: makeRecords('late', 2) });
    // Listed as expired and refused by the API (AF20051): that one is lost.
    s.api.addBlob(CT, { contentId: 'gone', contentCreated: T0 - 80 * MIN, contentExpiration: T0 - MIN, records: makeRecords('gone', 1) });
    const summary = await s.make().run({ once: true });
    expect(ids(s.out.lines)).toEqual(['late-0', 'late-1']);
    expect(summary.lostBlobs).toBe(1);
    expect(s.api.calls.fetch.sort()).toEqual(['gone', 'late']);
  });
});

describe('API Date behind this machine (-8 days)', () => {
  it('holds the cursor, fails the stream with O365_ERR_CLOCK_SKEW and a hint, declares nothing lost; the run after the skew delivers everything once', async () => {
    const state = new MemoryStateStore();
    const first = setup({ state, settings: { initialIntervalMs: 2 * HOUR } });
    first.api.addBlob(CT, { contentId: 'a', contentCreated: T0 - 90 * MIN, records: makeRecords('a', 2) });
    await first.make().run({ once: true });
    expect(ids(first.out.lines)).toEqual(['a-0', 'a-1']);
    const before = first.cp().cursor;

    let now = T0 + 2 * HOUR;
    const s = setup({ state, local: () => now, dateSkewMs: -8 * DAY, settings: { initialIntervalMs: 2 * HOUR } });
    s.api.addBlob(CT, { contentId: 'b', contentCreated: T0 + HOUR, records: makeRecords('b', 2) });
    const held = await s.make().run({ once: true });
    expect(held.failedStreams).toBe(1);
    expect(held.streams[0]!.error).toMatchObject({ code: 'O365_ERR_CLOCK_SKEW' });
    expect(held.streams[0]!.error!.hint).toMatch(/NTP/);
    expect(held).toMatchObject({ lostBlobs: 0, lostSpans: 0 });
    expect(s.cp().cursor).toBe(before);
    expect(s.cp().clockSkew?.skewMs).toBeLessThan(-8 * DAY + 2000);
    expect(s.out.lines).toEqual([]);

    now = T0 + 3 * HOUR;
    s.api.dateSkewMs = 0;
    const after = await s.make().run({ once: true });
    expect(after).toMatchObject({ failedStreams: 0, lostBlobs: 0, lostSpans: 0, clockSkews: [] });
    expect(ids(s.out.lines)).toEqual(['b-0', 'b-1']);
    expect(s.cp().clockSkew).toBeUndefined();
  });

  it('a first run under that skew starts from this machine\'s clock, so the run after it reports no lost span', async () => {
    let now = T0;
    const s = setup({ local: () => now, dateSkewMs: -8 * DAY, settings: { initialIntervalMs: 6 * DAY, windowMs: DAY } });
    s.api.addBlob(CT, { contentId: 'old', contentCreated: T0 - 5 * DAY, records: makeRecords('old', 1) });
    const held = await s.make().run({ once: true });
    expect(held).toMatchObject({ lostSpans: 0, lostBlobs: 0, failedStreams: 1 });
    // The skew ends; a skewed reading counts for 10 minutes after the last response that showed it.
    s.api.dateSkewMs = 0;
    now += 11 * MIN;
    const after = await s.make().run({ once: true });
    expect(after).toMatchObject({ lostSpans: 0, lostBlobs: 0, failedStreams: 0 });
    expect(ids(s.out.lines)).toEqual(['old-0']);
    expect(s.logger.at('error')).toEqual([]);
  });
});

describe('a span the API refuses as older than 7 days', () => {
  it('is not declared lost while the clocks disagree, and is once they agree', async () => {
    const state = new MemoryStateStore();
    await setup({ state, settings: { initialIntervalMs: HOUR } }).make().run({ once: true });
    // Down for 8 days; the API's Date is 10 minutes ahead (beyond the tolerance).
    let now = T0 + 8 * DAY;
    const s = setup({ state, local: () => now, dateSkewMs: 10 * MIN, settings: { initialIntervalMs: HOUR, windowMs: DAY } });
    const skewed = await s.make().run({ once: true });
    expect(skewed.lostSpans).toBe(0);
    expect(skewed.streams[0]!.error).toMatchObject({ code: 'O365_ERR_CLOCK_SKEW' });
    expect(s.cp().cursor).toBe(T0);
    expect(s.cp().totals.lostSpans).toBe(0);
    s.api.dateSkewMs = 0;
    now += 11 * MIN;
    const agreed = await s.make().run({ once: true });
    expect(agreed.lostSpans).toBe(1);
    expect(agreed.failedStreams).toBe(0);
    expect(s.logger.at('error').filter((e) => /DATA LOST/.test(e.msg ?? ''))).toHaveLength(1);
  });
});

describe('no false alarm', () => {
  it('a first run with initial_interval 7d whose clock moves on before listing reports no lost span and logs no error', async () => {
    // The clock advances 3 s on every read: the first cursor (the floor at start) is older than the
    // floor at the first listing, which main reported as "DATA LOST".
    let now = T0;
    const local = () => (now += 3000);
    const s = setup({ local, server: () => now, dateSkewMs: 0, settings: { initialIntervalMs: 7 * DAY, windowMs: DAY } });
    s.api.addBlob(CT, { contentId: 'edge', contentCreated: T0 - 7 * DAY + 8 * MIN, records: makeRecords('edge', 1) });
    s.api.addBlob(CT, { contentId: 'mid', contentCreated: T0 - 3 * DAY, records: makeRecords('mid', 1) });
    const summary = await s.make().run({ once: true });
    expect(summary).toMatchObject({ lostSpans: 0, lostBlobs: 0, failedStreams: 0 });
    expect(s.logger.at('error')).toEqual([]);
    expect(ids(s.out.lines)).toEqual(['edge-0', 'mid-0']);
  });
});

describe('TenantClock', () => {
  it('is quiet within the tolerance, warns once beyond it, and says when it is gone', () => {
    let now = T0;
    const api = new FakeManagementApi({ tenantId: TENANT, now: () => now, dateSkewMs: SKEW_TOLERANCE_MS - 5000 });
    const logger = new MemoryLogger();
    const c = new TenantClock(api, () => now, logger, { tenant: TENANT });
    void api.listSubscriptions();
    expect(c.read()).toMatchObject({ skewed: false, target: now });
    api.dateSkewMs = 10 * MIN;
    void api.listSubscriptions();
    expect(c.read()).toMatchObject({ skewed: true, target: now });
    c.read();
    expect(logger.at('warn')).toHaveLength(1);
    // A skew on some responses only still counts while it is recent, then is forgotten.
    api.dateSkewMs = 0;
    void api.listSubscriptions();
    expect(c.read().skewed).toBe(true);
    now += 11 * MIN;
    void api.listSubscriptions();
    expect(c.read().skewed).toBe(false);
    expect(logger.at('info').some((e) => /clock skew gone/.test(e.msg ?? ''))).toBe(true);
    expect(c.worstSkewMs).toBeGreaterThan(10 * MIN - 1000);
  });

  it('peek() gives the same view as read() with no side effect: no log, worstSkewMs unchanged', () => {
    let now = T0;
    const api = new FakeManagementApi({ tenantId: TENANT, now: () => now, dateSkewMs: 10 * MIN });
    const logger = new MemoryLogger();
    const c = new TenantClock(api, () => now, logger, { tenant: TENANT });
    void api.listSubscriptions();
    const peeked = c.peek();
    expect(peeked).toMatchObject({ skewed: true, target: now });
    expect(logger.at('warn')).toEqual([]);
    expect(c.worstSkewMs).toBeUndefined();
    expect(c.read()).toEqual(peeked);
    expect(logger.at('warn')).toHaveLength(1);
    // The skew goes: peek() says so, but only read() logs it.
    api.dateSkewMs = 0;
    now += 11 * MIN;
    void api.listSubscriptions();
    expect(c.peek().skewed).toBe(false);
    expect(logger.at('info')).toEqual([]);
    c.read();
    expect(logger.at('info').some((e) => /clock skew gone/.test(e.msg ?? ''))).toBe(true);
  });

  it('collector status() reads the clock without logging (a scrape or probe is silent)', async () => {
    let now = T0;
    const s = setup({ local: () => now, dateSkewMs: 10 * MIN, settings: { initialIntervalMs: HOUR } });
    const collector = s.make();
    await collector.run({ once: true });
    expect(s.logger.at('warn').filter((e) => /clock skew/.test(e.msg ?? ''))).toHaveLength(1);
    expect(collector.status()?.tenants[0]).toMatchObject({ clockSkewed: true });
    // The skew goes (forgotten 10 minutes after the last response that showed it): status() shows
    // it, but only the collector's own reads would log it.
    s.api.dateSkewMs = 0;
    now += 11 * MIN;
    void s.api.listSubscriptions();
    expect(collector.status()?.tenants[0]).toMatchObject({ clockSkewed: false });
    expect(s.logger.at('info').filter((e) => /clock skew/.test(e.msg ?? ''))).toEqual([]);
  });

  it('holds the target behind a server clock that is behind', () => {
    const now = T0;
    const api = new FakeManagementApi({ tenantId: TENANT, now: () => now, dateSkewMs: -2 * MIN });
    const c = new TenantClock(api, () => now, new MemoryLogger(), {});
    void api.listSubscriptions();
    const v = c.read();
    expect(v.skewed).toBe(false);
    expect(v.target).toBeLessThanOrEqual(now - 2 * MIN);
    expect(v.target).toBeGreaterThan(now - 2 * MIN - 1000);
  });
});
