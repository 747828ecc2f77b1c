// A StateStore in front of the real one that makes a commit durable only once the consumer has
// acked every batch it covers. The collector's commits arrive at once (the embed output does not
// wait), each carrying the last sealed batch (`through`); they queue here and are written, merged
// in order, as soon as the contiguous acked prefix reaches them. A crash loses only the queue:
// the state on disk never covers a batch that was not acked, so such a batch is fetched again.
// Record Ids wait in the queue with their checkpoints; ids() answers from the queue and the index,
// so a repeat arriving meanwhile is still recognised.

import type { Logger } from '../collector/types.js';
import { errorInfo } from '../collector/errors-info.js';
import { streamKey, type CommittedState, type StateStore, type StreamCheckpoint, type StreamIdBatch, type StreamIds } from '../state/types.js';
import type { BatchChannel } from './batch-channel.js';

interface Pending {
  through: number;
  changed: Map<string, StreamCheckpoint>;
  outputs: Record<string, Record<string, unknown>>;
  ids: StreamIdBatch[];
}

export interface AckGateHooks {
  /** The checkpoint on disk now covers every batch up to `through`. */
  onCheckpoint(through: number): void;
  /** A durable write failed; it is retried at the next ack or commit. */
  onError(err: unknown): void;
}

export class AckGatedStore implements StateStore {
  private readonly pending: Pending[] = [];
  /** Per stream key: Id -> contentCreated of the Ids in `pending`. */
  private readonly queuedIds = new Map<string, Map<string, number>>();
  private writing: Promise<void> = Promise.resolve();
  private drainQueued = false;
  private stopping = false;
  private graceOver = false;
  /** Last through written to disk. */
  durableThrough = 0;

  constructor(
    private readonly inner: StateStore,
    private readonly channel: BatchChannel,
    private readonly outputName: string,
    private readonly logger: Logger,
    private readonly hooks: AckGateHooks,
    /** On a stop, how long close() waits for batches already handed out to be acked. */
    private readonly ackGraceMs: number,
  ) {
    channel.onAckedThrough = () => this.drain();
  }

  load(): Promise<CommittedState> {
    return this.inner.load();
  }

  ids(tenantId: string, contentType: string): StreamIds {
    const inner = this.inner.ids(tenantId, contentType);
    const key = streamKey(tenantId, contentType);
    return {
      has: (id) => this.queuedIds.get(key)?.has(id) === true || inner.has(id),
      deliveredAt: (created) => {
        const out = new Set(inner.deliveredAt(created));
        for (const [id, c] of this.queuedIds.get(key) ?? []) if (c === created) out.add(id);
        return [...out];
      },
    };
  }

  async commit(changed: StreamCheckpoint[], outputs: Record<string, Record<string, unknown>>, ids: StreamIdBatch[] = []): Promise<void> {
    for (const b of ids) {
      const key = streamKey(b.tenantId, b.contentType);
      let m = this.queuedIds.get(key);
      if (m === undefined) this.queuedIds.set(key, (m = new Map()));
      for (const [created, list] of b.groups) for (const id of list) m.set(id, created);
    }
    const { [this.outputName]: own, ...rest } = outputs;
    const through = typeof own?.through === 'number' ? own.through : 0;
    const last = this.pending.at(-1);
    // Commits that cover the same batches become durable together: merging keeps the queue as
    // short as the unacked batches, however often a stalled consumer's streams move their cursors.
    if (last && last.through === through) {
      for (const cp of changed) last.changed.set(streamKey(cp.tenantId, cp.contentType), cp);
      last.outputs = rest;
      last.ids.push(...ids);
    } else {
      this.pending.push({ through, changed: new Map(changed.map((cp) => [streamKey(cp.tenantId, cp.contentType), cp])), outputs: rest, ids: [...ids] });
    }
    this.drain();
  }

  /** The run is stopping on request: close() waits only for batches already handed out. */
  stop(): void {
    this.stopping = true;
    this.channel.wake();
  }

  async close(): Promise<void> {
    // A run that ended by itself hands every remaining batch to the consumer and waits for the
    // acks (no time limit: a slow shipper is not an error). A stop waits for the handed-out ones
    // for a grace period; the rest come again next run.
    let grace: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        if (this.channel.unackedCount === 0 && this.channel.openCount === 0) break;
        if (this.stopping) {
          if (this.channel.outstanding === 0 || this.graceOver) break;
          grace ??= setTimeout(() => {
            this.graceOver = true;
            this.channel.wake();
          }, this.ackGraceMs);
        }
        await this.channel.nextChange();
      }
    } finally {
      if (grace) clearTimeout(grace);
    }
    this.drain();
    await this.writing;
    await this.inner.close();
  }

  private drain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    this.writing = this.writing.then(async () => {
      this.drainQueued = false;
      await this.writeAcked();
    });
  }

  private async writeAcked(): Promise<void> {
    const acked = this.channel.ackedThrough;
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.through <= acked) n++;
    if (n === 0) return;
    const take = this.pending.slice(0, n);
    const merged = new Map<string, StreamCheckpoint>();
    for (const p of take) for (const [k, cp] of p.changed) merged.set(k, cp);
    try {
      await this.inner.commit(
        [...merged.values()],
        take[n - 1]!.outputs,
        take.flatMap((p) => p.ids),
      );
    } catch (err) {
      this.logger.error({ err: errorInfo(err) }, 'checkpoint write failed: nothing moved forward; retrying at the next ack');
      this.hooks.onError(err);
      return;
    }
    this.pending.splice(0, n);
    for (const p of take) {
      for (const b of p.ids) {
        const m = this.queuedIds.get(streamKey(b.tenantId, b.contentType));
        if (m !== undefined) for (const [, list] of b.groups) for (const id of list) m.delete(id);
      }
    }
    this.durableThrough = take[n - 1]!.through;
    this.hooks.onCheckpoint(this.durableThrough);
  }
}
