// Public types of the embedding API (openInput / collect): what a shipper written in Node sees.

import type { Logger, LostBlob, LostSpan, RunSummary, StreamStats } from '../collector/types.js';
import type { ConfigSource, ObjectLoadOptions } from '../config/load.js';

/** One audit record, exactly as the Management Activity API returned it, and where it came from. */
export interface AuditRecord {
  /** The record's JSON text, byte for byte as Microsoft sent it (one line). */
  readonly raw: string;
  /** The record's `Id` (Microsoft's unique key; undefined if the record has none). */
  readonly id: string | undefined;
  /** Directory (tenant) ID. */
  readonly tenantId: string;
  /** The tenant's `label` from the config, if any. */
  readonly tenant: string | undefined;
  /** Content type (feed): `Audit.Exchange`, `DLP.All`, … */
  readonly contentType: string;
  /** The blob the record came in. */
  readonly contentId: string;
}

/** A batch of records. Ack it once the records are safe; until then it is not checkpointed. */
export interface AuditBatch {
  /** 1, 2, 3, … in the order batches were made (per run). */
  readonly seq: number;
  readonly records: readonly AuditRecord[];
  /** Sum of the records' raw lengths. */
  readonly bytes: number;
  /**
   * Acknowledges the batch: its records are safe with you. Acks may come in any order; the
   * checkpoint moves past a batch once it and every batch before it are acked (the `checkpoint`
   * event says when that is on disk). A batch never acked is fetched again after a restart.
   */
  ack(): Promise<void>;
}

/** What `collect()` passes to the sink beside the records. */
export interface BatchInfo {
  readonly seq: number;
  readonly bytes: number;
}

export interface Checkpoint {
  /** Every batch with `seq <= through` is acked and covered by the checkpoint on disk. */
  through: number;
}

/** Typed events of an input (and of `collect()`'s `on`). */
export interface InputEvents {
  /** After each blob of a stream (tenant, content type): counts so far in this run. */
  progress: (stats: StreamStats) => void;
  /** A stream failed this round; it retries next round and the others go on. */
  streamError: (stats: StreamStats) => void;
  /** Data lost: a span older than the API's 7 days, which can never be collected. */
  lostSpan: (span: LostSpan) => void;
  /** Data lost: a blob that expired or is gone for good. */
  lostBlob: (blob: LostBlob) => void;
  /** The checkpoint on disk moved: everything up to `through` will not be fetched again. */
  checkpoint: (checkpoint: Checkpoint) => void;
  /** Writing the checkpoint failed (it is retried); nothing acked is lost, it may come again. */
  checkpointError: (err: unknown) => void;
}

export interface InputOptions {
  /** A config object (the same snake_case keys as the YAML file) or the path of a config file. */
  config: ConfigSource | Record<string, unknown>;
  /** Environment for `${VAR}` (default process.env) and the folder relative paths resolve against (object configs; default the cwd). */
  configOptions?: ObjectLoadOptions;
  /** Catch up to now, deliver everything, then end (like `collect --once`). Default false: poll until stopped. */
  once?: boolean;
  /** Abort to stop cleanly: fetching stops, handed-out batches may still be acked for `ackGraceMs`. */
  signal?: AbortSignal;
  /**
   * Records per batch (default 500). Batches close at commit points (at least every
   * `commit_interval`), so they may be smaller; a full batch may take one more record from each
   * other blob download in flight before it closes.
   */
  batchSize?: number;
  /** Bytes (raw JSON length) per batch (default 1 MiB). */
  batchBytes?: number;
  /** Batches handed to you (or queued for you) and not yet acked before fetching waits (default 8). */
  maxUnackedBatches?: number;
  /** Bytes held in batches not yet acked before fetching waits (default 16 MiB). */
  maxUnackedBytes?: number;
  /** On a stop, how long to wait for batches already handed out to be acked (default 5000 ms). */
  ackGraceMs?: number;
  /** Structured logger (pino-compatible); default: JSON lines on stderr at the config's `log_level`. */
  logger?: Logger;
}

export interface AuditInput extends AsyncIterable<AuditBatch> {
  on<E extends keyof InputEvents>(event: E, listener: InputEvents[E]): this;
  off<E extends keyof InputEvents>(event: E, listener: InputEvents[E]): this;
  /** Stops the run (as the signal would) and resolves with its summary once it has ended (undefined if it never started). */
  stop(): Promise<RunSummary | undefined>;
  /** The run's summary, once it has ended. */
  readonly summary: RunSummary | undefined;
}

export interface CollectOptions extends InputOptions {
  /** Called with each batch; the batch is acked when the promise resolves. A rejection stops the run (the batch comes again next run) and collect() rejects with it. */
  sink: (records: readonly AuditRecord[], batch: BatchInfo) => Promise<void>;
  /** Batches in the sink at once (default 1). Later ones may finish first; the checkpoint still moves in order. */
  concurrency?: number;
  /** Event listeners. */
  on?: { [E in keyof InputEvents]?: InputEvents[E] };
}
