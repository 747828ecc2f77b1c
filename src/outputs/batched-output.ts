// What the batching outputs (elasticsearch, http, kafka) share: a BatchQueue behind mark/flushTo,
// and a close that frees the output's own resources even when the queue fails to drain.
import type { BatchQueue, Sized } from '../shared/batch-queue.js';
import type { OutputPosition } from './types.js';

export abstract class BatchedOutput<T extends Sized> {
  protected abstract readonly queue: BatchQueue<T>;

  mark(): number {
    return this.queue.mark();
  }

  async flushTo(mark: unknown): Promise<OutputPosition | undefined> {
    await this.queue.flushTo(mark);
    return undefined;
  }

  async close(): Promise<void> {
    try {
      await this.queue.close();
    } finally {
      await this.release();
    }
  }

  /** Frees connections and files once the queue is closed (or failed to close). */
  protected abstract release(): Promise<void>;
}
