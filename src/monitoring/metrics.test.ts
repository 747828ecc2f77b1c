// The metrics registry reads the collector's status once per scrape: every collect() of one scrape
// shares that reading (building it reads each tenant's clock), and the next scrape reads it afresh.

import { describe, expect, it } from 'vitest';
import type { CollectorStatus, StreamStats } from '../collector/types.js';
import { createMetricsRegistry, METRIC_PREFIX, type MetricsSource } from './metrics.js';
import { readExposition } from './testing/scrape.js';

const TENANT = '33333333-3333-4333-8333-333333333333';

function stats(records: number): StreamStats {
  return {
    tenantId: TENANT,
    label: 'contoso',
    contentType: 'Audit.Exchange',
    records,
    blobs: 1,
    blobsListed: 1,
    duplicatesDropped: 0,
    lostBlobs: 0,
    quarantinedBlobs: 0,
    quarantinedRecords: 0,
    lostSpanMs: 0,
    caughtUp: true,
  };
}

/** A source that counts its status() calls and reports `records` = the number of that call. */
function countingSource(): MetricsSource & { calls: number } {
  const src = {
    calls: 0,
    status(): CollectorStatus {
      src.calls++;
      return {
        running: true,
        streams: [{ stats: stats(src.calls), cursor: Date.now() }],
        tenants: [{ tenantId: TENANT, label: 'contoso', counters: { requests: 1, retries: 0, throttled: 0, refusedUrls: 0, tokenRefreshes: 0 }, clockSkewMs: undefined, clockSkewed: false }],
        commits: 1,
        commitFailing: false,
      };
    },
    outputs: () => [],
  };
  return src;
}

describe('metrics registry', () => {
  it('reads the collector status once per scrape, and afresh on the next scrape', async () => {
    const src = countingSource();
    const registry = createMetricsRegistry(src, { version: '0.0.0-test', processMetrics: false });
    const first = readExposition(await registry.metrics());
    expect(src.calls).toBe(1);
    expect(first.sum(`${METRIC_PREFIX}records_total`)).toBe(1);
    expect(first.sum(`${METRIC_PREFIX}up`)).toBe(1);
    const second = readExposition(await registry.metrics());
    expect(src.calls).toBe(2);
    expect(second.sum(`${METRIC_PREFIX}records_total`)).toBe(2);
  });

  it('overlapping scrapes read the status once each at most', async () => {
    const src = countingSource();
    const registry = createMetricsRegistry(src, { version: '0.0.0-test', processMetrics: false });
    await Promise.all([registry.metrics(), registry.metrics(), registry.getMetricsAsJSON()]);
    expect(src.calls).toBeGreaterThanOrEqual(1);
    expect(src.calls).toBeLessThanOrEqual(3);
  });
});
