// The hand-over between the collector and an embedding consumer. Records written by the collector
// gather in an open batch; a batch is sealed only at a commit point (the Output's mark()), so every
// batch boundary has its own stream-state snapshot and the checkpoint can move batch by batch.
// Sealed batches wait in a queue for the consumer; acks may come in any order, and `ackedThrough`
// is the end of the contiguous acked prefix. Memory is bounded: writes wait (back-pressure) while
// the open batch is full or the unacked batches hold too much.

import type { RecordMeta } from '../outputs/types.js';
import type { AuditBatch, AuditRecord } from './types.js';

export interface ChannelLimits {
  /** Records per batch (a target: a batch is sealed at the next commit point once it is reached; writers in flight may add one record each). */
  batchSize: number;
  /** Bytes per batch (same rule), counted as the raw JSON length. */
  batchBytes: number;
  /** Sealed batches not yet acked (queued or handed out): at the bound, writes wait and no batch is sealed. */
  maxUnackedBatches: number;
  /** Bytes in unacked batches plus the open one before writes wait. */
  maxUnackedBytes: number;
}

export const DEFAULT_LIMITS: ChannelLimits = {
  batchSize: 500,
  batchBytes: 1024 * 1024,
  maxUnackedBatches: 8,
  maxUnackedBytes: 16 * 1024 * 1024,
};

/** How soon a full batch asks for a commit again when the collector skipped the request. */
const RETRY_COMMIT_MS = 50;

/** One record as the consumer sees it: the exact JSON text and where it came from. */
class Record_ implements AuditRecord {
  private idCache: string | null | undefined;

  constructor(
    readonly raw: string,
    private readonly meta: RecordMeta,
    id: string | undefined,
  ) {
    if (id !== undefined) this.idCache = id;
  }

  get tenantId(): string {
    return this.meta.tenantId;
  }
  get tenant(): string | undefined {
    return this.meta.tenant;
  }
  get contentType(): string {
    return this.meta.contentType;
  }
  get contentId(): string {
    return this.meta.contentId;
  }
  /** The record's `Id` (parsed on first use: most shippers forward the raw text unread). */
  get id(): string | undefined {
    if (this.idCache === undefined) {
      let id: unknown;
      try {
        id = (JSON.parse(this.raw) as { Id?: unknown }).Id;
      } catch {
        id = undefined;
      }
      this.idCache = typeof id === 'string' ? id : null;
    }
    return this.idCache ?? undefined;
  }

  toJSON(): object {
    return { id: this.id, tenantId: this.tenantId, tenant: this.tenant, contentType: this.contentType, contentId: this.contentId, raw: this.raw };
  }
}

/** Internal: a batch its consumer gave up on (collect()'s failed sink): a stop does not wait for its ack. */
export const abandonBatch = Symbol('abandonBatch');

interface Sealed {
  seq: number;
  records: AuditRecord[];
  bytes: number;
  handedOut: boolean;
}

export class BatchChannel {
  private open: AuditRecord[] = [];
  private openBytes = 0;
  private lastSeq = 0;
  private readonly unacked = new Map<number, Sealed>();
  private unackedBytes = 0;
  private readonly ackedAhead = new Set<number>();
  private readonly queue: Sealed[] = [];
  private roomWaiters: Array<() => void> = [];
  private changeWaiters: Array<() => void> = [];
  private commitAsked = false;
  /** mark() left a non-empty open batch unsealed (at the bound). */
  private sealDeferred = false;
  private retry: NodeJS.Timeout | undefined;
  private requestCommit: () => void = () => {};
  /** End of the contiguous acked prefix: every batch with seq <= this is acked. */
  ackedThrough = 0;
  /** Told when ackedThrough moves. */
  onAckedThrough: (through: number) => void = () => {};

  constructor(readonly limits: ChannelLimits = DEFAULT_LIMITS) {}

  bindCommitRequest(request: () => void): void {
    this.requestCommit = request;
  }

