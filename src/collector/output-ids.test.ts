// Outputs receive each record's Id as the splitter read it (Output.write's third argument), so no
// output scans the record text for it again.

import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../state/memory-store.js';
import { createCollector } from './collector.js';
import { FakeManagementApi, makeRecords } from './testing/fake-api.js';
import { HOUR, MIN, MemoryLogger, MemoryOutput, settings } from './testing/test-kit.js';

const T0 = Date.UTC(2024, 2, 10, 12, 0, 0);

describe('record Ids reach the outputs', () => {
  it('passes every output the Id the API layer extracted, with the record', async () => {
    const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
    api.addBlob('Audit.Exchange', { contentId: 'b1', contentCreated: T0 - 10 * MIN, records: makeRecords('r', 3) });
    const outs = [new MemoryOutput('one'), new MemoryOutput('two')];
    await createCollector({
      tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
      outputs: outs,
      state: new MemoryStateStore(),
      intervalMs: 1000,
      commitIntervalMs: 1_000_000,
      logger: new MemoryLogger(),
      now: () => T0,
    }).run({ once: true });
    for (const o of outs) {
      expect(o.ids).toEqual(['r-0', 'r-1', 'r-2']);
      expect(o.lines.map((l) => (JSON.parse(l) as { Id?: string }).Id)).toEqual(['r-0', 'r-1', 'r-2']);
    }
  });
});
