// Replay of the quarantine: fetches every quarantined blob again while the API still has it and
// delivers its good records through the configured outputs, with the collector's de-duplication
// (the stream's committed Ids plus the Ids the entry says were already delivered from that blob),
// under the same commit protocol (outputs flushed, then checkpoints and positions together). Only
// after that commit is an entry marked replayed: a crash in between means the next replay fetches
// it again and drops what is already delivered, never that a record is marked done but missing.

import type { ContentDescriptor, RejectedRecord } from '../api/types.js';
import { BadBlobBodyError } from '../errors.js';
import type { Output, RecordMeta } from '../outputs/types.js';
import type { Quarantine, QuarantineEntry, ReplayAttempt } from '../state/quarantine.js';
import { streamKey, type StateStore } from '../state/types.js';
import { Committer } from './committer.js';
import { errorInfo, isPermanentBlobLoss } from './errors-info.js';
import { StreamState } from './stream-state.js';
import type { Logger, TenantRuntime } from './types.js';

export type ReplayOutcome = ReplayAttempt['outcome'] | 'skipped';

export interface ReplayBlobResult {
  tenantId: string;
  label?: string;
  contentType: string;
  contentId: string;
  kind: QuarantineEntry['kind'];
  outcome: ReplayOutcome;
  /** Records written to the outputs by this replay. */
  delivered: number;
  /** Records of the blob already delivered before (dropped). */
  duplicates: number;
  /** What happened, in plain words. */
  message: string;
  /** The entry's folder, when the quarantine is on disk. */
  where?: string;
}

export interface ReplayOptions {
  tenants: TenantRuntime[];
  outputs: Output[];
  state: StateStore;
  quarantine: Quarantine;
  logger: Logger;
  now?: () => number;
  signal?: AbortSignal;
}

export interface ReplayResult {
  /** One per entry that was waiting (status "quarantined"), in quarantine order. */
  blobs: ReplayBlobResult[];
}

export async function replayQuarantine(o: ReplayOptions): Promise<ReplayResult> {
  const now = o.now ?? Date.now;
  const signal = o.signal ?? new AbortController().signal;
  const waiting = (await o.quarantine.list()).filter((e) => e.status === 'quarantined');
  const results: ReplayBlobResult[] = [];
  if (waiting.length === 0) return { blobs: results };

  const committed = await o.state.load();
  const opened: Output[] = [];
  try {
    for (const out of o.outputs) {
      await out.open(committed.outputs[out.name]);
      opened.push(out);
    }
  } catch (err) {
    await Promise.allSettled(opened.map((x) => x.close()));
    await o.state.close().catch(() => {});
    throw err;
  }
  // Only streams with a committed checkpoint take part in commits: replay never invents a cursor.
  const states = new Map<string, StreamState>();
  for (const [key, cp] of committed.streams) states.set(key, new StreamState(cp.tenantId, cp.contentType, cp, o.state.ids(cp.tenantId, cp.contentType)));
  const committer = new Committer(o.outputs, [...states.values()], o.state, o.logger, now);
  for (const out of o.outputs) out.bindCommitRequest?.(() => committer.request());
  let finalError: unknown;
  try {
    for (const entry of waiting) {
      signal.throwIfAborted();
      const tenant = o.tenants.find((t) => t.tenantId.toLowerCase() === entry.tenantId.toLowerCase());
      const base: ReplayBlobResult = {
        tenantId: entry.tenantId,
        ...(tenant?.label !== undefined ? { label: tenant.label } : {}),
        contentType: entry.contentType,
        contentId: entry.contentId,
        kind: entry.kind,
        outcome: 'skipped',
        delivered: 0,
        duplicates: 0,
        message: '',
      };
      const where = o.quarantine.where(entry);
      if (where !== undefined) base.where = where;
      if (tenant === undefined) {
        results.push({ ...base, message: 'its tenant is not in the configuration: left in the quarantine' });
        continue;
      }
      const result = await replayOne(o, tenant, entry, states.get(streamKey(entry.tenantId, entry.contentType)), base, signal);
      // What was written must be committed before the entry says so.
      if (result.delivered > 0 || result.duplicates > 0) await committer.commit();
      if (result.outcome !== 'skipped') {
        const attempt: ReplayAttempt = { at: new Date(now()).toISOString(), outcome: result.outcome, delivered: result.delivered, duplicates: result.duplicates, message: result.message };
        const replays = [...result.entry.replays, attempt];
        if (result.stillBad !== undefined) {
          // The entry becomes one of kind "records" (its files and entry.json written once), keeping its history.
          await o.quarantine.putRecords(entry.tenantId, descriptorOf(entry), result.stillBad, result.entry.deliveredIds, { quarantinedAt: entry.quarantinedAt, replays });
        } else {
          result.entry.replays = replays;
          if (result.outcome === 'replayed') result.entry.status = 'replayed';
          if (result.outcome === 'gone') result.entry.status = 'gone';
          await o.quarantine.update(result.entry);
        }
      }
      const { entry: _e, stillBad: _b, ...row } = result;
      results.push(row);
      const level = result.outcome === 'replayed' ? 'info' : 'warn';
      o.logger[level]({ tenant: tenant.label ?? entry.tenantId, contentType: entry.contentType, contentId: entry.contentId, outcome: result.outcome, delivered: result.delivered, duplicates: result.duplicates }, `replay: ${result.message}`);
    }
    await committer.commit();
  } catch (err) {
    finalError = err;
  }
  const closed = await Promise.allSettled(o.outputs.map((x) => x.close()));
  for (const r of closed) if (r.status === 'rejected') finalError ??= r.reason;
  await o.state.close().catch((err: unknown) => {
    finalError ??= err;
  });
  if (finalError !== undefined) throw finalError;
  return { blobs: results };
}

