// Behaviour of the collector against the in-memory fake API: windows, overlap, de-duplication,
// cursor rules on failures, isolation between streams and tenants, and the summary figures.

import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { streamKey } from '../state/types.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, apiError, makeRecords } from './testing/fake-api.js';
import { DAY, HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';
import type { StreamSettings } from './types.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const TENANT = '11111111-1111-4111-8111-111111111111';

function setup(opts: { contentTypes?: string[]; settings?: Partial<StreamSettings>; state?: MemoryStateStore; api?: FakeManagementApi } = {}) {
  let now = T0;
  const clock = () => now;
  const contentTypes = opts.contentTypes ?? ['Audit.Exchange'];
  const api =
    opts.api ??
    new FakeManagementApi({ tenantId: TENANT, now: clock, subscriptions: Object.fromEntries(contentTypes.map((c) => [c, 'enabled' as const])) });
  const out = new MemoryOutput();
  const state = opts.state ?? new MemoryStateStore();
  const logger = new MemoryLogger();
  const make = () =>
    createCollector({
      tenants: [{ tenantId: TENANT, contentTypes, api, settings: settings(opts.settings) }],
      outputs: [out],
      state,
      intervalMs: 50,
      commitIntervalMs: 1_000_000,
      logger,
      now: clock,
    });
  return { api, out, state, logger, make, setNow: (t: number) => (now = t), clock };
}

const ids = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { Id: string }).Id);

describe('collector windows', () => {
  it('lists half-open windows of at most windowMs, each starting lookbackMs before the cursor, up to now', async () => {
    const { api, make } = setup({ settings: { initialIntervalMs: 5 * HOUR, windowMs: 2 * HOUR, lookbackMs: 30 * MIN } });
    const summary = await make().run({ once: true });
    expect(summary.failedStreams).toBe(0);
    const c0 = T0 - 5 * HOUR;
    expect(api.calls.list.map((c) => [c.start - c0, c.end - c0])).toEqual([
      [-30 * MIN, 2 * HOUR],
      [2 * HOUR - 30 * MIN, 4 * HOUR],
      [4 * HOUR - 30 * MIN, 5 * HOUR],
    ]);
  });

  it('delivers every record of every blob once, even when windows overlap and blobs repeat records', async () => {
    const s = setup({ settings: { initialIntervalMs: 3 * HOUR, windowMs: HOUR } });
    const c0 = T0 - 3 * HOUR;
    // b1 and b2 sit in the lookback overlap of the second window; b3 (second window) repeats two
    // records of b1, within the dedup horizon (lookback + margin behind the cursor).
    s.api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: c0 + 40 * MIN, records: makeRecords('a', 5) });
    s.api.addBlob('Audit.Exchange', { contentId: 'b2', contentCreated: c0 + 50 * MIN, records: makeRecords('b', 3) });
    s.api.addBlob('Audit.Exchange', { contentId: 'b3', contentCreated: c0 + 70 * MIN, records: [...makeRecords('a', 2), ...makeRecords('c', 2)] });
    const summary = await s.make().run({ once: true });
    expect(ids(s.out.lines).sort()).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'b-0', 'b-1', 'b-2', 'c-0', 'c-1']);
    expect(summary.records).toBe(10);
    expect(summary.blobs).toBe(3);
    expect(summary.duplicatesDropped).toBe(2);
    // b2 was listed twice (second window's lookback) but fetched once.
    expect(s.api.calls.fetch.filter((c) => c === 'b2')).toHaveLength(1);
  });

  it('catches a late-listed blob through the lookback overlap', async () => {
    const s = setup({ settings: { initialIntervalMs: 2 * HOUR, windowMs: HOUR, lookbackMs: 30 * MIN } });
    const created = T0 - 10 * MIN; // created inside the last window, but listed only 15 min later
    s.api.addBlob('Audit.Exchange', { contentId: 'late', contentCreated: created, visibleFrom: T0 + 5 * MIN, records: makeRecords('late', 2) });
    await s.make().run({ once: true });
    expect(s.out.lines).toHaveLength(0);
    s.setNow(T0 + 20 * MIN);
    await s.make().run({ once: true });
    expect(ids(s.out.lines)).toEqual(['late-0', 'late-1']);
    const last = s.api.calls.list.at(-1)!;
    expect(last.start).toBe(T0 - 30 * MIN);
    expect(last.end).toBe(T0 + 20 * MIN);
  });

  it('reports the span the API refuses as older than 7 days as lost, loudly, and then lists within the API limit', async () => {
    const state = new MemoryStateStore();
    const s1 = setup({ state, settings: { initialIntervalMs: HOUR } });
    await s1.make().run({ once: true });
    // Down for 8 days.
    const s2 = setup({ state, settings: { initialIntervalMs: HOUR, windowMs: 24 * HOUR } });
    s2.setNow(T0 + 8 * DAY);
    const lostEvents: unknown[] = [];
    const summary = await s2.make().on('lostSpan', (span) => lostEvents.push(span)).run({ once: true });
    expect(summary.lostSpans).toBe(1);
    expect(lostEvents).toEqual([{ tenantId: TENANT, contentType: 'Audit.Exchange', from: T0, to: T0 + 8 * DAY - 7 * DAY + 5 * MIN }]);
    const lostMs = summary.streams[0]!.lostSpanMs;
    expect(lostMs).toBe(T0 + 8 * DAY - 7 * DAY + 5 * MIN - T0);
    expect(s2.logger.at('error').some((e) => /DATA LOST/.test(e.msg ?? ''))).toBe(true);
    // The stale window is tried once (the API refuses it); everything after starts within 7 days.
    expect(s2.api.calls.list[0]!.start).toBe(T0);
    for (const c of s2.api.calls.list.slice(1)) {
      expect(c.start).toBeGreaterThanOrEqual(T0 + 8 * DAY - 7 * DAY);
      expect(c.end - c.start).toBeLessThanOrEqual(24 * HOUR);
    }
    expect(summary.failedStreams).toBe(0);
    expect(state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!.totals.lostSpans).toBe(1);
  });

  it('starts at now with only_future_events, and never reaches past 7 days on a first run', async () => {
    const s = setup({ settings: { onlyFutureEvents: true } });
    await s.make().run({ once: true });
    expect(s.api.calls.list).toHaveLength(0);
    expect(s.state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!.cursor).toBe(T0);
    const s2 = setup({ settings: { initialIntervalMs: 7 * DAY, windowMs: 24 * HOUR } });
    const summary = await s2.make().run({ once: true });
    expect(summary.lostSpans).toBe(0);
    expect(s2.api.calls.list[0]!.start).toBe(T0 - 7 * DAY + 5 * MIN);
  });
});

