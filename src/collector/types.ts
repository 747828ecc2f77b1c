// Internal, normalised options and events of the collector. The config layer (src/config) turns
// the user's snake_case YAML into these camelCase options once, at the edge; everything below
// works with milliseconds and resolved secrets.

import type { ApiCounters, ManagementApi } from '../api/types.js';
import type { Output } from '../outputs/types.js';
import type { Quarantine } from '../state/quarantine.js';
import type { StateStore } from '../state/types.js';
import type { Logger } from '../logging/types.js';

export interface StreamSettings {
  /** Longest listing window, ms (<= 24 h). */
  windowMs: number;
  /** Re-list this far behind the cursor to catch blobs listed late (default 30 min). */
  lookbackMs: number;
  /** How far back a first run reaches (<= 7 days). */
  initialIntervalMs: number;
  /** A first run starts at now. */
  onlyFutureEvents: boolean;
  /** Blob downloads in flight per tenant. */
  blobConcurrency: number;
}

export interface TenantRuntime {
  tenantId: string;
  /** Optional label from config, shown in logs and progress. */
  label?: string;
  contentTypes: string[];
  api: ManagementApi;
  settings: StreamSettings;
}

export interface CollectorOptions {
  tenants: TenantRuntime[];
  outputs: Output[];
  state: StateStore;
  /** Poll interval for continuous mode, ms. */
  intervalMs: number;
  /** How often in-flight progress is committed, ms (also at every window end and on shutdown). */
  commitIntervalMs: number;
  /** Structured logger (pino-compatible subset). */
  logger: Logger;
  /** Clock, for tests. Defaults to Date.now. */
  now?: () => number;
  /** Where blobs and records that cannot be delivered are kept (default: in memory). */
  quarantine?: Quarantine;
}

// The Logger type lives in src/logging (the ground floor); re-exported for existing importers.
export type { Logger };

/** Per-stream figures for progress display and the run summary. */
export interface StreamStats {
  tenantId: string;
  label?: string;
  contentType: string;
  records: number;
  blobs: number;
  blobsListed: number;
  duplicatesDropped: number;
  lostBlobs: number;
  /** Blobs set aside in the quarantine (their body failed the same way on every attempt). */
  quarantinedBlobs: number;
  /** Records set aside in the quarantine (not JSON, no Id, invalid UTF-8, oversize). */
  quarantinedRecords: number;
  /** Spans (ms) older than 7 days that could no longer be collected. */
  lostSpanMs: number;
  /** Spans lost to expiry in this run. */
  lostSpans?: number;
  /** The API's Date minus this machine's clock, when they disagreed beyond the tolerance in this run. */
  clockSkewMs?: number;
  /** UTF-8 bytes of the records delivered. */
  bytes?: number;
  /** When a round last caught up to `now` (epoch ms). */
  lastSuccessAt?: number;
  /** Caught up to `now` at least once in this run. */
  caughtUp: boolean;
  /** Last error, if the stream is failing (code + plain-words message). */
  error?: { code: string; message: string; afCode?: string; hint?: string };
}

export interface RunSummary {
  records: number;
  blobs: number;
  retries: number;
  throttles: number;
  /**
   * Server-supplied URLs the API clients refused, from their counters: the one count (a contentUri
   * refused while listing is dropped inside the client and never reaches a stream).
   */
  refusedUrls: number;
  lostBlobs: number;
  lostSpans: number;
  duplicatesDropped: number;
  quarantinedBlobs: number;
  quarantinedRecords: number;
  failedStreams: number;
  /** Tenants whose API Date disagreed with this machine's clock beyond the tolerance in this run. */
  clockSkews: Array<{ tenantId: string; label?: string; skewMs: number }>;
  streams: StreamStats[];
  durationMs: number;
}

/** A span the API no longer holds (older than 7 days): its records can never be collected. */
export interface LostSpan {
  tenantId: string;
  label?: string;
  contentType: string;
  /** Epoch ms, [from, to). */
  from: number;
  to: number;
}

/** A listed blob that could not be fetched and never will be (expired, or gone per the API). */
export interface LostBlob {
  tenantId: string;
  label?: string;
  contentType: string;
  contentId: string;
  contentCreated: number;
  reason: string;
}

/** A live view of a running collector, read by metrics and readiness (src/monitoring). */
export interface CollectorStatus {
  /** State loaded, outputs opened and the first commit done; false again once the run ends. */
  running: boolean;
  streams: Array<{ stats: Readonly<StreamStats>; cursor: number }>;
  tenants: Array<{
    tenantId: string;
    label?: string;
    counters: Readonly<ApiCounters>;
    /** The API's Date minus this machine's clock (largest recent deviation), once a Date was seen. */
    clockSkewMs: number | undefined;
    /** The clocks disagree beyond the collector's tolerance (3 minutes). */
    clockSkewed: boolean;
  }>;
  commits: number;
  /** The last commit failed (cleared by the next successful one). */
  commitFailing: boolean;
}

export interface CollectorEvents {
  /** Emitted often (after each blob); cheap to consume. */
  progress: (stats: StreamStats) => void;
  /** A stream failed this round (the others go on). */
  streamError: (stats: StreamStats) => void;
  /** Data lost: a span older than the API's 7 days (also logged at error). */
  lostSpan: (span: LostSpan) => void;
  /** Data lost: one blob (also logged at warn). */
  lostBlob: (blob: LostBlob) => void;
  /** A stream caught up to `now` this round (also after it had failed: it recovered). */
  streamOk: (stats: StreamStats) => void;
  /** State loaded, outputs opened, first commit done: records start to flow. */
  started: () => void;
  /** The run ended (before the summary is returned). */
  stopped: () => void;
}

export interface RunOptions {
  /** Catch up to now for every stream, then resolve. */
  once: boolean;
  /** Abort to stop cleanly: in-flight work is flushed and committed. */
  signal?: AbortSignal;
}
