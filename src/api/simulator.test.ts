import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { createManagementApi } from './client.js';
import type { ContentDescriptor, ManagementApi } from './types.js';
import type { RefusedUrlInfo } from './url-guard.js';

// End to end against the project's simulator: faults on, every reachable record must arrive and
// nothing may reach the foreign host.
describe('client against the simulator', () => {
  let sim: Simulator;
  let api: ManagementApi;
  const refused: RefusedUrlInfo[] = [];

  beforeAll(async () => {
    // A frozen clock: blob ids (and so which requests the seeded faults hit) come out the same on
    // every run, so the cut bodies this test counts on always happen.
    const frozen = Date.parse('2026-06-01T12:00:00Z');
    sim = await startSimulator({
      now: () => frozen,
      seed: 7,
      contentTypes: ['Audit.Exchange', 'Audit.SharePoint'],
      blobsPerContentType: 12,
      recordsPerBlob: [5, 30],
      pageSize: 4,
      spanMs: 6 * 3600_000,
      nextPageHeader: 'nextpageurl',
      nextPageTrailingWhitespace: true,
      initiallySubscribed: false,
      faults: {
        throttle403: { rate: 0.1, count: 4 },
        throttle429: { rate: 0.05, count: 2, retryAfterSeconds: 1 },
        serverError: { rate: 0.1, count: 4 },
        unknownAf5: { rate: 0.05, count: 2 },
        cutBody: { rate: 0.15, count: 4 },
        duplicateRecords: 0.2,
        foreignContentUri: 0.1,
        foreignNextPage: 0.5,
      },
    });
    const t = sim.tenants[0]!;
    api = createManagementApi({
      tenantId: t.tenantId,
      clientId: t.clientId,
      credential: { type: 'secret', secret: t.clientSecret },
      loginUrl: sim.loginUrl,
      apiUrl: sim.apiUrl,
      caCerts: [sim.caPem],
      useEnvProxy: false,
      retry: { baseDelayMs: 10, maxDelayMs: 100, maxAttempts: 8 },
      onRefused: (i) => refused.push(i),
    });
  });
  afterAll(async () => {
    await api?.close();
    await sim?.close();
  });

  it('starts subscriptions, lists and fetches every reachable record, and never calls the foreign host', async () => {
    const t = sim.tenants[0]!;
    const subs = await api.listSubscriptions();
    for (const ct of t.contentTypes) {
      if (!subs.some((s) => s.contentType === ct && s.status === 'enabled')) await api.startSubscription(ct);
    }
    const end = sim.now() + 1000;
    const start = end - 7 * 3600_000;
    for (const ct of t.contentTypes) {
      const descriptors: ContentDescriptor[] = [];
      try {
        for await (const page of api.listContent({ contentType: ct, start, end })) descriptors.push(...page);
      } catch (e) {
        // The simulator's foreign NextPageUri only ever follows a complete listing.
        expect((e as { code: string }).code).toBe('O365_ERR_REFUSED_URL');
      }
      const ids = new Set<string>();
      for (const d of descriptors) {
        try {
          await api.fetchBlob(d, { onRecord: (r) => void ids.add(r.id!) });
        } catch (e) {
          expect((e as { afCode?: string }).afCode).toBe('AF20051'); // expired blobs are not in ground truth
        }
      }
      expect(ids.size).toBeGreaterThan(50);
      expect(ids).toEqual(sim.groundTruth(t.tenantId, ct));
    }
    const stats = sim.stats();
    expect(stats.foreignRequests).toBe(0);
    expect(stats.withoutPublisherIdentifier).toBe(0);
    expect(stats.windowsOver24h).toBe(0);
    expect(stats.cutBodies).toBeGreaterThan(0);
    expect(api.counters.throttled).toBe(stats.throttles);
    expect(api.counters.retries).toBeGreaterThan(0);
    expect(api.counters.refusedUrls).toBe(refused.length);
    expect(refused.length).toBeGreaterThan(0);
  });
});
