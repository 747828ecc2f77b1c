// createCollector(): runs every (tenant, content type) stream, concurrently and isolated from one
// another, commits delivered progress on a timer, at window ends and at shutdown, and returns the
// run summary. run({ once: true }) catches up to the `now` at its start; otherwise it polls until
// the signal aborts, then flushes, commits and closes outputs and state.

import { EventEmitter, setMaxListeners } from 'node:events';
import type { ApiCounters } from '../api/types.js';
import { OutputError } from '../errors.js';
import type { Output } from '../outputs/types.js';
import { MemoryQuarantine } from '../state/quarantine.js';
import { streamKey } from '../state/types.js';
import { TenantClock } from './clock.js';
import { Committer } from './committer.js';
import { missingCheckpointError } from './missing-checkpoint.js';
import { Semaphore } from './semaphore.js';
import { pause as sleep } from '../shared/sleep.js';
import { StreamState } from './stream-state.js';
import { Stream } from './stream.js';
import { SubscriptionKeeper } from './subscriptions.js';
import type { CollectorEvents, CollectorOptions, CollectorStatus, RunOptions, RunSummary, TenantRuntime } from './types.js';
import { initialCursor } from './windows.js';

export interface Collector {
  run(runOptions: RunOptions): Promise<RunSummary>;
  /** What the run is doing now (metrics, readiness); undefined before run() got going. */
  status(): CollectorStatus | undefined;
  on<E extends keyof CollectorEvents>(event: E, listener: CollectorEvents[E]): this;
  off<E extends keyof CollectorEvents>(event: E, listener: CollectorEvents[E]): this;
}

interface TenantRun {
  tenant: TenantRuntime;
  /** This machine's clock (the API's Date never replaces it: see clock.ts). */
  clock: () => number;
  time: TenantClock;
  streams: Stream[];
  keeper: SubscriptionKeeper;
  counters0: ApiCounters;
}

/** The reader of an output went away (stdout EPIPE): the run ends cleanly, uncommitted records come again. */
function isReaderGone(err: unknown): boolean {
  return err instanceof OutputError && err.context.reason === 'EPIPE';
}

/** Tuning that is not user configuration. */
export interface CollectorInternals {
  /** Longest wait for the final flush + commit and the closes at shutdown (default 30 s). */
  shutdownTimeoutMs?: number;
}