function descriptorOf(e: QuarantineEntry): ContentDescriptor {
  return {
    contentType: e.contentType,
    contentId: e.contentId,
    contentUri: e.url,
    contentCreated: Date.parse(e.contentCreated),
    contentExpiration: Date.parse(e.contentExpiration),
  };
}

/** One entry's replay: the row, the entry to store, and the records still bad (stored as a "records" entry). */
type ReplayOne = ReplayBlobResult & { entry: QuarantineEntry; stillBad?: RejectedRecord[] };

async function replayOne(
  o: ReplayOptions,
  tenant: TenantRuntime,
  entry: QuarantineEntry,
  state: StreamState | undefined,
  base: ReplayBlobResult,
  signal: AbortSignal,
): Promise<ReplayOne> {
  const d = descriptorOf(entry);
  const before = new Set(entry.deliveredIds);
  const meta: RecordMeta = { tenantId: entry.tenantId, contentType: entry.contentType, contentId: entry.contentId };
  if (tenant.label !== undefined) meta.tenant = tenant.label;
  let delivered = 0;
  let duplicates = 0;
  const newIds: string[] = [];
  const rejected = new Map<number, RejectedRecord>();
  const onRecord = async (rec: { raw: string; id: string | undefined }): Promise<void> => {
    const id = rec.id;
    if (id === undefined) return; // the client rejects these before they get here
    if (before.has(id) || state?.hasId(id) === true) {
      duplicates++;
      return;
    }
    const waits: Promise<void>[] = [];
    for (const out of o.outputs) {
      const w = out.write(rec.raw, meta, id);
      if (w) waits.push(w);
    }
    if (waits.length > 0) await Promise.all(waits);
    before.add(id);
    newIds.push(id);
    delivered++;
    if (state !== undefined) {
      state.addId(id, d.contentCreated);
      state.totals.records++;
      state.version++;
    }
  };
  const onRejected = (r: RejectedRecord): void => {
    rejected.set(r.offset, r);
  };
  const done = (outcome: ReplayOutcome, message: string, e: QuarantineEntry = entry, stillBad?: RejectedRecord[]): ReplayOne => ({
    ...base,
    outcome,
    delivered,
    duplicates,
    message,
    entry: e,
    ...(stillBad !== undefined ? { stillBad } : {}),
  });
  try {
    await tenant.api.fetchBlob(d, { signal, onRecord, onRejected });
  } catch (err) {
    if (signal.aborted) throw err;
    const updated = { ...entry, deliveredIds: [...entry.deliveredIds, ...newIds] };
    if (err instanceof BadBlobBodyError) {
      return done('still-bad', `the API still sends a bad body (${err.message}); ${delivered} record(s) delivered before it; kept in the quarantine`, updated);
    }
    if (isPermanentBlobLoss(err)) {
      return done('gone', `the API no longer has this blob (${err.afCode ?? `HTTP ${err.status ?? ''}`}): the records not yet delivered from it are lost`, updated);
    }
    return done('failed', `fetch failed (${errorInfo(err).message}); ${delivered} record(s) delivered; kept in the quarantine, try again later`, updated);
  }
  const deliveredIds = [...entry.deliveredIds, ...newIds];
  if (rejected.size > 0) {
    // The body is whole now but some records are still bad: they stay, the rest is delivered.
    const list = [...rejected.values()].sort((a, b) => a.offset - b.offset);
    return done(
      'still-bad',
      `${delivered} record(s) delivered, ${duplicates} already delivered; ${list.length} record(s) still bad (${list[0]!.message}${list.length > 1 ? ', …' : ''}): kept in the quarantine`,
      { ...entry, deliveredIds },
      list,
    );
  }
  return done('replayed', `${delivered} record(s) delivered, ${duplicates} already delivered before (dropped)`, { ...entry, deliveredIds });
}
