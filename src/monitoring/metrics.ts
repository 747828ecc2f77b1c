// Prometheus metrics of a collector run (prom-client, its own registry). Nothing is counted twice:
// every figure is read at scrape time from what the collector already keeps (stream stats, API
// counters, the InstrumentedOutput's figures), so the hot path pays nothing for metrics. Labels
// carry tenant ids, tenant labels, content types and output names only: never a URL or a secret.
// One scrape reads the collector's status once (building it reads every tenant's clock), and
// every metric of that scrape is computed from that one reading.

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { CollectorStatus, StreamStats } from '../collector/types.js';
import type { OutputFigures } from './instrumented-output.js';

export interface MetricsSource {
  status(): CollectorStatus | undefined;
  outputs(): OutputFigures[];
  /** Health events written so far, by action (optional). */
  healthEvents?(): Record<string, number>;
}

const STREAM_LABELS = ['tenant', 'tenant_id', 'content_type'] as const;
const TENANT_LABELS = ['tenant', 'tenant_id'] as const;
type StreamLabel = (typeof STREAM_LABELS)[number];
type TenantLabel = (typeof TENANT_LABELS)[number];

function streamLabels(s: Readonly<StreamStats>): Record<StreamLabel, string> {
  return { tenant: s.label ?? s.tenantId, tenant_id: s.tenantId, content_type: s.contentType };
}

export const METRIC_PREFIX = 'o365_audit_';

/**
 * A registry that brackets each scrape (metrics(), getMetricsAsJSON(): prom-client calls every
 * metric's collect() inside them). `perScrape(read)` calls `read` at most once per scrape, so the
 * collect()s of one scrape share one reading; outside a scrape it reads every time. Overlapping
 * scrapes share the reading taken first.
 */
class ScrapeRegistry extends Registry {
  private open = 0;
  private scrapes = 0;

  perScrape<T>(read: () => T): () => T {
    let memo: { scrape: number; value: T } | undefined;
    return () => {
      if (this.open === 0) return read();
      if (memo?.scrape !== this.scrapes) memo = { scrape: this.scrapes, value: read() };
      return memo.value;
    };
  }

  private async scrape<T>(run: () => Promise<T>): Promise<T> {
    if (this.open++ === 0) this.scrapes++;
    try {
      return await run();
    } finally {
      this.open--;
    }
  }

  override metrics(): Promise<string> {
    return this.scrape(() => super.metrics());
  }

  override getMetricsAsJSON(): ReturnType<Registry['getMetricsAsJSON']> {
    return this.scrape(() => super.getMetricsAsJSON());
  }
}

