// Contract of the state store: checkpoints per tenant and content type, committed together with
// the outputs' positions so that a crash at any moment leaves them consistent with each other.

/** Progress of one (tenant, content type) stream. All times are epoch ms. */
export interface StreamCheckpoint {
  version: 1;
  tenantId: string;
  contentType: string;
  /** Everything listed before this instant (by contentCreated) has been delivered or reported lost. */
  cursor: number;
  /** Blobs fully delivered whose contentCreated is within the lookback horizon: contentId -> contentCreated. */
  doneBlobs: Record<string, number>;
  /**
   * Only in checkpoints written before the record-Id index (src/state/id-index.ts): the Ids of the
   * lookback horizon. Loading moves them into the index; new checkpoints never carry them.
   */
  seenIds?: Record<string, number>;
  /** Totals since the stream was first started (for `o365-audit state`). */
  totals: {
    records: number;
    blobs: number;
    lostBlobs: number;
    lostSpans: number;
    duplicatesDropped: number;
    /** Blobs set aside in the quarantine (absent in checkpoints written before it existed). */
    quarantinedBlobs?: number;
    /** Records set aside in the quarantine (their blob was delivered otherwise). */
    quarantinedRecords?: number;
  };
  /** When the subscription was last started by us (epoch ms), for the 15-minute rule. */
  lastStartAt?: number;
  /**
   * The API's Date minus this machine's clock, when they disagreed beyond the tolerance at the last
   * commit (cleared once they agree); `since` is this machine's time when it was first seen.
   */
  clockSkew?: { skewMs: number; since: number };
  updatedAt: number;
}

/** The committed record Ids of one stream. Synchronous: the collector asks once per record. */
export interface StreamIds {
  has(id: string): boolean;
  /** Ids delivered from blobs created at `created` (a scan of that hour: for rare bad blobs only). */
  deliveredAt(created: number): string[];
}

/** Record Ids a commit adds to one stream's index, and how far that stream's index may be pruned. */
export interface StreamIdBatch {
  tenantId: string;
  contentType: string;
  /** [contentCreated of the blob they came in, Ids]: Ids delivered since the previous commit. */
  groups: Array<[number, string[]]>;
  /** Ids from blobs created before this instant can no longer come again: drop them. */
  pruneBefore?: number;
}

/** Ids grouped by the contentCreated of their blob: most of a blob's records share it, so groups stay few. */
export function groupByCreated(entries: Iterable<[string, number]>): Array<[number, string[]]> {
  const byCreated = new Map<number, string[]>();
  for (const [id, created] of entries) {
    let list = byCreated.get(created);
    if (list === undefined) byCreated.set(created, (list = []));
    list.push(id);
  }
  return [...byCreated];
}

export interface CommittedState {
  streams: Map<string, StreamCheckpoint>;
  /** output name -> position stored at the last commit. */
  outputs: Record<string, Record<string, unknown>>;
  /** Streams the journal says were committed whose checkpoint file is gone (never started over silently). */
  missing?: MissingStream[];
  /** Streams whose missing file was rewritten from the journal's last commit. */
  restored?: MissingStream[];
}

export interface MissingStream {
  tenantId: string;
  contentType: string;
  file: string;
}

export interface StateStore {
  /** Loads what was last committed (recovering a commit interrupted by a crash). */
  load(): Promise<CommittedState>;
  /**
   * Atomically commits the given (changed) stream checkpoints, the record Ids delivered since the
   * last commit and the outputs' positions: after a crash, either all of it or none of it is
   * visible to load() and ids().
   */
  commit(changed: StreamCheckpoint[], outputs: Record<string, Record<string, unknown>>, ids?: StreamIdBatch[]): Promise<void>;
  /** The committed record Ids of one stream (after load()). */
  ids(tenantId: string, contentType: string): StreamIds;
  close(): Promise<void>;
}

export function streamKey(tenantId: string, contentType: string): string {
  return `${tenantId}/${contentType}`;
}
