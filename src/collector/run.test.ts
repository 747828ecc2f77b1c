// Run modes and the summary: continuous polling until aborted (then flush, commit, close),
// a reader closing stdout ends the run cleanly, back-pressure bounds in-flight records, and the
// summary adds up the API's counters and each stream's figures.

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RefusedUrlError } from '../errors.js';
import { StdoutOutput } from '../outputs/stdout/stdout-output.js';
import type { Output, OutputPosition } from '../outputs/types.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { streamKey } from '../state/types.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, makeRecords } from './testing/fake-api.js';
import { HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';
import type { StreamStats } from './types.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const tick = (ms = 1) => new Promise<void>((r) => setTimeout(r, ms));

describe('collector runs', () => {
  it('polls until aborted, picks up new blobs each round, then commits and closes outputs and state', async () => {
    let now = T0;
    const api = new FakeManagementApi({ tenantId: 't', now: () => now, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 10 * MIN, records: makeRecords('one', 2) });
    const out = new MemoryOutput();
    const state = new MemoryStateStore();
    let stateClosed = false;
    const ac = new AbortController();
    const progress: StreamStats[] = [];
    const c = createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [out],
      state: { load: () => state.load(), commit: (a, b, c) => state.commit(a, b, c), ids: (t, ct) => state.ids(t, ct), close: async () => void (stateClosed = true) },
      intervalMs: 20,
      commitIntervalMs: 1_000_000,
      logger: new MemoryLogger(),
      now: () => now,
    });
    c.on('progress', (s) => progress.push({ ...s }));
    const running = c.run({ once: false, signal: ac.signal });
    while (out.lines.length < 2) await tick(5);
    now = T0 + 5 * MIN;
    api.addBlob('Audit.Exchange', { contentId: 'b2', contentCreated: T0 + 2 * MIN, records: makeRecords('two', 3) });
    while (out.lines.length < 5) await tick(5);
    ac.abort();
    const summary = await running;
    expect(summary.records).toBe(5);
    expect(summary.failedStreams).toBe(0);
    expect(out.events.at(-1)).toBe('close');
    expect(stateClosed).toBe(true);
    expect(progress.map((p) => p.blobs)).toEqual([1, 2]);
    const cp = state.snapshot().streams.get(streamKey('t', 'Audit.Exchange'))!;
    expect(cp.cursor).toBeGreaterThanOrEqual(T0 + 2 * MIN);
    expect(state.committedIds('t', 'Audit.Exchange')).toHaveLength(5);
  });

  it('abort mid-blob stops cleanly: what was written is committed, the rest comes next run, once', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' }, recordHook: () => tick(2) });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 10 * MIN, records: makeRecords('r', 30) });
    const out = new MemoryOutput();
    const state = new MemoryStateStore();
    const ac = new AbortController();
    const make = () =>
      createCollector({
        tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
        outputs: [out],
        state,
        intervalMs: 20,
        commitIntervalMs: 1_000_000,
        logger: new MemoryLogger(),
        now: () => T0,
      });
    const running = make().run({ once: true, signal: ac.signal });
    while (out.lines.length < 5) await tick(2);
    ac.abort();
    const first = await running;
    expect(first.failedStreams).toBe(1); // did not catch up
    const written = out.lines.length;
    expect(written).toBeLessThan(30);
    expect(state.committedIds('t', 'Audit.Exchange')).toHaveLength(written);
    api.recordHook = undefined;
    const second = await make().run({ once: true });
    expect(second.failedStreams).toBe(0);
    expect(new Set(out.lines).size).toBe(30);
    expect(out.lines).toHaveLength(30);
  });

  it('ends the run cleanly when the reader of stdout goes away (EPIPE)', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 10 * MIN, records: makeRecords('r', 10) });
    let writes = 0;
    const pipe = new Writable({
      write(_c, _e, cb) {
        if (++writes > 3) cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else cb();
      },
    });
    pipe.on('error', () => {});
    const ac = new AbortController();
    const state = new MemoryStateStore();
    const summary = await createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [new StdoutOutput({ stream: pipe, onReaderGone: () => ac.abort() })],
      state,
      intervalMs: 10,
      commitIntervalMs: 1_000_000,
      logger: new MemoryLogger(),
      now: () => T0,
    }).run({ once: false, signal: ac.signal });
    expect(summary.records).toBeGreaterThan(0);
    // Nothing after the initial commit was committed: the next run delivers the records again.
    expect(state.snapshot().streams.get(streamKey('t', 'Audit.Exchange'))!.cursor).toBe(T0 - HOUR);
  });

  it('an output that never accepts again cannot keep an aborted run from ending', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 10 * MIN, records: makeRecords('r', 10) });
    let writes = 0;
    const never = new Promise<never>(() => {});
    const stuck: Output = {
      name: 'stuck',
      async open() {},
      write: () => (++writes >= 3 ? never : undefined),
      mark: () => writes,
      flushTo: async (m) => (writes > 0 && (m as number) > 0 ? never : undefined),
      async close() {},
    };
    const ac = new AbortController();
    const running = createCollector(
      {
        tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
        outputs: [stuck],
        state: new MemoryStateStore(),
        intervalMs: 10,
        commitIntervalMs: 1_000_000,
        logger: new MemoryLogger(),
        now: () => T0,
      },
      { shutdownTimeoutMs: 50 },
    ).run({ once: false, signal: ac.signal });
    while (writes < 3) await tick(2);
    ac.abort();
    await expect(running).rejects.toMatchObject({ code: 'O365_ERR_OUTPUT' });
  });

  it('a --once run that ends by itself waits for a slow but working output beyond the shutdown bound', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 10 * MIN, records: makeRecords('r', 10) });
    let writes = 0;
    let confirmed = 0;
    const slowCluster: Output = {
      name: 'slow',
      async open() {},
      write: () => void writes++,
      mark: () => writes,
      // Each flush takes 4x the shutdown bound, like a busy cluster indexing a backlog.
      flushTo: async (m) => {
        await tick(200);
        confirmed = m as number;
        return { confirmed };
      },
      async close() {},
    };
    const state = new MemoryStateStore();
    const summary = await createCollector(
      {
        tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
        outputs: [slowCluster],
        state,
        intervalMs: 10,
        commitIntervalMs: 1_000_000,
        logger: new MemoryLogger(),
        now: () => T0,
      },
      { shutdownTimeoutMs: 50 },
    ).run({ once: true });
    expect(summary.records).toBe(10);
    expect(confirmed).toBe(10);
    expect(state.snapshot().streams.get(streamKey('t', 'Audit.Exchange'))!.cursor).toBe(T0);
  });

  it('bounds records in flight by output back-pressure', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    for (let b = 0; b < 4; b++) api.addBlob('Audit.Exchange', { contentId: `b${b}`, contentCreated: T0 - 50 * MIN + b * MIN, records: makeRecords(`b${b}`, 50) });
    let queued = 0;
    let maxQueued = 0;
    let written = 0;
    const slow: Output = {
      name: 'slow',
      async open() {},
      write() {
        queued++;
        maxQueued = Math.max(maxQueued, queued);
        if (queued >= 10) {
          return tick(1).then(() => {
            written += queued;
            queued = 0;
          });
        }
      },
      mark: () => written + queued,
      async flushTo(): Promise<OutputPosition | undefined> {
        return undefined;
      },
      async close() {},
    };
    const summary = await createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR, blobConcurrency: 4 }) }],
      outputs: [slow],
      state: new MemoryStateStore(),
      intervalMs: 10,
      commitIntervalMs: 1_000_000,
      logger: new MemoryLogger(),
      now: () => T0,
    }).run({ once: true });
    expect(summary.records).toBe(200);
    expect(maxQueued).toBeLessThanOrEqual(10 + 4); // one more record per concurrent blob at most
  });

  it('sums the API counters and stream figures into the summary', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled', 'Audit.General': 'enabled' } });
    api.counters.retries = 7; // before the run: not counted
    api.addBlob('Audit.Exchange', { contentId: 'a', contentCreated: T0 - 30 * MIN, records: [...makeRecords('a', 3), { Operation: 'NoId' }] });
    api.addBlob('Audit.General', { contentId: 'g', contentCreated: T0 - 20 * MIN, records: [...makeRecords('g', 2), ...makeRecords('g', 1)] });
    api.recordHook = () => {
      api.counters.retries++;
      api.counters.throttled++;
    };
    api.counters.refusedUrls = 1;
    const logger = new MemoryLogger();
    const summary = await createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange', 'Audit.General'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [new MemoryOutput()],
      state: new MemoryStateStore(),
      intervalMs: 10,
      commitIntervalMs: 1_000_000,
      logger,
      now: () => T0,
    }).run({ once: true });
    expect(summary).toMatchObject({ records: 5, blobs: 2, retries: 7, throttles: 7, refusedUrls: 0, duplicatesDropped: 1, lostBlobs: 0, lostSpans: 0, quarantinedBlobs: 0, quarantinedRecords: 1, failedStreams: 0 });
    expect(summary.streams.map((s) => [s.contentType, s.records, s.blobs, s.quarantinedRecords, s.caughtUp])).toEqual([
      ['Audit.Exchange', 3, 1, 1, true],
      ['Audit.General', 2, 1, 0, true],
    ]);
    expect(logger.at('warn').some((e) => /1 record\(s\) quarantined, not delivered: record has no "Id"/.test(e.msg ?? ''))).toBe(true);
  });

  it('counts a refused URL once, from the API client that refused it: no stream figure says otherwise', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'a', contentCreated: T0 - 30 * MIN, records: makeRecords('a', 2) });
    // As the real client does: the URL guard counts the refusal, then the fetch fails with it.
    const fetchBlob = api.fetchBlob.bind(api);
    let refuse = true;
    api.fetchBlob = async (d, o) => {
      if (!refuse) return fetchBlob(d, o);
      refuse = false;
      api.counters.refusedUrls++;
      throw new RefusedUrlError('contentUri points outside the API origin; not fetched', { tenantId: 't', contentId: d.contentId });
    };
    const summary = await createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [new MemoryOutput()],
      state: new MemoryStateStore(),
      intervalMs: 10,
      commitIntervalMs: 1_000_000,
      logger: new MemoryLogger(),
      now: () => T0,
    }).run({ once: true });
    expect(summary).toMatchObject({ records: 2, refusedUrls: 1, failedStreams: 0 });
    expect(summary.streams[0]).not.toHaveProperty('refusedUrls');
  });
});