/** Rejects with `err` if `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(err()), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

class CollectorImpl extends EventEmitter implements Collector {
  private started = false;
  private readonly shutdownTimeoutMs: number;
  private live: { tenants: TenantRun[]; committer: Committer; running: boolean } | undefined;

  constructor(
    private readonly options: CollectorOptions,
    internals: CollectorInternals = {},
  ) {
    super();
    this.shutdownTimeoutMs = internals.shutdownTimeoutMs ?? 30_000;
  }

  status(): CollectorStatus | undefined {
    const live = this.live;
    if (live === undefined) return undefined;
    return {
      running: live.running,
      streams: live.tenants.flatMap((t) => t.streams.map((s) => ({ stats: s.stats, cursor: s.state.cursor }))),
      tenants: live.tenants.map((t) => {
        // A pure read: a scrape or probe neither logs a skew nor changes the run summary; the
        // streams' own reads (host.time) note it.
        const time = t.time.peek();
        return {
          tenantId: t.tenant.tenantId,
          ...(t.tenant.label !== undefined ? { label: t.tenant.label } : {}),
          counters: t.tenant.api.counters,
          clockSkewMs: time.skewMs,
          clockSkewed: time.skewed,
        };
      }),
      commits: live.committer.commits,
      commitFailing: live.committer.lastError !== undefined,
    };
  }

  override on<E extends keyof CollectorEvents>(event: E, listener: CollectorEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof CollectorEvents>(event: E, listener: CollectorEvents[E]): this {
    return super.off(event, listener);
  }

  async run(runOptions: RunOptions): Promise<RunSummary> {
    if (this.started) throw new Error('a collector runs once; create a new one');
    this.started = true;
    const t0 = Date.now();
    const { options } = this;
    const { logger, state, outputs } = options;
    const abort = new AbortController();
    // Every queued blob download and API call of every stream listens on this one signal: with
    // more than a few streams Node would warn of a "possible memory leak" that is none.
    setMaxListeners(0, abort.signal);
    const onAbort = (): void => abort.abort(runOptions.signal?.reason);
    if (runOptions.signal?.aborted) abort.abort(runOptions.signal.reason);
    runOptions.signal?.addEventListener('abort', onAbort, { once: true });

    const committed = await state.load();
    const opened: Output[] = [];
    try {
      for (const o of outputs) {
        await o.open(committed.outputs[o.name]);
        opened.push(o);
      }
    } catch (err) {
      await Promise.allSettled(opened.map((o) => o.close()));
      await state.close().catch(() => {});
      runOptions.signal?.removeEventListener('abort', onAbort);
      throw err;
    }

    const quarantine = options.quarantine ?? new MemoryQuarantine();
    for (const r of committed.restored ?? []) {
      logger.warn({ tenant: r.tenantId, contentType: r.contentType, file: r.file }, 'stream checkpoint file was missing; restored from the last commit in the journal (commit.json)');
    }
    const missing = new Map((committed.missing ?? []).map((m) => [streamKey(m.tenantId, m.contentType), m]));
    let committer!: Committer;
    const tenants: TenantRun[] = options.tenants.map((tenant) => {
      const clock = options.now ?? Date.now;
      const time = new TenantClock(tenant.api, clock, logger, tenant.label === undefined ? { tenant: tenant.tenantId } : { tenant: tenant.tenantId, label: tenant.label });
      const semaphore = new Semaphore(tenant.settings.blobConcurrency);
      const streams: Stream[] = [];
      const keeper = new SubscriptionKeeper(tenant.api, streams, logger, clock);
      const host = {
        api: tenant.api,
        settings: tenant.settings,
        label: tenant.label,
        outputs,
        semaphore,
        logger,
        clock,
        time: () => time.read(),
        quarantine,
        restartSubscription: (s: Stream, err: unknown, signal: AbortSignal) => keeper.restart(s, err, signal),
        requestCommit: () => committer.request(),
        onProgress: (s: Parameters<CollectorEvents['progress']>[0]) => this.emit('progress', s),
        onError: (s: Parameters<CollectorEvents['streamError']>[0]) => this.emit('streamError', s),
        onLostSpan: (s: Parameters<CollectorEvents['lostSpan']>[0]) => this.emit('lostSpan', s),
        onLostBlob: (b: Parameters<CollectorEvents['lostBlob']>[0]) => this.emit('lostBlob', b),
        onOk: (s: Parameters<CollectorEvents['streamOk']>[0]) => this.emit('streamOk', s),
      };
      const now = clock();
      for (const ct of tenant.contentTypes) {
        const key = streamKey(tenant.tenantId, ct);
        const cp = committed.streams.get(key);
        const gone = missing.get(key);
        const st = new StreamState(tenant.tenantId, ct, cp ?? { cursor: initialCursor(now, tenant.settings) }, state.ids(tenant.tenantId, ct));
        const stream = new Stream(st, host);
        if (gone !== undefined) stream.refuse(missingCheckpointError(gone));
        streams.push(stream);
      }
      return { tenant, clock, time, streams, keeper, counters0: { ...tenant.api.counters } };
    });
    const allStreams = tenants.flatMap((t) => t.streams);
    committer = new Committer(
      outputs,
      // A refused stream commits nothing: its checkpoint must stay missing until the user decides.
      allStreams.filter((s) => s.refused === undefined).map((s) => s.state),
      state,
      logger,
      options.now ?? Date.now,
    );
    for (const o of outputs) o.bindCommitRequest?.(() => committer.request());
    this.live = { tenants, committer, running: false };

    let finalError: unknown;
    let timer: NodeJS.Timeout | undefined;
    try {
      // First commit before any write: fixes new streams' cursors and the outputs' start positions,
      // so a crash before the next commit trims back to here rather than guessing.
      await committer.commit();
      timer = setInterval(() => committer.request(), Math.max(10, options.commitIntervalMs));
      timer.unref();
      this.live.running = true;
      this.emit('started');
      logger.info({ tenants: tenants.length, streams: allStreams.length, once: runOptions.once }, 'collector started');
      await Promise.all(tenants.map((t) => this.runTenant(t, runOptions.once, abort.signal)));
    } catch (err) {
      finalError = err;
    } finally {
      if (timer) clearInterval(timer);
      runOptions.signal?.removeEventListener('abort', onAbort);
    }
    // A stuck output (a reader that stopped reading) must not hold the shutdown forever: what it
    // did not accept is simply not committed, and comes again next run.
    const stuck = (what: string) => () =>
      new OutputError(`Outputs did not ${what} within ${this.shutdownTimeoutMs} ms at shutdown; records after the last commit will be delivered again next run`, {
        context: { timeoutMs: this.shutdownTimeoutMs },
      });
    // A run that ended by itself (--once caught up) waits for a slow but working output (a busy
    // cluster indexing its backlog): the outputs give up on their own when they really fail. Only a
    // stop on request (signal, EPIPE) is bounded, so SIGTERM never hangs.
    const stopped = abort.signal.aborted;
    if (finalError === undefined) {
      try {
        const last = committer.commit();
        await (stopped ? within(last, this.shutdownTimeoutMs, stuck('accept the last records')) : last);
      } catch (err) {
        finalError = err;
      }
    }
    try {
      const closeResults = await within(Promise.allSettled(outputs.map((o) => o.close())), this.shutdownTimeoutMs, stuck('close'));
      for (const r of closeResults) if (r.status === 'rejected' && finalError === undefined) finalError = r.reason;
    } catch (err) {
      finalError ??= err;
    }
    await state.close().catch((err: unknown) => {
      finalError ??= err;
    });

    this.live.running = false;
    this.emit('stopped');
    const summary = this.summarise(tenants, runOptions.once, Date.now() - t0);
    logger.info({ records: summary.records, blobs: summary.blobs, failedStreams: summary.failedStreams, durationMs: summary.durationMs }, 'collector stopped');
    if (finalError !== undefined && !isReaderGone(finalError)) throw finalError;
    return summary;
  }

  private async runTenant(t: TenantRun, once: boolean, signal: AbortSignal): Promise<void> {
    const { intervalMs } = this.options;
    if (once) {
      const now = t.clock(); // --once catches up to the start of the run
      await t.keeper.ensure(signal);
      await Promise.all(t.streams.filter((s) => s.refused === undefined).map((s) => s.round(now, signal)));
      return;
    }
    // Each stream polls on its own, so one in a long retry never delays its siblings.
    await Promise.all(
      t.streams.filter((s) => s.refused === undefined).map(async (s) => {
        while (!signal.aborted) {
          await t.keeper.ensure(signal);
          if (signal.aborted) break;
          await s.round(t.clock(), signal);
          await sleep(intervalMs, signal);
        }
      }),
    );
  }

  private summarise(tenants: TenantRun[], once: boolean, durationMs: number): RunSummary {
    const streams = tenants.flatMap((t) => t.streams);
    const delta = (k: keyof ApiCounters): number => tenants.reduce((n, t) => n + (t.tenant.api.counters[k] - t.counters0[k]), 0);
    const sum = (f: (s: Stream) => number): number => streams.reduce((n, s) => n + f(s), 0);
    return {
      records: sum((s) => s.stats.records),
      blobs: sum((s) => s.stats.blobs),
      retries: delta('retries'),
      throttles: delta('throttled'),
      refusedUrls: delta('refusedUrls'),
      lostBlobs: sum((s) => s.stats.lostBlobs),
      lostSpans: sum((s) => s.stats.lostSpans ?? 0),
      duplicatesDropped: sum((s) => s.stats.duplicatesDropped),
      quarantinedBlobs: sum((s) => s.stats.quarantinedBlobs),
      quarantinedRecords: sum((s) => s.stats.quarantinedRecords),
      failedStreams: streams.filter((s) => s.stats.error !== undefined || (once && !s.stats.caughtUp)).length,
      clockSkews: tenants
        .filter((t) => t.time.worstSkewMs !== undefined)
        .map((t) => ({ tenantId: t.tenant.tenantId, ...(t.tenant.label !== undefined ? { label: t.tenant.label } : {}), skewMs: t.time.worstSkewMs as number })),
      streams: streams.map((s) => ({ ...s.stats })),
      durationMs,
    };
  }
}

export function createCollector(options: CollectorOptions, internals?: CollectorInternals): Collector {
  return new CollectorImpl(options, internals);
}
