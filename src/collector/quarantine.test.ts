// The collector and the quarantine: a blob whose body fails the same way after the retries is kept
// and then passed; the entry is durable before any commit lets the cursor pass it; a failing
// quarantine write holds the cursor like any other failure.

import { describe, expect, it } from 'vitest';
import { BadBlobBodyError } from '../errors.js';
import { MemoryQuarantine } from '../state/quarantine.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { streamKey } from '../state/types.js';
import { createCollector } from './collector.js';
import { replayQuarantine } from './replay.js';
import { FakeManagementApi, makeRecords } from './testing/fake-api.js';
import { HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const TENANT = '11111111-1111-4111-8111-111111111111';

function poisoned(): { api: FakeManagementApi; badBody: () => BadBlobBodyError } {
  const api = new FakeManagementApi({ tenantId: TENANT, now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
  api.addBlob('Audit.Exchange', { contentId: 'good1', contentCreated: T0 - 50 * MIN, records: makeRecords('a', 2) });
  api.addBlob('Audit.Exchange', { contentId: 'poison', contentCreated: T0 - 40 * MIN, records: makeRecords('p', 3) });
  api.addBlob('Audit.Exchange', { contentId: 'good2', contentCreated: T0 - 30 * MIN, records: makeRecords('b', 2) });
  const badBody = () => {
    const e = new BadBlobBodyError('blob body ended before the JSON array was complete (at byte 99)', 'truncated', 99);
    e.body = Buffer.from('[{"Id":"p-0"},{"Id":"p-1"},{"Id":"p-');
    return e;
  };
  // The first record arrives, then the body fails: what the real client does after its retries.
  api.failBlob('poison', { error: badBody(), afterRecords: 1 });
  return { api, badBody };
}

function run(api: FakeManagementApi, quarantine: MemoryQuarantine | { putBlob: () => Promise<never> } & Omit<MemoryQuarantine, 'putBlob'>, state = new MemoryStateStore()) {
  const out = new MemoryOutput();
  const logger = new MemoryLogger();
  const collector = createCollector({
    tenants: [{ tenantId: TENANT, contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
    outputs: [out],
    state,
    intervalMs: 10,
    commitIntervalMs: 1_000_000,
    logger,
    now: () => T0,
    quarantine: quarantine as MemoryQuarantine,
  });
  return { out, state, logger, done: collector.run({ once: true }) };
}

describe('collector quarantine', () => {
  it('keeps a poison blob with its bytes and the Ids delivered before the failure, then moves the cursor past it', async () => {
    const { api } = poisoned();
    const q = new MemoryQuarantine();
    const { out, state, logger, done } = run(api, q);
    const summary = await done;
    expect(summary).toMatchObject({ failedStreams: 0, quarantinedBlobs: 1, records: 5, blobs: 2 });
    expect(out.lines.map((l) => (JSON.parse(l) as { Id: string }).Id).sort()).toEqual(['a-0', 'a-1', 'b-0', 'b-1', 'p-0']);
    const [entry] = await q.list();
    expect(entry).toMatchObject({ kind: 'blob', contentId: 'poison', error: { reason: 'truncated', offset: 99 }, deliveredIds: ['p-0'] });
    expect(q.entries.get(`${TENANT}/Audit.Exchange/poison`)!.files.get('body')!.toString()).toBe('[{"Id":"p-0"},{"Id":"p-1"},{"Id":"p-');
    const cp = state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!;
    expect(cp.cursor).toBe(T0);
    expect(cp.totals.quarantinedBlobs).toBe(1);
    expect(logger.at('warn').some((e) => /blob quarantined/.test(e.msg ?? ''))).toBe(true);
  });

  it('a quarantine that cannot be written holds the cursor: the blob is neither done nor passed', async () => {
    const { api } = poisoned();
    const broken = new MemoryQuarantine();
    broken.putBlob = () => Promise.reject(new Error('disk full'));
    const { state, done } = run(api, broken);
    const summary = await done;
    expect(summary.failedStreams).toBe(1);
    expect(summary.quarantinedBlobs).toBe(0);
    const cp = state.snapshot().streams.get(streamKey(TENANT, 'Audit.Exchange'))!;
    expect(cp.cursor).toBeLessThan(T0 - 40 * MIN);
    expect(cp.doneBlobs['poison']).toBeUndefined();
  });

  it('replay of a blob whose body heals but whose records stay bad writes its entry once, as a "records" entry keeping its history', async () => {
    const api = new FakeManagementApi({ tenantId: TENANT, now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'poison', contentCreated: T0 - 40 * MIN, records: [{ Id: 'p-0' }, { Id: 'p-1' }, { NoId: 1 }] });
    const d = { contentType: 'Audit.Exchange', contentId: 'poison', contentUri: 'https://manage.office.com/x/poison', contentCreated: T0 - 40 * MIN, contentExpiration: T0 + 6 * 24 * HOUR };
    const q = new MemoryQuarantine();
    const first = await q.putBlob(TENANT, d, { code: 'O365_ERR_API', reason: 'truncated', message: 'cut', body: Buffer.from('[{"Id":"p-0"},') }, ['p-0']);
    const writes: string[] = [];
    const putRecords = q.putRecords.bind(q);
    const update = q.update.bind(q);
    q.putRecords = (...a) => (writes.push('putRecords'), putRecords(...a));
    q.update = (...a) => (writes.push('update'), update(...a));
    const out = new MemoryOutput();
    const r = await replayQuarantine({
      tenants: [{ tenantId: TENANT, contentTypes: ['Audit.Exchange'], api, settings: settings() }],
      outputs: [out],
      state: new MemoryStateStore(),
      quarantine: q,
      logger: new MemoryLogger(),
      now: () => T0 + HOUR,
    });
    expect(r.blobs).toMatchObject([{ outcome: 'still-bad', delivered: 1, duplicates: 1 }]);
    expect(out.lines.map((l) => (JSON.parse(l) as { Id: string }).Id)).toEqual(['p-1']);
    expect(writes).toEqual(['putRecords']);
    const [entry] = await q.list();
    expect(entry).toMatchObject({
      kind: 'records',
      status: 'quarantined',
      quarantinedAt: first.quarantinedAt,
      deliveredIds: ['p-0', 'p-1'],
      records: [{ offset: 2, reason: 'no_id', file: 'record-2' }],
      replays: [{ at: new Date(T0 + HOUR).toISOString(), outcome: 'still-bad', delivered: 1, duplicates: 1 }],
    });
    expect(q.entries.get(`${TENANT}/Audit.Exchange/poison`)!.files.get('record-2')!.toString()).toBe('{"NoId":1}');
  });
});
