// The commit protocol (exactly-once hinges on it). In ONE synchronous step it takes every output's
// mark() and copies the dirty stream checkpoints, so both describe the same set of written
// records. Then every output must flush up to its mark, and only then are the checkpoints and the
// outputs' positions committed together. Commits run one at a time; a failed one moves nothing.

import type { Output } from '../outputs/types.js';
import type { StateStore } from '../state/types.js';
import { errorInfo } from './errors-info.js';
import { toCheckpoint, type StreamState } from './stream-state.js';
import type { Logger } from './types.js';

/** After a commit that took SLOW_COMMIT_MS or more, request() waits this many times its duration. */
export const COMMIT_PACE = 9;
export const SLOW_COMMIT_MS = 50;

export class Committer {
  private current: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private lastPositions = '';
  private forceNext = true;
  /** Last commit failure, cleared by a successful commit. */
  lastError: unknown;
  commits = 0;
  /** Wall time of the last commit and when it ended (performance.now()), for request() pacing. */
  private lastCostMs = 0;
  private lastEndAt = -Infinity;

  constructor(
    private readonly outputs: Output[],
    private readonly streams: StreamState[],
    private readonly state: StateStore,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  /**
   * Fire-and-forget commit (timer, window ends); failures are logged and retried later. After a
   * slow commit (a slow disk, a busy machine),
   * requests are skipped until its cost is repaid ninefold, so commits take at most ~10% of the
   * time; a later timer tick or the final commit() picks up what a skipped request would have.
   */
  request(): void {
    if (this.lastCostMs >= SLOW_COMMIT_MS && performance.now() - this.lastEndAt < this.lastCostMs * COMMIT_PACE) return;
    this.commit().catch(() => {});
  }

  /** Commits what is delivered now. Concurrent callers coalesce into at most one queued commit. */
  commit(): Promise<void> {
    if (!this.current) {
      this.current = this.commitOnce().finally(() => {
        this.current = undefined;
      });
      return this.current;
    }
    this.queued ??= this.current
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.commit();
      });
    return this.queued;
  }

  private async commitOnce(): Promise<void> {
    const t0 = performance.now();
    try {
      await this.commitSnapshot();
    } finally {
      this.lastEndAt = performance.now();
      this.lastCostMs = this.lastEndAt - t0;
    }
  }

  private async commitSnapshot(): Promise<void> {
    // --- synchronous snapshot: nothing may be written between these lines ---
    const marks = this.outputs.map((o) => o.mark());
    const now = this.clock();
    const dirty = this.streams.filter((s) => s.dirty);
    const snaps = dirty.map((s) => s.snapshot(now));
    // --- end of snapshot ---
    try {
      const flushed = await Promise.all(this.outputs.map((o, i) => o.flushTo(marks[i])));
      const positions: Record<string, Record<string, unknown>> = {};
      this.outputs.forEach((o, i) => {
        const p = flushed[i];
        if (p !== undefined) positions[o.name] = p;
      });
      const posText = JSON.stringify(positions);
      if (snaps.length === 0 && posText === this.lastPositions && !this.forceNext) return;
      await this.state.commit(
        snaps.map(toCheckpoint),
        positions,
        snaps.map((s) => s.ids),
      );
      this.lastPositions = posText;
      this.forceNext = false;
      dirty.forEach((s, i) => s.committed(snaps[i]!.version, snaps[i]!.idGenerations));
      this.commits++;
      if (this.lastError !== undefined) this.logger.info({}, 'commit succeeded again');
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err;
      this.logger.error({ err: errorInfo(err) }, 'commit failed: nothing moved forward; retrying at the next commit');
      throw err;
    }
  }
}
