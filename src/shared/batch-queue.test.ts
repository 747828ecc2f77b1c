import { describe, expect, it } from 'vitest';
import { O365AuditError, OutputError } from '../errors.js';
import { BatchQueue } from './batch-queue.js';

type Item = { bytes: number; n: number };
const item = (n: number, bytes = 10): Item => ({ bytes, n });

function queue(send: (b: Item[]) => Promise<void>, extra: Partial<ConstructorParameters<typeof BatchQueue<Item>>[0]> = {}): BatchQueue<Item> {
  return new BatchQueue<Item>({ name: 'q', batchMaxBytes: 1000, batchMaxDocs: 3, flushIntervalMs: 0, maxBufferBytes: 10_000, send, ...extra });
}

describe('BatchQueue', () => {
  it('sends full batches on its own, the rest on flush, in order, one request at a time', async () => {
    const sent: number[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const q = queue(async (b) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      sent.push(b.map((i) => i.n));
      inFlight--;
    });
    for (let n = 0; n < 7; n++) q.push(item(n));
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([[0, 1, 2], [3, 4, 5]]);
    await q.flushTo(q.mark());
    expect(sent).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(maxInFlight).toBe(1);
    expect(q.confirmedCount).toBe(7);
  });

  it('sends an item larger than the byte bound alone', async () => {
    const sent: number[][] = [];
    const q = queue(async (b) => void sent.push(b.map((i) => i.n)), { batchMaxDocs: 10, batchMaxBytes: 25 });
    q.push(item(0));
    q.push(item(1, 100));
    q.push(item(2));
    q.push(item(3));
    await q.flushTo(q.mark());
    expect(sent).toEqual([[0], [1], [2, 3]]);
  });

  it('after a failed batch: rejects the flush and waiting writers, then resends that batch first', async () => {
    const sent: number[][] = [];
    let fail = true;
    const q = queue(
      async (b) => {
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new OutputError('down', { retryable: true });
        sent.push(b.map((i) => i.n));
      },
      { batchMaxDocs: 2, maxBufferBytes: 30 },
    );
    q.push(item(0));
    q.push(item(1));
    q.push(item(2));
    const waiting = q.push(item(3));
    expect(waiting).toBeInstanceOf(Promise);
    const flush = q.flushTo(q.mark());
    await expect(flush).rejects.toBeInstanceOf(O365AuditError);
    await expect(waiting).rejects.toMatchObject({ code: 'O365_ERR_OUTPUT' });
    expect(q.confirmedCount).toBe(0);
    fail = false;
    await q.flushTo(q.mark());
    expect(sent).toEqual([[0, 1], [2, 3]]);
  });

  it('wraps a foreign error as a retryable OutputError', async () => {
    const q = queue(async () => {
      throw new Error('socket hang up');
    });
    q.push(item(0));
    await expect(q.flushTo(q.mark())).rejects.toMatchObject({ code: 'O365_ERR_OUTPUT', retryable: true });
  });

  it('flushTo waits only for items up to its mark', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = queue(async (b) => {
      if (b.some((i) => i.n === 1)) await gate;
    }, { batchMaxDocs: 1 });
    q.push(item(0));
    const m = q.mark();
    q.push(item(1));
    await q.flushTo(m);
    const all = q.flushTo(q.mark());
    expect(await isPending(all)).toBe(true);
    release();
    await all;
  });
});

async function isPending(p: Promise<unknown>, ms = 50): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}
