// Health events: one ECS document (event.dataset `o365_audit.collector`) each time a stream changes
// state, written to the outputs beside the records, so the SIEM that receives the audit records also
// hears that a tenant stopped delivering. Derived from the collector's own events and stats (nothing
// in the collector knows about them): streamError/streamOk give failing/recovered transitions,
// lostSpan/lostBlob the data lost, the quarantine counters in the stats the quarantined blobs and
// records, the tenant's clock view the skew. Each is written once per transition, never per poll.
//
// Delivery: they are written through the outputs' normal write(), so they ride the same commits as
// the records. They are notifications, not data: one written after the last commit of a run that
// then crashes is not repeated (the next transition will be reported).

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Collector } from '../collector/collector.js';
import type { LostBlob, LostSpan, StreamStats } from '../collector/types.js';
import { scrub } from '../logging/redact.js';
import type { Output, RecordMeta } from '../outputs/types.js';

export const HEALTH_DATASET = 'o365_audit.collector';
export const HEALTH_MODULE = 'o365_audit';
/** Every health event's JSON text starts with this: the entry pipeline routes on it (pipelines/default.yml). */
export const HEALTH_EVENT_PREFIX = `{"event":{"dataset":"${HEALTH_DATASET}"`;

export type HealthAction =
  | 'stream-failing'
  | 'stream-recovered'
  | 'blob-quarantined'
  | 'records-quarantined'
  | 'blob-lost'
  | 'span-lost'
  | 'clock-skew'
  | 'clock-ok';

// Syslog severities (ECS event.severity is numeric and source-defined): lower is worse.
const SEVERITY: Record<HealthAction, number> = {
  'span-lost': 2,
  'blob-lost': 2,
  'stream-failing': 3,
  'blob-quarantined': 4,
  'records-quarantined': 4,
  'clock-skew': 4,
  'stream-recovered': 6,
  'clock-ok': 6,
};

export interface HealthEventInput {
  action: HealthAction;
  tenantId: string;
  label?: string;
  contentType?: string;
  message: string;
  error?: { code: string; message: string; afCode?: string; hint?: string };
  contentId?: string;
  count?: number;
  span?: { from: number; to: number };
  clockSkewMs?: number;
}

/** The ECS document of one health event, as JSON text starting with HEALTH_EVENT_PREFIX. */
export function healthEventJson(e: HealthEventInput, o: { now: number; version: string; host: string }): string {
  const failure = ['stream-failing', 'blob-lost', 'span-lost', 'blob-quarantined', 'records-quarantined', 'clock-skew'].includes(e.action);
  const collector: Record<string, unknown> = { tenant_id: e.tenantId };
  if (e.label !== undefined) collector['tenant'] = e.label;
  if (e.contentType !== undefined) collector['content_type'] = e.contentType;
  collector['state'] = e.action === 'stream-recovered' || e.action === 'clock-ok' ? 'ok' : e.action === 'stream-failing' ? 'failing' : 'degraded';
  if (e.error?.afCode !== undefined) collector['af_code'] = e.error.afCode;
  if (e.error?.hint !== undefined) collector['hint'] = scrub(e.error.hint);
  if (e.contentId !== undefined) collector['content_id'] = e.contentId;
  if (e.count !== undefined) collector['count'] = e.count;
  if (e.span !== undefined) {
    collector['span'] = { from: new Date(e.span.from).toISOString(), to: new Date(e.span.to).toISOString() };
    collector['lost_seconds'] = Math.round((e.span.to - e.span.from) / 1000);
  }
  if (e.clockSkewMs !== undefined) collector['clock_skew_seconds'] = Math.round(e.clockSkewMs / 1000);
  const at = new Date(o.now).toISOString();
  // `event` first, `dataset` first inside it: the entry pipeline recognises the text by its prefix.
  const doc: Record<string, unknown> = {
    event: {
      dataset: HEALTH_DATASET,
      module: HEALTH_MODULE,
      kind: 'event',
      action: e.action,
      outcome: failure ? 'failure' : 'success',
      severity: SEVERITY[e.action],
      created: at,
      reason: scrub(e.message),
    },
    '@timestamp': at,
    message: scrub(e.message),
    ecs: { version: '8.11.0' },
    organization: { id: e.tenantId, ...(e.label !== undefined ? { name: e.label } : {}) },
    agent: { type: 'o365-audit', version: o.version },
    host: { name: o.host },
    o365_audit: { collector },
  };
  if (e.error !== undefined) doc['error'] = { code: e.error.afCode ?? e.error.code, message: scrub(e.error.message) };
  return JSON.stringify(doc);
}

function streamName(s: { tenantId: string; label?: string; contentType?: string }): string {
  return `${s.label ?? s.tenantId}${s.contentType !== undefined ? ` / ${s.contentType}` : ''}`;
}

export interface HealthEventsOptions {
  /** Outputs that receive the events (already filtered by health_events.outputs). */
  outputs: readonly Output[];
  version: string;
  now?: () => number;
  host?: string;
  onWriteError?: (err: unknown) => void;
}

/** Watches a collector and writes health events; `counts()` feeds o365_audit_health_events_total. */
export class HealthEvents {
  private readonly failing = new Map<string, string>();
  private readonly quarantined = new Map<string, { blobs: number; records: number }>();
  private readonly skewed = new Set<string>();
  private readonly written: Record<string, number> = {};
  private open = false;

