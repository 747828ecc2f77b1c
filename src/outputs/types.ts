// The contract between the collector and every output (src/outputs/<type>/, listed in registry.ts).
//
// Delivery protocol: open(committed) once; then write(raw, meta, id) for each record, in order; the
// collector periodically takes a `mark()` and awaits `flushTo(mark)`. Only after every output's
// flushTo resolved does the checkpoint move past those records, so an output must resolve it only
// once everything up to the mark is durable at its destination (fsynced, acknowledged by the bulk
// response or by the broker). After a crash the same records come again (at-least-once): an output
// either de-duplicates by `id` downstream (elasticsearch `_id`, kafka key) or reconciles from its
// stored position (the file output trims back to its committed length). close() last.
//
// The record's `id` comes from the splitter that read the blob (src/api/json-array-stream.ts): an
// output must not scan `raw` for it again.

/** Where a record came from; outputs that wrap records (wazuh) or route them (ES) may use it. */
export interface RecordMeta {
  tenantId: string;
  /** The configured tenant label, if any. */
  tenant?: string;
  contentType: string;
  contentId: string;
}

/** Opaque, JSON-serialisable position an output asks to have stored with each commit. */
export type OutputPosition = Record<string, unknown>;

export interface Output {
  /** Stable name used in state and logs (e.g. "file", "stdout", "elasticsearch"). */
  readonly name: string;
  /**
   * Called once before any write, with the position stored at the last commit (undefined on a
   * first run). The file output trims the file back to that length here.
   */
  open(committed: OutputPosition | undefined): Promise<void>;
  /**
   * Queues one record: `raw` is its exact JSON text as the API sent it (one line); `id` its
   * top-level `Id` as the splitter read it, undefined when the record has none. Returns a promise
   * only when the caller must wait (back-pressure: buffers over their bound). Never throws for a
   * delivery failure: that surfaces from flushTo.
   */
  write(raw: string, meta: RecordMeta, id: string | undefined): void | Promise<void>;
  /** A token for "everything written so far". Synchronous so it is consistent with the caller's state. */
  mark(): unknown;
  /**
   * Resolves when everything up to `mark` is durably accepted (fsynced, acknowledged by the
   * bulk response...), with the position to store. Rejects with OutputError if it cannot be.
   */
  flushTo(mark: unknown): Promise<OutputPosition | undefined>;
  close(): Promise<void>;
  /**
   * Optional: called once before the first write with a function that asks for a commit soon
   * (coalesced and paced like the collector's own requests). An output that must seal its
   * batches at commit points (the embedding API) uses it when a batch is full. Calling it inside
   * write() is not allowed: the record being written is not yet part of the stream state.
   */
  bindCommitRequest?(request: () => void): void;
  /**
   * Optional readiness probe (`/ready`): resolves when the destination can be reached now, rejects
   * with the reason when not. Cheap and side-effect free; an output without one counts as reachable.
   */
  probe?(signal: AbortSignal): Promise<void>;
  /** Optional figures for metrics: batches sent and retries so far. */
  stats?(): OutputStats;
}

export interface OutputStats {
  batches?: number;
  retries?: number;
}
