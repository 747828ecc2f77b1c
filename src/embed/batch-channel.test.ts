import { describe, expect, it } from 'vitest';
import { BatchChannel } from './batch-channel.js';

const meta = { tenantId: 't', contentType: 'Audit.Exchange', contentId: 'c1' };
const rec = (i: number) => JSON.stringify({ Id: `id-${i}`, n: i });

describe('batch channel', () => {
  it('seals a batch only at a mark, with the records written before it', () => {
    const ch = new BatchChannel({ batchSize: 10, batchBytes: 1e6, maxUnackedBatches: 10, maxUnackedBytes: 1e6 });
    ch.write(rec(1), meta);
    ch.write(rec(2), meta);
    expect(ch.take()).toBeUndefined();
    expect(ch.mark()).toBe(1);
    expect(ch.mark()).toBe(1); // nothing new: no empty batch
    const b = ch.take()!;
    expect(b.seq).toBe(1);
    expect(b.records.map((r) => r.id)).toEqual(['id-1', 'id-2']);
    expect(b.records[0]).toMatchObject({ raw: rec(1), tenantId: 't', contentType: 'Audit.Exchange', contentId: 'c1', tenant: undefined });
    expect(b.bytes).toBe(rec(1).length + rec(2).length);
  });

  it('the acked prefix moves only over contiguous acks', async () => {
    const ch = new BatchChannel({ batchSize: 10, batchBytes: 1e6, maxUnackedBatches: 10, maxUnackedBytes: 1e6 });
    const seen: number[] = [];
    ch.onAckedThrough = (t) => seen.push(t);
    const batches = [1, 2, 3, 4].map((i) => {
      ch.write(rec(i), meta);
      ch.mark();
      return ch.take()!;
    });
    await batches[1]!.ack();
    await batches[3]!.ack();
    expect(ch.ackedThrough).toBe(0);
    await batches[0]!.ack();
    expect(ch.ackedThrough).toBe(2);
    await batches[0]!.ack(); // twice: harmless
    await batches[2]!.ack();
    expect(ch.ackedThrough).toBe(4);
    expect(seen).toEqual([2, 4]);
    expect(ch.unackedCount).toBe(0);
  });

  it('a full batch asks for a commit after the write step, and the write waits until it is sealed', async () => {
    const ch = new BatchChannel({ batchSize: 2, batchBytes: 1e6, maxUnackedBatches: 10, maxUnackedBytes: 1e6 });
    let requests = 0;
    let duringWrite = true;
    ch.bindCommitRequest(() => {
      requests++;
      expect(duringWrite).toBe(false);
      ch.mark();
    });
    expect(ch.write(rec(1), meta)).toBeUndefined();
    const wait = ch.write(rec(2), meta);
    duringWrite = false;
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    expect(requests).toBe(1);
    expect(ch.take()!.records).toHaveLength(2);
  });

  it('writes wait at the unacked bound and go on when a batch is acked', async () => {
    const ch = new BatchChannel({ batchSize: 100, batchBytes: 1e6, maxUnackedBatches: 2, maxUnackedBytes: 1e6 });
    ch.write(rec(1), meta);
    ch.mark();
    ch.write(rec(2), meta);
    ch.mark();
    const wait = ch.write(rec(3), meta);
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void (wait as Promise<void>).then(() => (released = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false);
    await ch.take()!.ack();
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toBe(true);
  });

  it('writes wait at the byte bound, counting the open batch', () => {
    const ch = new BatchChannel({ batchSize: 100, batchBytes: 1e6, maxUnackedBatches: 100, maxUnackedBytes: 50 });
    expect(ch.write('x'.repeat(30), meta)).toBeUndefined();
    expect(ch.write('x'.repeat(30), meta)).toBeInstanceOf(Promise);
    expect(ch.heldBytes).toBe(60);
  });

  it('at the batch bound a mark leaves the open batch unsealed; an ack makes room and asks for the commit that seals it', async () => {
    const ch = new BatchChannel({ batchSize: 100, batchBytes: 1e6, maxUnackedBatches: 1, maxUnackedBytes: 1e6 });
    let requests = 0;
    ch.bindCommitRequest(() => {
      requests++;
      ch.mark();
    });
    ch.write(rec(1), meta);
    expect(ch.mark()).toBe(1);
    const first = ch.take()!;
    void ch.write(rec(2), meta);
    expect(ch.mark()).toBe(2); // stands for the batch that will hold record 2
    expect(ch.take()).toBeUndefined();
    expect(ch.unackedCount).toBe(1);
    await first.ack();
    await new Promise((r) => setTimeout(r, 0));
    expect(requests).toBe(1);
    const second = ch.take()!;
    expect(second.seq).toBe(2);
    expect(second.records.map((r) => r.id)).toEqual(['id-2']);
  });
});
