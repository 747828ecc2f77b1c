// Commit pacing: timer and window-end requests keep commits to about a tenth of the time, so a
// catch-up whose checkpoints hold 100,000s of Ids does not spend its CPU re-writing them.

import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import type { StateStore } from '../state/types.js';
import { COMMIT_PACE, Committer, SLOW_COMMIT_MS } from './committer.js';
import { StreamState } from './stream-state.js';
import { MemoryLogger, MemoryOutput } from './testing/test-kit.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A store whose commits take `delayMs`, counting them. */
function slowStore(delayMs: number): StateStore & { commits: number; inner: MemoryStateStore } {
  const inner = new MemoryStateStore();
  const store = {
    commits: 0,
    inner,
    load: () => inner.load(),
    ids: (t: string, ct: string) => inner.ids(t, ct),
    close: () => inner.close(),
    async commit(...args: Parameters<StateStore['commit']>) {
      await sleep(delayMs);
      await inner.commit(...args);
      store.commits++;
    },
  };
  return store;
}

describe('Committer pacing', () => {
  it('after a slow commit, skips requests until its cost is repaid ninefold, then commits again', async () => {
    const store = slowStore(SLOW_COMMIT_MS + 30);
    await store.load();
    const stream = new StreamState('t', 'Audit.Exchange', { cursor: 0 });
    const c = new Committer([new MemoryOutput()], [stream], store, new MemoryLogger(), Date.now);
    const t0 = performance.now();
    await c.commit();
    const cost = performance.now() - t0;
    expect(store.commits).toBe(1);

    stream.addId('id-1', 1);
    stream.version++;
    const ended = performance.now();
    while (store.commits < 2 && performance.now() - ended < 10_000) {
      c.request();
      await sleep(10);
    }
    expect(store.commits).toBe(2);
    // The second commit started no earlier than ~9x the first one's duration after it ended.
    expect(performance.now() - ended).toBeGreaterThanOrEqual(cost * COMMIT_PACE * 0.9);
    expect(store.inner.committedIds('t', 'Audit.Exchange')).toEqual(['id-1']);
  });

  it('after a fast commit, a request commits at once (commit_interval holds for ordinary checkpoints)', async () => {
    const store = slowStore(0);
    await store.load();
    const stream = new StreamState('t', 'Audit.SharePoint', { cursor: 0 });
    const c = new Committer([new MemoryOutput()], [stream], store, new MemoryLogger(), Date.now);
    await c.commit();
    stream.addId('id-3', 3);
    stream.version++;
    c.request();
    await sleep(30);
    expect(store.commits).toBe(2);
  });

  it('an explicit commit() is never paced (shutdown and start-up commits always run)', async () => {
    const store = slowStore(30);
    await store.load();
    const stream = new StreamState('t', 'Audit.General', { cursor: 0 });
    const c = new Committer([new MemoryOutput()], [stream], store, new MemoryLogger(), Date.now);
    await c.commit();
    stream.addId('id-2', 2);
    stream.version++;
    await c.commit();
    expect(store.commits).toBe(2);
    expect(store.inner.committedIds('t', 'Audit.General')).toEqual(['id-2']);
  });

  it('a snapshot is a copy: Ids recorded while a commit is in flight are not in it', async () => {
    const store = slowStore(30);
    await store.load();
    const stream = new StreamState('t', 'DLP.All', { cursor: 0 });
    stream.addId('before', 1);
    const c = new Committer([new MemoryOutput()], [stream], store, new MemoryLogger(), Date.now);
    const p = c.commit();
    stream.addId('after', 2);
    stream.version++;
    await p;
    expect(store.inner.committedIds('t', 'DLP.All')).toEqual(['before']);
    // ...and they come with the next commit.
    await c.commit();
    expect(store.inner.committedIds('t', 'DLP.All')).toEqual(['after', 'before']);
  });
});