/** Creates the registry with every metric; `version` goes into o365_audit_build_info. */
export function createMetricsRegistry(source: MetricsSource, o: { version: string; processMetrics?: boolean }): Registry {
  const registry = new ScrapeRegistry();
  const registers = [registry];
  const status = registry.perScrape(() => source.status());
  // Process metrics under their conventional names (process_*, nodejs_*), as dashboards expect.
  if (o.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const perStream = (name: string, help: string, value: (s: Readonly<StreamStats>) => number): void => {
    new Counter<StreamLabel>({
      name: METRIC_PREFIX + name,
      help,
      labelNames: STREAM_LABELS,
      registers,
      collect() {
        this.reset();
        for (const { stats } of status()?.streams ?? []) this.inc(streamLabels(stats), value(stats));
      },
    });
  };
  perStream('records_total', 'Audit records delivered to the outputs in this run.', (s) => s.records);
  perStream('blobs_total', 'Content blobs fully delivered in this run.', (s) => s.blobs);
  perStream('record_bytes_total', 'UTF-8 bytes of the audit records delivered in this run.', (s) => s.bytes ?? 0);
  perStream('duplicates_dropped_total', 'Records dropped because their Id was already delivered.', (s) => s.duplicatesDropped);
  perStream('blobs_lost_total', 'Blobs the API says are gone or expired before they could be fetched (data lost).', (s) => s.lostBlobs);
  perStream('blobs_quarantined_total', 'Blobs set aside in the quarantine after failing the same way on every try.', (s) => s.quarantinedBlobs);
  perStream('records_quarantined_total', 'Records set aside in the quarantine (not JSON, no Id, invalid UTF-8, oversize).', (s) => s.quarantinedRecords);
  perStream('spans_lost_total', 'Time spans older than the 7 days the API keeps, skipped (data lost).', (s) => s.lostSpans ?? 0);
  perStream('spans_lost_seconds_total', 'Length of the time spans lost to expiry.', (s) => s.lostSpanMs / 1000);

  const streamGauge = (name: string, help: string, value: (s: Readonly<StreamStats>, cursor: number, now: number) => number | undefined): void => {
    new Gauge<StreamLabel>({
      name: METRIC_PREFIX + name,
      help,
      labelNames: STREAM_LABELS,
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const { stats, cursor } of status()?.streams ?? []) {
          const v = value(stats, cursor, now);
          if (v !== undefined) this.set(streamLabels(stats), v);
        }
      },
    });
  };
  streamGauge('last_success_timestamp_seconds', 'When the stream last caught up to now (Unix time); absent until it has.', (s) =>
    s.lastSuccessAt === undefined ? undefined : s.lastSuccessAt / 1000,
  );
  streamGauge('cursor_lag_seconds', 'How far the stream\'s committed-to-be cursor is behind this machine\'s clock.', (_s, cursor, now) => Math.max(0, (now - cursor) / 1000));
  streamGauge('stream_failing', '1 while the stream\'s last round failed (see the health events or logs for the AF code), else 0.', (s) => (s.error !== undefined ? 1 : 0));

  const perTenant = (name: string, help: string, key: 'requests' | 'retries' | 'throttled' | 'refusedUrls' | 'tokenRefreshes'): void => {
    new Counter<TenantLabel>({
      name: METRIC_PREFIX + name,
      help,
      labelNames: TENANT_LABELS,
      registers,
      collect() {
        this.reset();
        for (const t of status()?.tenants ?? []) this.inc({ tenant: t.label ?? t.tenantId, tenant_id: t.tenantId }, t.counters[key]);
      },
    });
  };
  perTenant('api_requests_total', 'Requests to the Management Activity API (retries included).', 'requests');
  perTenant('api_retries_total', 'API requests retried (throttling, 5xx, timeouts, cut connections).', 'retries');
  perTenant('api_throttled_total', 'API answers that asked to slow down (429, AF429).', 'throttled');
  perTenant('refused_urls_total', 'Server-supplied URLs outside the API origin that were not followed (the token was not sent).', 'refusedUrls');
  perTenant('token_refreshes_total', 'Access tokens acquired after the first one.', 'tokenRefreshes');
  new Gauge<TenantLabel>({
    name: METRIC_PREFIX + 'clock_skew_seconds',
    help: 'The API\'s clock (its Date headers) minus this machine\'s clock: the largest recent deviation; absent before the first answer.',
    labelNames: TENANT_LABELS,
    registers,
    collect() {
      this.reset();
      for (const t of status()?.tenants ?? []) {
        if (t.clockSkewMs !== undefined) this.set({ tenant: t.label ?? t.tenantId, tenant_id: t.tenantId }, t.clockSkewMs / 1000);
      }
    },
  });

  new Gauge<TenantLabel>({
    name: METRIC_PREFIX + 'clock_skewed',
    help: '1 while the API\'s clock and this machine\'s disagree beyond 3 minutes (cursors are held, nothing is marked lost), else 0.',
    labelNames: TENANT_LABELS,
    registers,
    collect() {
      this.reset();
      for (const t of status()?.tenants ?? []) this.set({ tenant: t.label ?? t.tenantId, tenant_id: t.tenantId }, t.clockSkewed ? 1 : 0);
    },
  });

  const perOutput = (kind: 'counter' | 'gauge', name: string, help: string, value: (f: OutputFigures) => number | undefined): void => {
    const Ctor = kind === 'counter' ? Counter : Gauge;
    new Ctor<'output'>({
      name: METRIC_PREFIX + name,
      help,
      labelNames: ['output'],
      registers,
      collect(this: Counter<'output'> | Gauge<'output'>) {
        this.reset();
        for (const f of source.outputs()) {
          const v = value(f);
          if (v !== undefined) this.inc({ output: f.name }, v);
        }
      },
    });
  };
  perOutput('counter', 'output_records_total', 'Records written to the output.', (f) => f.written);
  perOutput('gauge', 'output_queue_depth', 'Records written to the output and not yet durably accepted by it.', (f) => f.written - f.accepted);
  perOutput('counter', 'output_batches_total', 'Batches (bulk requests, POSTs) the output sent.', (f) => f.batches);
  perOutput('counter', 'output_errors_total', 'Failed writes and flushes of the output.', (f) => f.errors);
  perOutput('counter', 'output_retries_total', 'Batches the output sent again after a failure.', (f) => f.retries);
  perOutput('gauge', 'output_failing', '1 while the output\'s last flush failed, else 0.', (f) => (f.failing ? 1 : 0));

  new Counter({
    name: METRIC_PREFIX + 'commits_total',
    help: 'Checkpoint commits (records delivered and positions stored together).',
    registers,
    collect() {
      this.reset();
      this.inc(status()?.commits ?? 0);
    },
  });
  new Gauge({
    name: METRIC_PREFIX + 'commit_failing',
    help: '1 while the last commit failed (nothing moves forward until one succeeds), else 0.',
    registers,
    collect() {
      this.set(status()?.commitFailing === true ? 1 : 0);
    },
  });
  new Gauge({
    name: METRIC_PREFIX + 'up',
    help: '1 while the collector is running (state open, outputs opened), else 0.',
    registers,
    collect() {
      this.set(status()?.running === true ? 1 : 0);
    },
  });
  new Counter<'action'>({
    name: METRIC_PREFIX + 'health_events_total',
    help: 'Health events (dataset o365_audit.collector) written, by event.action.',
    labelNames: ['action'],
    registers,
    collect() {
      this.reset();
      for (const [action, n] of Object.entries(source.healthEvents?.() ?? {})) this.inc({ action }, n);
    },
  });
  const info = new Gauge<'version'>({ name: METRIC_PREFIX + 'build_info', help: 'Always 1; the version of o365-audit in a label.', labelNames: ['version'], registers });
  info.set({ version: o.version }, 1);
  return registry;
}
