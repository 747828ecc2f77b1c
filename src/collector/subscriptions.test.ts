// Subscriptions: started when missing or not enabled, restarted after AF20022/AF20023 with a
// warning, at most once per 15 minutes per content type (persisted across runs), never stopped.

import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { streamKey } from '../state/types.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, apiError, makeRecords } from './testing/fake-api.js';
import { HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const TENANT = 't1';

function world(subscriptions: Record<string, 'enabled' | 'disabled' | undefined>, contentTypes: string[]) {
  let now = T0;
  const clock = () => now;
  const api = new FakeManagementApi({ tenantId: TENANT, now: clock, subscriptions });
  const state = new MemoryStateStore();
  const logger = new MemoryLogger();
  const out = new MemoryOutput();
  const run = () =>
    createCollector({
      tenants: [{ tenantId: TENANT, contentTypes, api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [out],
      state,
      intervalMs: 10,
      commitIntervalMs: 100_000,
      logger,
      now: clock,
    }).run({ once: true });
  return { api, state, logger, out, run, setNow: (t: number) => (now = t) };
}

describe('subscriptions', () => {
  it('lists once and starts only the content types that are missing or not enabled', async () => {
    const w = world({ 'Audit.Exchange': 'enabled', 'Audit.SharePoint': 'disabled' }, ['Audit.Exchange', 'Audit.SharePoint', 'Audit.General']);
    const summary = await w.run();
    expect(w.api.calls.listSubscriptions).toBe(1);
    expect(w.api.calls.start.map((s) => s.contentType).sort()).toEqual(['Audit.General', 'Audit.SharePoint']);
    expect(summary.failedStreams).toBe(0);
    expect(w.state.snapshot().streams.get(streamKey(TENANT, 'Audit.General'))!.lastStartAt).toBe(T0);
  });

  it('treats a subscription listed without status as "try start"', async () => {
    const w = world({ 'Audit.Exchange': undefined }, ['Audit.Exchange']);
    w.api.subscriptions.set('Audit.Exchange', undefined); // present in the list, no status
    await w.run();
    expect(w.api.calls.start.map((s) => s.contentType)).toEqual(['Audit.Exchange']);
  });

  it('on AF20023 while listing, starts the subscription, warns that the disabled period is lost, and retries', async () => {
    const w = world({ 'Audit.Exchange': 'enabled' }, ['Audit.Exchange']);
    w.api.addBlob('Audit.Exchange', { contentId: 'b', contentCreated: T0 - 10 * MIN, records: makeRecords('r', 2) });
    w.api.failList('Audit.Exchange', apiError(400, 'AF20023'));
    const summary = await w.run();
    expect(w.api.calls.start).toHaveLength(1);
    expect(summary.failedStreams).toBe(0);
    expect(w.out.lines).toHaveLength(2);
    expect(w.logger.at('warn').some((e) => (e.obj as { afCode?: string }).afCode === 'AF20023' && /lost/.test(e.msg ?? ''))).toBe(true);
  });

  it('starts at most once per 15 minutes per content type, across runs', async () => {
    const w = world({}, ['Audit.Exchange']);
    w.api.failStart('Audit.Exchange', apiError(500, 'AF50000', true), 1);
    const first = await w.run(); // start fails; listing then says AF20022, but the 15-min rule holds
    expect(w.api.calls.start).toHaveLength(1);
    expect(first.failedStreams).toBe(1);
    expect(first.streams[0]!.error?.afCode).toBe('AF20022');

    w.setNow(T0 + 10 * MIN);
    const second = await w.run();
    expect(w.api.calls.start).toHaveLength(1); // still within 15 min of the persisted lastStartAt
    expect(second.failedStreams).toBe(1);

    w.setNow(T0 + 16 * MIN);
    const third = await w.run();
    expect(w.api.calls.start).toHaveLength(2);
    expect(third.failedStreams).toBe(0);
  });
});
