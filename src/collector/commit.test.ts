// The commit protocol: marks and checkpoints are taken together, every output flushes before the
// state commits, a failed flush moves nothing, and a process that dies at any moment (simulated
// here by abandoning a run without its final commit) loses and doubles nothing after a restart.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOutput } from '../outputs/file/file-output.js';
import { MemoryStateStore, type MemoryCommittedState } from '../state/memory-store.js';
import { releaseLock } from '../state/lock-file.js';
import { streamKey, type StateStore, type StreamCheckpoint, type StreamIdBatch } from '../state/types.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, apiError, makeRecords } from './testing/fake-api.js';
import { HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const tick = (ms = 1) => new Promise<void>((r) => setTimeout(r, ms));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'o365-commit-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Wraps a store to record the order of commits relative to output flushes. */
function recording(
  inner: StateStore,
  events: string[],
  commits: Array<{ changed: StreamCheckpoint[]; outputs: Record<string, Record<string, unknown>>; ids: StreamIdBatch[] }>,
): StateStore {
  return {
    load: () => inner.load(),
    close: () => inner.close(),
    ids: (t, ct) => inner.ids(t, ct),
    async commit(changed, outputs, ids = []) {
      events.push('commit');
      commits.push({ changed: structuredClone(changed), outputs: structuredClone(outputs), ids: structuredClone(ids) });
      await inner.commit(changed, outputs, ids);
    },
  };
}

describe('commit protocol', () => {
  it('flushes every output to its mark before committing, and each commit pairs positions with the same records', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' }, recordHook: () => tick(2) });
    // The blob takes >= 200 ms against a 10 ms commit interval, so mid-blob commits happen even on a loaded machine.
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 30 * MIN, records: makeRecords('r', 100) });
    const events: string[] = [];
    const commits: Array<{ changed: StreamCheckpoint[]; outputs: Record<string, Record<string, unknown>>; ids: StreamIdBatch[] }> = [];
    const a = new MemoryOutput('a');
    const b = new MemoryOutput('b');
    a.flushDelayMs = 3;
    b.flushDelayMs = 2;
    a.events.push = (...e: string[]) => events.push(...e.map((x) => `a.${x}`));
    b.events.push = (...e: string[]) => events.push(...e.map((x) => `b.${x}`));
    await createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [a, b],
      state: recording(new MemoryStateStore(), events, commits),
      intervalMs: 10,
      commitIntervalMs: 10,
      logger: new MemoryLogger(),
      now: () => T0,
    }).run({ once: true });
    expect(commits.length).toBeGreaterThanOrEqual(3); // initial, some mid-blob, final
    // Every commit is preceded by a flush of both outputs since the previous commit.
    let sinceCommit = new Set<string>();
    for (const e of events) {
      if (e === 'commit') {
        expect(sinceCommit.has('a') && sinceCommit.has('b')).toBe(true);
        sinceCommit = new Set();
      } else if (e.endsWith('flush:' + e.split(':')[1])) sinceCommit.add(e[0]!);
    }
    // The records counted in each commit's checkpoint are exactly those below its positions.
    let lastSeen = 0;
    for (const c of commits) {
      // Each commit carries the Ids new since the previous one.
      for (const b of c.ids) for (const [, list] of b.groups) lastSeen += list.length;
      expect(c.outputs.a).toEqual({ count: lastSeen });
      expect(c.outputs.b).toEqual({ count: lastSeen });
    }
    expect(commits.some((c) => (c.outputs.a as { count: number }).count > 0 && (c.outputs.a as { count: number }).count < 100)).toBe(true);
    expect(lastSeen).toBe(100);
  });

  it('commits nothing when an output cannot flush, surfaces the error, and fails the run', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 30 * MIN, records: makeRecords('r', 3) });
    const out = new MemoryOutput();
    api.recordHook = () => {
      out.failFlush = true;
    };
    const state = new MemoryStateStore();
    const logger = new MemoryLogger();
    await expect(
      createCollector({
        tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
        outputs: [out],
        state,
        intervalMs: 10,
        commitIntervalMs: 5,
        logger,
        now: () => T0,
      }).run({ once: true }),
    ).rejects.toThrow('sink down');
    expect(state.commits).toBe(1); // only the initial commit, before any record
    expect(state.snapshot().streams.get(streamKey('t', 'Audit.Exchange'))!.cursor).toBe(T0 - HOUR);
    expect(logger.at('error').some((e) => /commit failed/.test(e.msg ?? ''))).toBe(true);
  });

  it('after a crash while a blob is in flight, the restarted collector writes only the missing records', async () => {
    const file = join(dir, 'out.ndjson');
    let pause: (() => void) | undefined;
    let paused: (() => void) | undefined;
    const reachedPause = new Promise<void>((r) => (paused = r));
    const api1 = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api1.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 30 * MIN, records: makeRecords('r', 10) });
    api1.recordHook = (_id, i) => {
      if (i !== 5) return;
      paused?.();
      return new Promise<void>((r) => (pause = r));
    };
    const store1 = new MemoryStateStore();
    const opts = (api: FakeManagementApi, state: StateStore, out: FileOutput) => ({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: [out],
      state,
      intervalMs: 10,
      commitIntervalMs: 5,
      logger: new MemoryLogger(),
      now: () => T0,
    });
    void createCollector(opts(api1, store1, new FileOutput(file))).run({ once: true });
    await reachedPause;
    while (store1.commits < 2) await tick(5); // a commit lands while b1 is half delivered
    const committed: MemoryCommittedState = store1.crash(); // kill -9: no further commit lands
    await releaseLock(`${file}.lock`); // and the dead process no longer holds the output file
    api1.freeze();
    pause?.();
    await tick(20);
    const cp = committed.streams.get(streamKey('t', 'Audit.Exchange'))!;
    expect(Object.keys(cp.doneBlobs)).toEqual([]);
    expect([...committed.ids.get(streamKey('t', 'Audit.Exchange'))!.keys()]).toHaveLength(5);

    const api2 = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api2.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 30 * MIN, records: makeRecords('r', 10) });
    const summary = await createCollector(opts(api2, new MemoryStateStore(committed), new FileOutput(file))).run({ once: true });
    expect(summary.duplicatesDropped).toBe(5);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { Id: string }).Id)).toEqual(makeRecords('r', 10).map((r) => r.Id));
  });

  it('stays exactly-once through crashes at random moments (in-process simulation)', async () => {
    const file = join(dir, 'out.ndjson');
    const types = ['Audit.Exchange', 'Audit.SharePoint'];
    const build = (seedFail: boolean) => {
      const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled', 'Audit.SharePoint': 'enabled' } });
      let n = 0;
      for (const ct of types) {
        for (let b = 0; b < 6; b++) {
          // Blob k repeats the last two records of blob k-1 (duplicates across blobs).
          const recs = makeRecords(`${ct}-${b}`, 15);
          if (b > 0) recs.push(...makeRecords(`${ct}-${b - 1}`, 15).slice(13));
          api.addBlob(ct, { contentId: `${ct}-blob${b}`, contentCreated: T0 - 3 * HOUR + b * 25 * MIN, records: recs });
          n += 15;
        }
      }
      if (seedFail) api.failBlob('Audit.Exchange-blob2', { error: apiError(503, undefined, true), afterRecords: 7, times: 1 });
      api.recordHook = () => (Math.random() < 0.3 ? tick(1) : undefined);
      return { api, n };
    };
    let committed: MemoryCommittedState | undefined;
    let done = false;
    let crashes = 0;
    for (let attempt = 0; attempt < 12 && !done; attempt++) {
      const { api } = build(attempt === 0);
      const store = new MemoryStateStore(committed);
      const run = createCollector({
        tenants: [{ tenantId: 't', contentTypes: types, api, settings: settings({ initialIntervalMs: 4 * HOUR, windowMs: HOUR, blobConcurrency: 3 }) }],
        outputs: [new FileOutput(file, { batchBytes: 300 })],
        state: store,
        intervalMs: 10,
        commitIntervalMs: 3,
        logger: new MemoryLogger(),
        now: () => T0,
      }).run({ once: true });
      const crashAfter = attempt < 8 ? 5 + Math.random() * 40 : 60_000;
      const result = await Promise.race([run.then((s) => s), tick(crashAfter).then(() => undefined)]);
      if (result && result.failedStreams === 0) {
        done = true;
      } else if (result) {
        committed = store.snapshot();
      } else {
        committed = store.crash();
        await releaseLock(`${file}.lock`);
        crashes++;
        api.freeze();
        await tick(15);
      }
    }
    expect(done).toBe(true);
    expect(crashes).toBeGreaterThan(0);
    const ids = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => (JSON.parse(l) as { Id: string }).Id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(2 * 6 * 15);
  });
});