  /** Appends synchronously (the collector records the Id right after); a promise means "wait". */
  write(raw: string, meta: RecordMeta, id?: string): void | Promise<void> {
    this.open.push(new Record_(raw, meta, id));
    this.openBytes += raw.length;
    if (this.openFull()) this.askForCommit();
    if (!this.blocked()) return undefined;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Returns the seq of the batch that holds the last record written ("everything written so far")
   * and seals the open batch there. At the batch bound it stays open instead (so a consumer never
   * holds more than maxUnackedBatches): the mark then stands for that future batch, sealed at the
   * first commit point after an ack makes room.
   */
  mark(): number {
    if (this.open.length > 0 && this.unacked.size >= this.limits.maxUnackedBatches) {
      this.sealDeferred = true;
      return this.lastSeq + 1;
    }
    if (this.open.length > 0) {
      this.sealDeferred = false;
      const b: Sealed = { seq: ++this.lastSeq, records: this.open, bytes: this.openBytes, handedOut: false };
      this.open = [];
      this.openBytes = 0;
      this.unacked.set(b.seq, b);
      this.unackedBytes += b.bytes;
      this.queue.push(b);
      this.changed();
      this.wakeWriters();
    }
    return this.lastSeq;
  }

  /** The next sealed batch for the consumer, if one is queued. */
  take(): AuditBatch | undefined {
    const b = this.queue.shift();
    if (!b) return undefined;
    b.handedOut = true;
    const ack = (): Promise<void> => {
      this.ack(b.seq);
      return Promise.resolve();
    };
    const abandon = (): void => {
      b.handedOut = false;
      this.changed();
    };
    return Object.freeze({ seq: b.seq, records: Object.freeze(b.records), bytes: b.bytes, ack, [abandonBatch]: abandon });
  }

  ack(seq: number): void {
    const b = this.unacked.get(seq);
    if (!b) return; // acked twice, or a batch of a finished run: harmless
    this.unacked.delete(seq);
    this.unackedBytes -= b.bytes;
    this.ackedAhead.add(seq);
    const before = this.ackedThrough;
    while (this.ackedAhead.delete(this.ackedThrough + 1)) this.ackedThrough++;
    if (this.wantsSeal()) this.askForCommit();
    this.wakeWriters();
    this.changed();
    if (this.ackedThrough !== before) this.onAckedThrough(this.ackedThrough);
  }

  /** Batches handed out and not acked yet. */
  get outstanding(): number {
    let n = 0;
    for (const b of this.unacked.values()) if (b.handedOut) n++;
    return n;
  }

  /** Sealed batches not acked (queued or handed out). */
  get unackedCount(): number {
    return this.unacked.size;
  }

  /** Records written and not yet sealed into a batch. */
  get openCount(): number {
    return this.open.length;
  }

  /** Bytes held for the consumer: unacked batches plus the open one. */
  get heldBytes(): number {
    return this.unackedBytes + this.openBytes;
  }

  /** Resolves at the next change (a batch sealed, an ack) or `wake()`. */
  nextChange(): Promise<void> {
    return new Promise<void>((resolve) => this.changeWaiters.push(resolve));
  }

  /** Wakes whoever waits in nextChange() (the run ended, a stop was asked). */
  wake(): void {
    this.changed();
  }

  /** Lets blocked writers go (the run is stopping: they are aborted anyway). */
  releaseWriters(): void {
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const r of w) r();
  }

  /** Records are waiting for a commit point to be sealed (the batch is full, or a seal was deferred) and there is room. */
  private wantsSeal(): boolean {
    return this.open.length > 0 && (this.openFull() || this.sealDeferred) && this.unacked.size < this.limits.maxUnackedBatches;
  }

  private openFull(): boolean {
    return this.open.length >= this.limits.batchSize || this.openBytes >= this.limits.batchBytes;
  }

  private blocked(): boolean {
    return this.openFull() || this.unacked.size >= this.limits.maxUnackedBatches || this.unackedBytes + this.openBytes >= this.limits.maxUnackedBytes;
  }

  /**
   * Not from inside write(): the collector records the written record's Id only after write()
   * returns, and a snapshot taken before that would commit a batch without its Id. A microtask
   * runs after the whole synchronous write step.
   */
  private askForCommit(): void {
    if (this.commitAsked) return;
    this.commitAsked = true;
    queueMicrotask(() => {
      this.commitAsked = false;
      this.requestCommit();
      // The collector may skip a request (pacing after a slow commit) and its own commit timer
      // does not keep the process alive: ask again until the batch is sealed.
      if (this.wantsSeal()) this.retry ??= setTimeout(() => {
        this.retry = undefined;
        if (this.wantsSeal()) this.askForCommit();
      }, RETRY_COMMIT_MS);
    });
  }

  private wakeWriters(): void {
    if (this.roomWaiters.length === 0 || this.blocked()) return;
    this.releaseWriters();
  }

  private changed(): void {
    const w = this.changeWaiters;
    this.changeWaiters = [];
    for (const r of w) r();
  }
}
