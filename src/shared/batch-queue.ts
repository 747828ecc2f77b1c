// The delivery core of the batching outputs (http, elasticsearch, kafka): queues records, cuts batches bounded by
// bytes and count, sends one batch at a time (so "confirmed" is always a prefix of what was
// written), and resolves flushTo(mark) only once every record up to the mark is confirmed.

import { OutputError } from '../errors.js';

export interface Sized {
  /** Bytes this item adds to a request body (and to the memory bound). */
  bytes: number;
}

export interface BatchQueueOptions<T extends Sized> {
  /** Output name, for errors. */
  name: string;
  batchMaxBytes: number;
  batchMaxDocs: number;
  /** A partial batch waits at most this long before it is sent (0: only on flush or when full). */
  flushIntervalMs: number;
  /** Queued plus in-flight bytes above which write() makes the caller wait. */
  maxBufferBytes: number;
  /** Delivers one batch: resolves once every item is accepted, rejects when it gives up. */
  send: (batch: T[]) => Promise<void>;
}

interface FlushWaiter {
  mark: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BatchQueue<T extends Sized> {
  private pending: T[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  /** Items pushed so far; a mark is this count. */
  private written = 0;
  /** Items accepted by the destination (always the first `confirmed` pushed). */
  private confirmed = 0;
  private flushTarget = 0;
  private pump: Promise<void> | undefined;
  private failure: OutputError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushWaiters: FlushWaiter[] = [];
  private spaceWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(private readonly opts: BatchQueueOptions<T>) {}

  get confirmedCount(): number {
    return this.confirmed;
  }

  get bufferedBytes(): number {
    return this.pendingBytes + this.inFlightBytes;
  }

  push(item: T): void | Promise<void> {
    this.pending.push(item);
    this.pendingBytes += item.bytes;
    this.written++;
    if (this.batchFull()) this.kick();
    else this.armTimer();
    if (this.bufferedBytes > this.opts.maxBufferBytes) {
      // A failed queue gets a new round of attempts here rather than leaving the writer waiting forever.
      this.kick();
      return new Promise<void>((resolve, reject) => this.spaceWaiters.push({ resolve, reject }));
    }
  }

  mark(): number {
    return this.written;
  }

  /** Resolves when every item up to `mark` is confirmed; rejects with the OutputError of a failed batch. */
  flushTo(mark: unknown): Promise<void> {
    const m = typeof mark === 'number' ? Math.min(mark, this.written) : this.written;
    if (this.confirmed >= m) return Promise.resolve();
    this.flushTarget = Math.max(this.flushTarget, m);
    const p = new Promise<void>((resolve, reject) => this.flushWaiters.push({ mark: m, resolve, reject }));
    this.kick();
    return p;
  }

  /** Sends everything queued, then stops the timer. */
  async close(): Promise<void> {
    try {
      await this.flushTo(this.written);
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private batchFull(): boolean {
    return this.pending.length >= this.opts.batchMaxDocs || this.pendingBytes >= this.opts.batchMaxBytes;
  }

  private hasReadyWork(): boolean {
    return this.pending.length > 0 && (this.batchFull() || this.confirmed < this.flushTarget);
  }

  private kick(): void {
    if (this.pump !== undefined) return;
    this.failure = undefined;
    this.pump = this.run().finally(() => {
      this.pump = undefined;
      // Work that arrived while the loop was ending (a flushTo between its last check and now).
      if (this.failure === undefined && this.hasReadyWork()) this.kick();
    });
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.opts.flushIntervalMs <= 0 || this.pending.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.failure !== undefined || this.pending.length === 0) return;
      this.flushTarget = Math.max(this.flushTarget, this.written);
      this.kick();
    }, this.opts.flushIntervalMs);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    while (this.hasReadyWork()) {
      const batch = this.take();
      const bytes = this.inFlightBytes;
      try {
        await this.opts.send(batch);
      } catch (err) {
        // Put the batch back in front: the next round resends it (destinations dedupe by _id, or
        // the http promise is at-least-once).
        this.pending = batch.concat(this.pending);
        this.pendingBytes += bytes;
        this.inFlightBytes = 0;
        this.fail(err);
        return;
      }
      this.inFlightBytes = 0;
      this.confirmed += batch.length;
      this.settle();
    }
    this.armTimer();
  }

  private take(): T[] {
    let n = 0;
    let bytes = 0;
    const maxDocs = this.opts.batchMaxDocs;
    const maxBytes = this.opts.batchMaxBytes;
    // At least one item, even one larger than the byte bound.
    while (n < this.pending.length && n < maxDocs) {
      const b = this.pending[n]!.bytes;
      if (n > 0 && bytes + b > maxBytes) break;
      bytes += b;
      n++;
    }
    const batch = this.pending.splice(0, n);
    this.pendingBytes -= bytes;
    this.inFlightBytes = bytes;
    return batch;
  }

  private settle(): void {
    if (this.flushWaiters.length > 0) {
      const still: FlushWaiter[] = [];
      for (const w of this.flushWaiters) {
        if (w.mark <= this.confirmed) w.resolve();
        else still.push(w);
      }
      this.flushWaiters = still;
    }
    if (this.spaceWaiters.length > 0 && this.bufferedBytes <= this.opts.maxBufferBytes) {
      const ws = this.spaceWaiters;
      this.spaceWaiters = [];
      for (const w of ws) w.resolve();
    }
  }

  private fail(err: unknown): void {
    const error =
      err instanceof OutputError
        ? err
        : new OutputError(`Output "${this.opts.name}" could not deliver a batch`, { retryable: true, context: { output: this.opts.name }, cause: err });
    this.failure = error;
    this.flushTarget = this.confirmed;
    const fws = this.flushWaiters;
    const sws = this.spaceWaiters;
    this.flushWaiters = [];
    this.spaceWaiters = [];
    for (const w of fws) w.reject(error);
    for (const w of sws) w.reject(error);
  }
}
