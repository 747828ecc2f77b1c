// collect(): the sink form of the embedding API. Each batch goes to `sink(records, info)`; it is
// acked when the sink's promise resolves. Up to `concurrency` sinks run at once; the checkpoint
// still moves only over batches acked without a gap. A sink that rejects stops the run: its batch
// is not acked (it comes again next run), the others in flight may finish, and collect() rejects.

import type { RunSummary } from '../collector/types.js';
import { abandonBatch } from './batch-channel.js';
import { openInput } from './input.js';
import type { CollectOptions, InputEvents } from './types.js';

export async function collect(options: CollectOptions): Promise<RunSummary> {
  const { sink, concurrency = 1, on, ...inputOptions } = options;
  if (typeof sink !== 'function') throw new TypeError('collect: `sink` must be an async function (records, batch) => Promise<void>');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`collect: concurrency must be an integer >= 1 (got ${String(concurrency)})`);
  const input = openInput(inputOptions);
  for (const [event, listener] of Object.entries(on ?? {})) {
    if (listener) input.on(event as keyof InputEvents, listener as never);
  }

  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const iterator = input[Symbol.asyncIterator]();
  try {
    for (;;) {
      while (inFlight.size >= concurrency && !failure) await Promise.race(inFlight);
      if (failure) break;
      const next = await iterator.next();
      if (next.done) break;
      const batch = next.value;
      const p: Promise<void> = sink(batch.records, { seq: batch.seq, bytes: batch.bytes })
        .then(() => batch.ack())
        .catch((err: unknown) => {
          // Not acked: it comes again next run; the stop need not wait for it.
          (batch as { [abandonBatch]?: () => void })[abandonBatch]?.();
          failure ??= { err };
          void input.stop().catch(() => {});
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  } finally {
    // Sinks already running may still finish and ack during the stop's grace period.
    await Promise.allSettled(inFlight);
  }
  if (failure) {
    await input.stop().catch(() => {});
    throw failure.err;
  }
  // The loop above ran the input to its end, so the run started and has a summary.
  return (await input.stop())!;
}