  constructor(
    private readonly collector: Collector,
    private readonly o: HealthEventsOptions,
  ) {
    collector.on('started', () => {
      this.open = true;
    });
    collector.on('stopped', () => {
      this.open = false;
    });
    collector.on('streamError', (s) => this.onStreamError(s));
    collector.on('streamOk', (s) => this.onStreamOk(s));
    collector.on('progress', (s) => this.onQuarantine(s));
    collector.on('lostSpan', (s) => this.onLostSpan(s));
    collector.on('lostBlob', (b) => this.onLostBlob(b));
  }

  counts(): Record<string, number> {
    return { ...this.written };
  }

  private key(s: { tenantId: string; contentType: string }): string {
    return `${s.tenantId}\u0000${s.contentType}`;
  }

  private onStreamError(s: StreamStats): void {
    this.onQuarantine(s);
    this.checkClock(s);
    const err = s.error;
    if (err === undefined) return;
    const sig = `${err.code}\u0000${err.afCode ?? ''}`;
    const k = this.key(s);
    if (this.failing.get(k) === sig) return; // still failing the same way: said once
    this.failing.set(k, sig);
    this.emit({
      action: 'stream-failing',
      tenantId: s.tenantId,
      ...(s.label !== undefined ? { label: s.label } : {}),
      contentType: s.contentType,
      message: `${streamName(s)} is failing${err.afCode !== undefined ? ` (${err.afCode})` : ''}: ${err.message}${err.hint !== undefined ? ` Hint: ${err.hint}` : ''}`,
      error: err,
    });
  }

  private onStreamOk(s: StreamStats): void {
    this.onQuarantine(s);
    this.checkClock(s);
    const k = this.key(s);
    if (!this.failing.has(k)) return;
    this.failing.delete(k);
    this.emit({
      action: 'stream-recovered',
      tenantId: s.tenantId,
      ...(s.label !== undefined ? { label: s.label } : {}),
      contentType: s.contentType,
      message: `${streamName(s)} recovered: it caught up and delivers again`,
    });
  }

  private onQuarantine(s: StreamStats): void {
    const k = this.key(s);
    const prev = this.quarantined.get(k) ?? { blobs: 0, records: 0 };
    const now = { blobs: s.quarantinedBlobs, records: s.quarantinedRecords };
    this.quarantined.set(k, now);
    const base = { tenantId: s.tenantId, ...(s.label !== undefined ? { label: s.label } : {}), contentType: s.contentType };
    if (now.blobs > prev.blobs) {
      const n = now.blobs - prev.blobs;
      this.emit({ ...base, action: 'blob-quarantined', count: n, message: `${streamName(s)}: ${n} blob(s) failed the same way on every try and were set aside in the quarantine (o365-audit replay fetches them again)` });
    }
    if (now.records > prev.records) {
      const n = now.records - prev.records;
      this.emit({ ...base, action: 'records-quarantined', count: n, message: `${streamName(s)}: ${n} record(s) were not valid (not JSON, no Id, invalid UTF-8 or too large) and were set aside in the quarantine` });
    }
  }

  private checkClock(s: StreamStats): void {
    const t = this.collector.status()?.tenants.find((x) => x.tenantId === s.tenantId);
    if (t === undefined) return;
    const base = { tenantId: t.tenantId, ...(t.label !== undefined ? { label: t.label } : {}) };
    if (t.clockSkewed && !this.skewed.has(t.tenantId)) {
      this.skewed.add(t.tenantId);
      this.emit({
        ...base,
        action: 'clock-skew',
        ...(t.clockSkewMs !== undefined ? { clockSkewMs: t.clockSkewMs } : {}),
        message: `${streamName(t)}: the API's clock and this machine's disagree by ${Math.round((t.clockSkewMs ?? 0) / 1000)} s; cursors are held and nothing is marked lost until they agree (check NTP on this machine, or a proxy that rewrites Date)`,
      });
    } else if (!t.clockSkewed && this.skewed.has(t.tenantId)) {
      this.skewed.delete(t.tenantId);
      this.emit({ ...base, action: 'clock-ok', message: `${streamName(t)}: the API's clock and this machine's agree again` });
    }
  }

  private onLostSpan(s: LostSpan): void {
    this.emit({
      action: 'span-lost',
      tenantId: s.tenantId,
      ...(s.label !== undefined ? { label: s.label } : {}),
      contentType: s.contentType,
      span: { from: s.from, to: s.to },
      message: `${streamName(s)}: DATA LOST: ${new Date(s.from).toISOString()} to ${new Date(s.to).toISOString()} is older than the 7 days the API keeps and can no longer be collected`,
    });
  }

  private onLostBlob(b: LostBlob): void {
    this.emit({
      action: 'blob-lost',
      tenantId: b.tenantId,
      ...(b.label !== undefined ? { label: b.label } : {}),
      contentType: b.contentType,
      contentId: b.contentId,
      message: `${streamName(b)}: DATA LOST: blob ${b.contentId} could not be fetched and never will be (${b.reason})`,
    });
  }

  private emit(e: HealthEventInput): void {
    if (!this.open) return;
    this.written[e.action] = (this.written[e.action] ?? 0) + 1;
    const json = healthEventJson(e, { now: (this.o.now ?? Date.now)(), version: this.o.version, host: this.o.host ?? hostname() });
    const meta: RecordMeta = { tenantId: e.tenantId, contentType: HEALTH_DATASET, contentId: `health:${e.action}` };
    if (e.label !== undefined) meta.tenant = e.label;
    // One id per event, the same in every output: a batch resent to Elasticsearch stays one document.
    const id = randomUUID();
    for (const out of this.o.outputs) {
      try {
        const r = out.write(json, meta, id);
        if (r) r.catch((err: unknown) => this.o.onWriteError?.(err));
      } catch (err) {
        this.o.onWriteError?.(err);
      }
    }
  }
}
