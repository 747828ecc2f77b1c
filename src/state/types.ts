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
  /** Record Ids delivered within the lookback horizon: Id -> contentCreated of the blob it came in. */
  seenIds: Record<string, number>;
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
   * Atomically commits the given (changed) stream checkpoints together with the outputs'
   * positions: after a crash, either all of it or none of it is visible to load().
   */
  commit(changed: StreamCheckpoint[], outputs: Record<string, Record<string, unknown>>): Promise<void>;
  close(): Promise<void>;
}

export function streamKey(tenantId: string, contentType: string): string {
  return `${tenantId}/${contentType}`;
}
