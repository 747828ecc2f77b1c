// One (tenant, content type) stream: plans windows from its cursor, lists them, fetches the new
// blobs under the tenant's concurrency bound, de-duplicates records by Id and writes them to every
// output. The cursor moves to a window's end only when every blob in it is delivered, lost (the API
// says so) or durably kept in the quarantine (a body that failed the same way on every attempt).

import type { ContentDescriptor, ManagementApi, RawRecord, RejectedRecord } from '../api/types.js';
import { BadBlobBodyError } from '../errors.js';
import type { Output, RecordMeta } from '../outputs/types.js';
import { errorInfo, isAbort, isPermanentBlobLoss, isSubscriptionMissing, isWindowRetryable, isWindowTooOld } from './errors-info.js';
import type { Quarantine } from '../state/quarantine.js';
import type { Semaphore } from './semaphore.js';
import type { StreamState } from './stream-state.js';
import type { LostBlob, LostSpan, Logger, StreamSettings, StreamStats } from './types.js';
import { missingCheckpointHint } from './missing-checkpoint.js';
import { ClockSkewError, SKEW_TOLERANCE_MS, formatSkew, type ClockView } from './clock.js';
import { listingFloor, planWindow } from './windows.js';
import { sleep } from '../shared/sleep.js';

/** Resolves with `p`, or rejects when `signal` aborts first. Only used under back-pressure. */
function untilAbort(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

/** Whole-window attempts per round, and the pause before the next one (doubled each time). */
const WINDOW_ATTEMPTS = 3;
const WINDOW_RETRY_DELAY_MS = 1000;

export interface StreamHost {
  api: ManagementApi;
  settings: StreamSettings;
  label?: string;
  outputs: Output[];
  semaphore: Semaphore;
  logger: Logger;
  /** This machine's clock. */
  clock: () => number;
  /** This machine's clock with what the API's Date headers say (see clock.ts). */
  time(): ClockView;
  /** Where undeliverable blobs and records are kept; written durably before a blob counts as done. */
  quarantine: Quarantine;
  /** Starts the subscription after AF20022/AF20023, if the 15-minute rule allows; false if not. */
  restartSubscription(stream: Stream, err: unknown, signal: AbortSignal): Promise<boolean>;
  requestCommit(): void;
  onProgress(stats: StreamStats): void;
  onError(stats: StreamStats): void;
  onLostSpan?(span: LostSpan): void;
  onLostBlob?(blob: LostBlob): void;
  onOk(stats: StreamStats): void;
}

export class Stream {
  readonly stats: StreamStats;
  /** Set when the stream must not run at all (its checkpoint is missing); never committed. */
  refused: unknown;
  private readonly log: Record<string, string>;

  constructor(
    readonly state: StreamState,
    private readonly host: StreamHost,
  ) {
    this.stats = {
      tenantId: state.tenantId,
      contentType: state.contentType,
      records: 0,
      blobs: 0,
      blobsListed: 0,
      duplicatesDropped: 0,
      lostBlobs: 0,
      quarantinedBlobs: 0,
      quarantinedRecords: 0,
      lostSpanMs: 0,
      bytes: 0,
      caughtUp: false,
    };
    if (host.label !== undefined) this.stats.label = host.label;
    this.log = { tenant: state.tenantId, contentType: state.contentType };
    if (host.label !== undefined) this.log.label = host.label;
  }

  get contentType(): string {
    return this.state.contentType;
  }

  /**
   * Catches up to `limit` (this machine's clock at the round's start), or as far as the API's clock
   * allows. Resolves true when caught up; false (error recorded) or on abort.
   */
  async round(limit: number, signal: AbortSignal): Promise<boolean> {
    const { settings } = this.host;
    try {
      let time = this.noteClock(this.host.time());
      while (this.state.cursor < Math.min(limit, time.target)) {
        signal.throwIfAborted();
        const plan = planWindow(this.state.cursor, time.now, Math.min(limit, time.target), settings);
        try {
          await this.runWindowWithRetry(plan.start, plan.end, signal);
        } catch (err) {
          if (!plan.stale || !isWindowTooOld(err) || signal.aborted) throw err;
          this.expireSpan(this.noteClock(this.host.time()), err);
          time = this.noteClock(this.host.time());
          continue;
        }
        this.state.cursor = plan.end;
        this.state.prune(settings.lookbackMs);
        this.host.requestCommit();
        time = this.noteClock(this.host.time());
      }
      if (time.skewed && limit - this.state.cursor > SKEW_TOLERANCE_MS) {
        // Held behind an API clock that is behind ours: nothing is lost, but the stream is not caught up.
        throw new ClockSkewError(
          `the API's Date is ${formatSkew(time.skewMs ?? 0)} from this machine's clock; the cursor stays at ${new Date(this.state.cursor).toISOString()}, behind the API's clock, until the clocks agree`,
          time.skewMs ?? 0,
        );
      }
      this.stats.caughtUp = true;
      this.stats.lastSuccessAt = Date.now();
      delete this.stats.error;
      this.host.onOk(this.stats);
      return true;
    } catch (err) {
      if (isAbort(err, signal)) return false;
      this.fail(
        err,
        isSubscriptionMissing(err)
          ? 'The subscription is missing or disabled. The collector starts it (Microsoft allows one start per 15 minutes); new content can take up to 12 h to appear.'
          : undefined,
      );
      return false;
    }
  }

  /** Keeps the stream's record of a clock skew (summary, checkpoint) in step with `time`. */
  private noteClock(time: ClockView): ClockView {
    const prev = this.state.clockSkew;
    if (time.skewed && time.skewMs !== undefined) {
      this.stats.clockSkewMs = time.skewMs;
      if (prev === undefined || Math.abs(prev.skewMs - time.skewMs) >= SKEW_TOLERANCE_MS) {
        this.state.clockSkew = { skewMs: time.skewMs, since: prev?.since ?? time.now };
        this.state.version++;
      }
    } else if (prev !== undefined && time.skewMs !== undefined) {
      this.state.clockSkew = undefined;
      this.state.version++;
    }
    return time;
  }

  /**
   * The API refused to list a window older than the floor as too old: the span up to the floor is
   * lost, declared only when this machine's clock and the API's Date agree (either alone may be wrong).
   */
  private expireSpan(time: ClockView, refusal: unknown): void {
    if (time.skewed) {
      throw new ClockSkewError(
        `the API refused to list from ${new Date(this.state.cursor).toISOString()} as older than 7 days (${errorInfo(refusal).afCode ?? 'refused'}), ` +
          `but its Date is ${formatSkew(time.skewMs ?? 0)} from this machine's clock; nothing is declared lost and the cursor stays until the clocks agree`,
        time.skewMs ?? 0,
      );
    }
    const floor = listingFloor(time.now);
    // Refused at or after the floor: not a matter of age; fail (cursor stays) rather than loop.
    if (floor <= this.state.cursor) throw refusal;
    this.reportLostSpan(this.state.cursor, floor);
  }

  /** Marks the stream as not to be run this time, with the reason in its stats and the log. */
  refuse(err: unknown): void {
    this.refused = err;
    this.stats.error = errorInfo(err, missingCheckpointHint(this.state));
    this.host.logger.error({ ...this.log, err: this.stats.error }, 'stream refused: its checkpoint is missing');
    this.host.onError(this.stats);
  }

  fail(err: unknown, hint?: string): void {
    const prev = this.stats.error;
    this.stats.error = errorInfo(err, hint);
    // The same failure every poll (e.g. a missing permission) is logged once at warn, then at debug.
    const same = prev !== undefined && prev.code === this.stats.error.code && prev.afCode === this.stats.error.afCode && prev.message === this.stats.error.message;
    const fields = { ...this.log, err: this.stats.error, cursor: new Date(this.state.cursor).toISOString() };
    if (same) this.host.logger.debug(fields, 'stream still failing');
    else this.host.logger.warn(fields, 'stream failed; it retries next round, its cursor stays');
    this.host.onError(this.stats);
  }

  private reportLostSpan(from: number, to: number): void {
    this.state.cursor = to;
    this.state.totals.lostSpans++;
    this.state.version++;
    this.stats.lostSpanMs += to - from;
    this.stats.lostSpans = (this.stats.lostSpans ?? 0) + 1;
    this.host.logger.error(
      { ...this.log, from: new Date(from).toISOString(), to: new Date(to).toISOString(), lostMs: to - from },
      'DATA LOST: the API refused to list this span as older than the 7 days it keeps content; it can no longer be collected',
    );
    const span: LostSpan = { tenantId: this.state.tenantId, contentType: this.contentType, from, to };
    if (this.host.label !== undefined) span.label = this.host.label;
    this.host.onLostSpan?.(span);
  }

  private async list(start: number, end: number, signal: AbortSignal): Promise<ContentDescriptor[]> {
    const { api } = this.host;
    for (let attempt = 0; ; attempt++) {
      const out: ContentDescriptor[] = [];
      try {
        for await (const page of api.listContent({ contentType: this.contentType, start, end, signal })) {
          for (const d of page) out.push(d);
        }
        return out;
      } catch (err) {
        if (attempt === 0 && isSubscriptionMissing(err) && !signal.aborted && (await this.host.restartSubscription(this, err, signal))) continue;
        throw err;
      }
    }
  }

  /**
   * A window that fails transiently is listed again (done blobs are skipped, delivered records are
   * de-duplicated), so a `--once` run does not give up on a passing fault; the cursor still moves
   * only when the whole window succeeded.
   */
  private async runWindowWithRetry(start: number, end: number, signal: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runWindow(start, end, signal);
        return;
      } catch (err) {
        if (attempt >= WINDOW_ATTEMPTS || isAbort(err, signal) || !isWindowRetryable(err)) throw err;
        this.host.logger.debug({ ...this.log, attempt, err: errorInfo(err) }, 'window failed; listing it again');
        await sleep(WINDOW_RETRY_DELAY_MS * 2 ** (attempt - 1), signal);
      }
    }
  }

  private async runWindow(start: number, end: number, signal: AbortSignal): Promise<void> {
    const listed = await this.list(start, end, signal);
    const { done } = this.state;
    const todo: ContentDescriptor[] = [];
    const inWindow = new Set<string>();
    // Past its contentExpiration or not, every listed blob is fetched: only the API's refusal
    // (AF20051, AF20050, 404) makes it lost, never a clock here or in the listing.
    for (const d of listed) {
      if (done.has(d.contentId) || inWindow.has(d.contentId)) continue;
      inWindow.add(d.contentId);
      todo.push(d);
    }
    this.stats.blobsListed += todo.length;
    // With a backlog, the blobs closest to expiry go first (management-api.md §8 item 15).
    todo.sort((a, b) => a.contentExpiration - b.contentExpiration);

    const { semaphore } = this.host;
    let failure: { err: unknown } | undefined;
    const running: Promise<void>[] = [];
    for (const d of todo) {
      if (failure) break;
      try {
        await semaphore.acquire(signal);
      } catch (err) {
        failure ??= { err };
        break;
      }
      if (failure) {
        semaphore.release();
        break;
      }
      running.push(
        this.fetchOne(d, signal)
          .catch((err: unknown) => {
            failure ??= { err };
          })
          .finally(() => semaphore.release()),
      );
    }
    await Promise.all(running);
    if (failure) throw failure.err;
  }

  private markLost(d: ContentDescriptor, why: string, err?: unknown): void {
    this.state.done.set(d.contentId, d.contentCreated);
    this.state.totals.lostBlobs++;
    this.state.version++;
    this.stats.lostBlobs++;
    this.host.logger.warn(
      { ...this.log, contentId: d.contentId, contentCreated: new Date(d.contentCreated).toISOString(), err: err === undefined ? undefined : errorInfo(err) },
      `blob lost: ${why}`,
    );
    const lost: LostBlob = { tenantId: this.state.tenantId, contentType: this.contentType, contentId: d.contentId, contentCreated: d.contentCreated, reason: why };
    if (this.host.label !== undefined) lost.label = this.host.label;
    this.host.onLostBlob?.(lost);
  }

  /** Ids already delivered from this blob (for replay to skip): a scan, but only for rare bad blobs. */
  private deliveredIds(d: ContentDescriptor): string[] {
    return this.state.idsDeliveredAt(d.contentCreated);
  }

  /**
   * The body failed the same way on every attempt: keep it, then let the stream move on. The entry
   * is durable before the blob is marked done, so no commit lets the cursor pass an unkept blob.
   */
  private async quarantineBlob(d: ContentDescriptor, err: BadBlobBodyError): Promise<void> {
    const { quarantine } = this.host;
    const failure = { code: err.code, reason: err.reason, message: err.message, offset: err.offset, body: err.body, bodyCut: err.bodyCut };
    const attempts = err.context['attempts'];
    const entry = await quarantine.putBlob(this.state.tenantId, d, typeof attempts === 'number' ? { ...failure, attempts } : failure, this.deliveredIds(d));
    this.state.done.set(d.contentId, d.contentCreated);
    this.state.totals.quarantinedBlobs = (this.state.totals.quarantinedBlobs ?? 0) + 1;
    this.state.version++;
    this.stats.quarantinedBlobs++;
    this.host.logger.warn(
      { ...this.log, contentId: d.contentId, reason: err.reason, offset: err.offset, attempts, keptBytes: err.body?.length, deliveredBefore: entry.deliveredIds.length, where: quarantine.where(entry) },
      `blob quarantined: ${err.message}; its bytes are kept and the stream moves on (o365-audit replay fetches it again)`,
    );
    this.host.onProgress(this.stats);
  }

  /** Keeps the blob's rejected records (durably) before the blob counts as delivered. */
  private async quarantineRecords(d: ContentDescriptor, records: RejectedRecord[]): Promise<void> {
    const { quarantine } = this.host;
    records.sort((a, b) => a.offset - b.offset);
    const entry = await quarantine.putRecords(this.state.tenantId, d, records, this.deliveredIds(d));
    this.state.totals.quarantinedRecords = (this.state.totals.quarantinedRecords ?? 0) + records.length;
    this.state.version++;
    this.stats.quarantinedRecords += records.length;
    this.host.logger.warn(
      { ...this.log, contentId: d.contentId, records: records.map((r) => ({ offset: r.offset, reason: r.reason })), where: quarantine.where(entry) },
      `${records.length} record(s) quarantined, not delivered: ${records[0]!.message}${records.length > 1 ? ' (and others)' : ''}; the rest of the blob is delivered`,
    );
  }

  private async fetchOne(d: ContentDescriptor, signal: AbortSignal): Promise<void> {
    const { outputs } = this.host;
    const { totals } = this.state;
    const state = this.state;
    const stats = this.stats;
    const created = d.contentCreated;
    const meta: RecordMeta = { tenantId: state.tenantId, contentType: d.contentType || state.contentType, contentId: d.contentId };
    if (this.host.label !== undefined) meta.tenant = this.host.label;
    const single = outputs.length === 1 ? outputs[0] : undefined;

    // Hot path: a Map lookup, an index lookup and the output writes; a promise only under
    // back-pressure. The Id is recorded after the writes, so a throwing output never marks an
    // undelivered record as seen.
    const onRecord = (rec: RawRecord): void | Promise<void> => {
      const id = rec.id;
      if (id !== undefined && state.hasId(id)) {
        stats.duplicatesDropped++;
        totals.duplicatesDropped++;
        state.version++;
        return;
      }
      let wait: void | Promise<void> = undefined;
      if (single) {
        wait = single.write(rec.raw, meta, id);
      } else {
        let waits: Promise<void>[] | undefined;
        for (const o of outputs) {
          const w = o.write(rec.raw, meta, id);
          if (w) (waits ??= []).push(w);
        }
        if (waits) wait = Promise.all(waits).then(() => undefined);
      }
      if (id !== undefined) state.addId(id, created);
      stats.records++;
      stats.bytes! += rec.bytes ?? Buffer.byteLength(rec.raw);
      totals.records++;
      state.version++;
      // A full output must not keep an aborted run waiting (a stuck pipe, a failing disk).
      return wait ? untilAbort(wait, signal) : undefined;
    };

    // Rejected records by offset: a re-fetch after a cut body reports them again.
    let rejected: Map<number, RejectedRecord> | undefined;
    const onRejected = (r: RejectedRecord): void => {
      (rejected ??= new Map()).set(r.offset, r);
    };

    try {
      await this.host.api.fetchBlob(d, { signal, onRecord, onRejected });
    } catch (err) {
      if (err instanceof BadBlobBodyError && !signal.aborted) {
        await this.quarantineBlob(d, err);
        return;
      }
      if (!isPermanentBlobLoss(err) || signal.aborted) throw err;
      this.markLost(d, `the API says it is gone (${err.afCode ?? err.status ?? ''})`, err);
      return;
    }
    if (rejected !== undefined) await this.quarantineRecords(d, [...rejected.values()]);
    state.done.set(d.contentId, created);
    totals.blobs++;
    state.version++;
    stats.blobs++;
    this.host.onProgress(stats);
  }
}
