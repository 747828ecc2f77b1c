// The in-memory checkpoint of one stream: cursor, delivered blobs (a Map, for a cheap lookup), the
// record Ids delivered since the last commit, totals, and a change counter. snapshot() copies it
// synchronously so that the committer can pair it with the outputs' marks; toCheckpoint()
// serialises the copy later. Ids already committed are looked up in the state store's index.

import { groupByCreated, type StreamCheckpoint, type StreamIdBatch, type StreamIds } from '../state/types.js';
import { MAX_AGE_MS, PRUNE_MARGIN_MS } from './windows.js';

export interface StreamSnapshot {
  version: number;
  tenantId: string;
  contentType: string;
  cursor: number;
  doneBlobs: Record<string, number>;
  /** The Ids of this snapshot not yet committed, for the store's index. */
  ids: StreamIdBatch;
  /** How many uncommitted Id generations the snapshot holds (released by committed()). */
  idGenerations: number;
  totals: StreamCheckpoint['totals'];
  lastStartAt: number | undefined;
  clockSkew: StreamCheckpoint['clockSkew'];
  updatedAt: number;
}

const NONE: StreamIds = { has: () => false, deliveredAt: () => [] };

export class StreamState {
  cursor: number;
  /** contentId -> contentCreated of blobs fully delivered (or lost) within the horizon. */
  readonly done: Map<string, number>;
  readonly totals: StreamCheckpoint['totals'];
  lastStartAt: number | undefined;
  /** The clock skew seen by the last round, if beyond the tolerance (see clock.ts). */
  clockSkew: StreamCheckpoint['clockSkew'];
  /** Bumped on every change; the committer compares it with what it last committed. */
  version = 0;
  private committedVersion = 0;
  /** Id -> contentCreated of records written since the last snapshot. */
  private fresh = new Map<string, number>();
  /** Generations of Ids in snapshots whose commit has not succeeded yet (oldest first). */
  private readonly sent: Map<string, number>[] = [];
  /** Ids of blobs created before this may be dropped from the index. */
  private pruneBefore: number | undefined;

  constructor(
    readonly tenantId: string,
    readonly contentType: string,
    from: StreamCheckpoint | { cursor: number },
    /** The Ids committed in the state store's index. */
    private readonly committedIds: StreamIds = NONE,
  ) {
    this.cursor = from.cursor;
    if ('doneBlobs' in from) {
      this.done = new Map(Object.entries(from.doneBlobs));
      this.totals = { ...from.totals };
      this.lastStartAt = from.lastStartAt;
      this.clockSkew = from.clockSkew;
    } else {
      this.done = new Map();
      this.totals = { records: 0, blobs: 0, lostBlobs: 0, lostSpans: 0, duplicatesDropped: 0, quarantinedBlobs: 0, quarantinedRecords: 0 };
      this.version = 1; // a new stream is committed at once, so its first cursor is stable
    }
  }

  get dirty(): boolean {
    return this.version !== this.committedVersion;
  }

  /** Whether a record with this Id was delivered already (committed, or written in this run). */
  hasId(id: string): boolean {
    if (this.fresh.has(id)) return true;
    for (const m of this.sent) if (m.has(id)) return true;
    return this.committedIds.has(id);
  }

  /** Ids delivered from blobs created at `created`, committed or not (a scan: for rare bad blobs). */
  idsDeliveredAt(created: number): string[] {
    const out = new Set(this.committedIds.deliveredAt(created));
    for (const m of [...this.sent, this.fresh]) for (const [id, c] of m) if (c === created) out.add(id);
    return [...out];
  }

  /** Records a delivered Id (after its record was written to every output). */
  addId(id: string, created: number): void {
    this.fresh.set(id, created);
  }

  snapshot(now: number): StreamSnapshot {
    if (this.fresh.size > 0) {
      this.sent.push(this.fresh);
      this.fresh = new Map();
    }
    const ids: StreamIdBatch = { tenantId: this.tenantId, contentType: this.contentType, groups: groupByCreated(this.sent.flatMap((m) => [...m])) };
    if (this.pruneBefore !== undefined) ids.pruneBefore = this.pruneBefore;
    return {
      version: this.version,
      tenantId: this.tenantId,
      contentType: this.contentType,
      cursor: this.cursor,
      doneBlobs: Object.fromEntries(this.done),
      ids,
      idGenerations: this.sent.length,
      totals: { ...this.totals },
      lastStartAt: this.lastStartAt,
      clockSkew: this.clockSkew === undefined ? undefined : { ...this.clockSkew },
      updatedAt: now,
    };
  }

  /** The snapshot is durable: changes up to its version need no further commit. */
  committed(version: number, idGenerations = 0): void {
    if (version > this.committedVersion) this.committedVersion = version;
    // Commits run one at a time and a failed one calls nothing here, so the oldest generations
    // are exactly those the snapshot held.
    this.sent.splice(0, idGenerations);
  }

  /**
   * Drops blob entries that no later listing can bring back (older than the re-listed range), and
   * lets the index drop Ids older than anything the API can still hand out: the 7 days it keeps
   * content, plus the lookback, plus a margin.
   */
  prune(lookbackMs: number): void {
    const horizon = this.cursor - lookbackMs - PRUNE_MARGIN_MS;
    for (const [k, created] of this.done) if (created < horizon) this.done.delete(k);
    this.pruneBefore = horizon - MAX_AGE_MS - ID_RETAIN_MARGIN_MS;
    this.version++;
  }
}

/** Kept beyond 7 days + lookback, for blobs listed late or near the edge of the 7 days. */
export const ID_RETAIN_MARGIN_MS = 24 * 3_600_000;

export function toCheckpoint(s: StreamSnapshot): StreamCheckpoint {
  const cp: StreamCheckpoint = {
    version: 1,
    tenantId: s.tenantId,
    contentType: s.contentType,
    cursor: s.cursor,
    doneBlobs: s.doneBlobs,
    totals: s.totals,
    updatedAt: s.updatedAt,
  };
  if (s.lastStartAt !== undefined) cp.lastStartAt = s.lastStartAt;
  if (s.clockSkew !== undefined) cp.clockSkew = s.clockSkew;
  return cp;
}
