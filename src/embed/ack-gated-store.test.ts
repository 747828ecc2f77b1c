import { describe, expect, it } from 'vitest';
import type { Logger } from '../collector/types.js';
import { MemoryStateStore } from '../state/memory-store.js';
import type { StreamCheckpoint } from '../state/types.js';
import { AckGatedStore } from './ack-gated-store.js';
import { BatchChannel } from './batch-channel.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const meta = { tenantId: 't', contentType: 'Audit.Exchange', contentId: 'c1' };
const cp = (cursor: number, contentType = 'Audit.Exchange'): StreamCheckpoint => ({
  version: 1,
  tenantId: 't',
  contentType,
  cursor,
  doneBlobs: {},
  seenIds: {},
  totals: { records: 0, blobs: 0, lostBlobs: 0, lostSpans: 0, duplicatesDropped: 0 },
  updatedAt: cursor,
});
const tick = () => new Promise((r) => setTimeout(r, 5));

function setup() {
  const ch = new BatchChannel({ batchSize: 10, batchBytes: 1e6, maxUnackedBatches: 10, maxUnackedBytes: 1e6 });
  const inner = new MemoryStateStore();
  const checkpoints: number[] = [];
  const gate = new AckGatedStore(inner, ch, 'embed', quiet, { onCheckpoint: (t) => checkpoints.push(t), onError: () => {} }, 50);
  /** One batch written and committed with the given stream cursor. */
  const commitBatch = async (cursor: number, ct?: string) => {
    ch.write(`{"Id":"${cursor}"}`, meta);
    const through = ch.mark();
    await gate.commit([cp(cursor, ct)], { embed: { through } });
    return ch.take()!;
  };
  const cursors = () => [...inner.snapshot().streams.values()].map((s) => `${s.contentType}@${s.cursor}`).sort();
  return { ch, inner, gate, checkpoints, commitBatch, cursors };
}

describe('ack-gated state store', () => {
  it('writes a commit only once every batch it covers is acked, merged in order', async () => {
    const { gate, checkpoints, commitBatch, cursors } = setup();
    const b1 = await commitBatch(100);
    const b2 = await commitBatch(200, 'DLP.All');
    const b3 = await commitBatch(300);
    await tick();
    expect(cursors()).toEqual([]);
    await b2.ack();
    await b3.ack();
    await tick();
    expect(cursors()).toEqual([]); // batch 1 is not acked: nothing may move
    await b1.ack();
    await tick();
    expect(cursors()).toEqual(['Audit.Exchange@300', 'DLP.All@200']);
    expect(checkpoints.at(-1)).toBe(3);
    await gate.close();
  });

  it('stops at a gap: commits after an unacked batch stay in memory only', async () => {
    const { gate, commitBatch, cursors, inner } = setup();
    const b1 = await commitBatch(100);
    await commitBatch(200);
    const b3 = await commitBatch(300);
    await b1.ack();
    await b3.ack();
    await tick();
    expect(cursors()).toEqual(['Audit.Exchange@100']);
    expect(inner.snapshot().outputs).toEqual({}); // its own position is not stored
    gate.stop();
    await gate.close(); // batch 2 was handed out: the grace period passes, then it closes anyway
    expect(cursors()).toEqual(['Audit.Exchange@100']);
  });

  it('a run that ended by itself closes only after the last batches are acked', async () => {
    const { gate, commitBatch, cursors } = setup();
    const b1 = await commitBatch(100);
    let closed = false;
    const closing = gate.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100)); // longer than the grace: it is not a stop
    expect(closed).toBe(false);
    await b1.ack();
    await closing;
    expect(cursors()).toEqual(['Audit.Exchange@100']);
  });
});