describe('collector failures', () => {
  it('keeps the cursor on a transient blob failure and delivers the rest once on the next run', async () => {
    const s = setup({ settings: { initialIntervalMs: HOUR } });
    s.api.addBlob('Audit.Exchange', { contentId: 'ok', contentCreated: T0 - 50 * MIN, records: makeRecords('ok', 3) });
    s.api.addBlob('Audit.Exchange', { contentId: 'cut', contentCreated: T0 - 40 * MIN, records: makeRecords('cut', 4) });
    // Fails on every whole-window attempt of the first run (3), then works.
    s.api.failBlob('cut', { error: apiError(503, undefined, true), afterRecords: 2, times: 3 });
    const first = await s.make().run({ once: true });
    expect(first.failedStreams).toBe(1);
    expect(first.streams[0]!.error).toMatchObject({ code: 'O365_ERR_API' });
    const cp = s.state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!;
    expect(cp.cursor).toBe(T0 - HOUR);
    expect(Object.keys(cp.doneBlobs)).toEqual(['ok']);
    expect(s.state.committedIds(TENANT, 'Audit.Exchange')).toEqual(['cut-0', 'cut-1', 'ok-0', 'ok-1', 'ok-2']);
    const second = await s.make().run({ once: true });
    expect(second.failedStreams).toBe(0);
    expect(ids(s.out.lines).sort()).toEqual(['cut-0', 'cut-1', 'cut-2', 'cut-3', 'ok-0', 'ok-1', 'ok-2']);
    expect(second.duplicatesDropped).toBe(2);
    expect(s.state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!.cursor).toBe(T0);
  });

  it('lists a window again within the same run after a passing failure, delivering every record once', async () => {
    const s = setup({ settings: { initialIntervalMs: HOUR } });
    s.api.addBlob('Audit.Exchange', { contentId: 'ok', contentCreated: T0 - 50 * MIN, records: makeRecords('ok', 3) });
    s.api.addBlob('Audit.Exchange', { contentId: 'cut', contentCreated: T0 - 40 * MIN, records: makeRecords('cut', 4) });
    s.api.failBlob('cut', { error: apiError(503, undefined, true), afterRecords: 2, times: 1 });
    const run = await s.make().run({ once: true });
    expect(run.failedStreams).toBe(0);
    expect(ids(s.out.lines).sort()).toEqual(['cut-0', 'cut-1', 'cut-2', 'cut-3', 'ok-0', 'ok-1', 'ok-2']);
    expect(s.state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!.cursor).toBe(T0);
  });

  it('moves on past a blob the API says is gone (AF20050/AF20051/404), expired ones included, counting them lost', async () => {
    const s = setup({ settings: { initialIntervalMs: HOUR } });
    s.api.addBlob('Audit.Exchange', { contentId: 'gone', contentCreated: T0 - 50 * MIN, records: makeRecords('g', 2) });
    s.api.failBlob('gone', { error: apiError(400, 'AF20051'), afterRecords: 1 });
    s.api.addBlob('Audit.Exchange', { contentId: 'nf', contentCreated: T0 - 45 * MIN, records: makeRecords('n', 2) });
    s.api.failBlob('nf', { error: apiError(404, undefined) });
    s.api.addBlob('Audit.Exchange', { contentId: 'exp', contentCreated: T0 - 44 * MIN, contentExpiration: T0 - MIN, records: makeRecords('e', 1) });
    s.api.addBlob('Audit.Exchange', { contentId: 'fine', contentCreated: T0 - 40 * MIN, records: makeRecords('f', 1) });
    const lost: string[] = [];
    const summary = await s.make().on('lostBlob', (b) => lost.push(`${b.contentId}: ${b.reason}`)).run({ once: true });
    expect(summary.lostBlobs).toBe(3);
    expect(lost.sort()).toEqual([expect.stringMatching(/^exp: \S/), expect.stringMatching(/^gone: .*AF20051/), expect.stringMatching(/^nf: .*404/)]);
    expect(summary.failedStreams).toBe(0);
    // Past its contentExpiration: still fetched, lost only because the API refuses it (AF20051).
    expect(s.api.calls.fetch).toContain('exp');
    expect(ids(s.out.lines).sort()).toEqual(['f-0', 'g-0']);
    expect(s.state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!.cursor).toBe(T0);
  });

  it('isolates streams: DLP.All failing with 401 does not block Audit.Exchange', async () => {
    const s = setup({ contentTypes: ['Audit.Exchange', 'DLP.All'], settings: { initialIntervalMs: HOUR } });
    s.api.addBlob('Audit.Exchange', { contentId: 'x', contentCreated: T0 - 30 * MIN, records: makeRecords('x', 2) });
    s.api.failList('DLP.All', apiError(401, undefined, false, 'grant ActivityFeed.ReadDlp'), 10);
    const errors: string[] = [];
    const c = s.make();
    c.on('streamError', (st) => errors.push(st.contentType));
    const summary = await c.run({ once: true });
    expect(ids(s.out.lines)).toEqual(['x-0', 'x-1']);
    expect(summary.failedStreams).toBe(1);
    expect(errors).toEqual(['DLP.All']);
    const dlp = summary.streams.find((x) => x.contentType === 'DLP.All')!;
    expect(dlp.error).toMatchObject({ code: 'O365_ERR_API', hint: 'grant ActivityFeed.ReadDlp' });
  });

  it('isolates tenants: one tenant failing everything does not stop another', async () => {
    const now = () => T0;
    const good = new FakeManagementApi({ tenantId: 'good', now, subscriptions: { 'Audit.General': 'enabled' } });
    const bad = new FakeManagementApi({ tenantId: 'bad', now, subscriptions: { 'Audit.General': 'enabled' } });
    good.addBlob('Audit.General', { contentId: 'g', contentCreated: T0 - 10 * MIN, records: makeRecords('good', 3) });
    bad.failList('Audit.General', apiError(403, 'AF10001'), 5);
    bad.failListSubscriptions(apiError(403, 'AF10001'));
    const out = new MemoryOutput();
    const summary = await createCollector({
      tenants: [
        { tenantId: 'bad', contentTypes: ['Audit.General'], api: bad, settings: settings({ initialIntervalMs: HOUR }) },
        { tenantId: 'good', contentTypes: ['Audit.General'], api: good, settings: settings({ initialIntervalMs: HOUR }) },
      ],
      outputs: [out],
      state: new MemoryStateStore(),
      intervalMs: 10,
      commitIntervalMs: 1000,
      logger: new MemoryLogger(),
      now,
    }).run({ once: true });
    expect(ids(out.lines)).toEqual(['good-0', 'good-1', 'good-2']);
    expect(summary.failedStreams).toBe(1);
  });

  it('bounds blob downloads per tenant across its streams, not per stream', async () => {
    const s = setup({ contentTypes: ['Audit.Exchange', 'Audit.SharePoint', 'Audit.General'], settings: { initialIntervalMs: HOUR, blobConcurrency: 2 } });
    for (const ct of ['Audit.Exchange', 'Audit.SharePoint', 'Audit.General']) {
      for (let b = 0; b < 4; b++) s.api.addBlob(ct, { contentId: `${ct}${b}`, contentCreated: T0 - 40 * MIN + b, records: makeRecords(`${ct}${b}`, 2) });
    }
    let inFlight = 0;
    let max = 0;
    const fetch = s.api.fetchBlob.bind(s.api);
    s.api.fetchBlob = async (d, o) => {
      max = Math.max(max, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        await fetch(d, o);
      } finally {
        inFlight--;
      }
    };
    const summary = await s.make().run({ once: true });
    expect(summary.blobs).toBe(12);
    expect(max).toBe(2);
  });

  it('fetches the blobs closest to expiry first', async () => {
    const s = setup({ settings: { initialIntervalMs: HOUR, blobConcurrency: 1 } });
    s.api.addBlob('Audit.Exchange', { contentId: 'late-exp', contentCreated: T0 - 50 * MIN, contentExpiration: T0 + 3 * DAY, records: makeRecords('x', 1) });
    s.api.addBlob('Audit.Exchange', { contentId: 'soon-exp', contentCreated: T0 - 40 * MIN, contentExpiration: T0 + HOUR, records: makeRecords('y', 1) });
    s.api.addBlob('Audit.Exchange', { contentId: 'mid-exp', contentCreated: T0 - 30 * MIN, contentExpiration: T0 + DAY, records: makeRecords('z', 1) });
    await s.make().run({ once: true });
    expect(s.api.calls.fetch).toEqual(['soon-exp', 'mid-exp', 'late-exp']);
  });
});
