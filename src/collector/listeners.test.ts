// Many streams share the run's abort signal (queued blob downloads and API calls each listen on
// it): a collector with many tenants must not print Node's "possible EventTarget memory leak".

import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, makeRecords } from './testing/fake-api.js';
import { HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
const TYPES = ['Audit.AzureActiveDirectory', 'Audit.Exchange', 'Audit.SharePoint', 'Audit.General', 'DLP.All'];

describe('abort signal listeners', () => {
  it('runs 4 tenants x 5 content types with queued blob downloads and no MaxListenersExceededWarning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const tenants = Array.from({ length: 4 }, (_, t) => {
        const tenantId = `t${t}`;
        const api = new FakeManagementApi({
          tenantId,
          now: () => T0,
          subscriptions: Object.fromEntries(TYPES.map((ct) => [ct, 'enabled' as const])),
          recordHook: () => new Promise<void>((r) => setTimeout(r, 1)),
        });
        for (const ct of TYPES) for (let b = 0; b < 4; b++) api.addBlob(ct, { contentId: `${tenantId}-${ct}-${b}`, contentCreated: T0 - 30 * MIN + b, records: makeRecords(`${tenantId}-${ct}-${b}`, 2) });
        // One download at a time per tenant: the other 19 of its blobs wait on the semaphore.
        return { tenantId, contentTypes: TYPES, api, settings: settings({ initialIntervalMs: HOUR, blobConcurrency: 1 }) };
      });
      const out = new MemoryOutput();
      const summary = await createCollector({ tenants, outputs: [out], state: new MemoryStateStore(), intervalMs: 1000, commitIntervalMs: 1000, logger: new MemoryLogger(), now: () => T0 }).run({ once: true });
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(summary.records).toBe(4 * 5 * 4 * 2);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
