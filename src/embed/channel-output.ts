// The embedding consumer as an Output of the collector: write/mark go to the batch channel, and
// flushTo() reports the sealed batch the mark stands for instead of waiting for its ack. Waiting
// would hold the collector's one-at-a-time commits on the oldest unacked batch, so no later batch
// could be sealed; the ack gate (ack-gated-store.ts) makes the commit durable once acked instead.

import type { Output, OutputPosition, RecordMeta } from '../outputs/types.js';
import type { BatchChannel } from './batch-channel.js';

export const EMBED_OUTPUT_NAME = 'embed';

export class ChannelOutput implements Output {
  readonly name = EMBED_OUTPUT_NAME;

  constructor(private readonly channel: BatchChannel) {}

  async open(): Promise<void> {
    // Nothing to reconcile: what the last run did not get acked was never committed.
  }

  write(raw: string, meta: RecordMeta, id: string | undefined): void | Promise<void> {
    // The splitter's Id, as the collector passes it (Output.write's third argument).
    return this.channel.write(raw, meta, id);
  }

  mark(): number {
    return this.channel.mark();
  }

  async flushTo(mark: unknown): Promise<OutputPosition> {
    return { through: mark as number };
  }

  async close(): Promise<void> {
    this.channel.releaseWriters();
  }

  bindCommitRequest(request: () => void): void {
    this.channel.bindCommitRequest(request);
  }
}
