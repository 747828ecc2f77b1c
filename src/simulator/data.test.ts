// Data: groundTruth equals what a naive full fetch gets (faults on), records are valid and shaped
// like the real ones, runs repeat by seed, a million records are not allocated up front, and a
// huge blob streams with bounded memory.

import { Agent, type Dispatcher, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from './index.js';
import { type NaiveClient, fmt, naiveClient, naiveFetchAll } from './test-client.js';
import { CONTENT_TYPES, type SimTenant, type Simulator, type SimulatorOptions } from './types.js';

const HOUR = 3600_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let open: Array<{ sim: Simulator; c: NaiveClient }> = [];
afterEach(async () => {
  for (const { sim, c } of open) {
    await sim.close();
    await c.close();
  }
  open = [];
});
async function boot(o: SimulatorOptions): Promise<{ sim: Simulator; c: NaiveClient; t: SimTenant }> {
  const sim = await startSimulator(o);
  const c = naiveClient(sim);
  open.push({ sim, c });
  return { sim, c, t: sim.tenants[0] as SimTenant };
}

describe('ground truth', () => {
  it('equals the Ids a naive full fetch yields, for every content type and with faults on', async () => {
    const { sim, c, t } = await boot({
      seed: 7,
      blobsPerContentType: 15,
      recordsPerBlob: [1, 12],
      pageSize: 4,
      spanMs: 30 * HOUR,
      faults: { throttle403: 0.2, serverError: 0.1, cutBody: 0.2, duplicateRecords: 0.3, expiredContent: 0.1, foreignContentUri: 0.1, foreignNextPage: 0.5 },
    });
    for (const ct of CONTENT_TYPES) {
      const { ids } = await naiveFetchAll(sim, c, t, ct, 30 * HOUR);
      const truth = sim.groundTruth(t.tenantId, ct);
      expect(new Set(ids), ct).toEqual(truth);
      expect(truth.size, ct).toBeGreaterThan(0);
    }
    expect(sim.stats().cutBodies).toBeGreaterThan(0);
  });
});

describe('records', () => {
  it('are valid JSON with the common schema, workload shapes and ~1 KB size', async () => {
    const { sim, c, t } = await boot({ blobsPerContentType: 4, recordsPerBlob: 150 });
    const token = await c.token(t);
    const seenTypes = new Map<string, Set<number>>();
    for (const ct of CONTENT_TYPES) {
      const { descriptors } = await naiveFetchAll(sim, c, t, ct, 7 * HOUR);
      const types = new Set<number>();
      for (const d of descriptors) {
        const body = (await c.get(`${d.contentUri}?PublisherIdentifier=${t.tenantId}`, token)).text;
        for (const raw of body.slice(1, -1).split(/,(?=\{"CreationTime")/)) {
          const r = JSON.parse(raw) as Record<string, unknown>;
          expect(r.Id).toMatch(GUID);
          expect(r.CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
          expect(Date.parse(`${r.CreationTime as string}Z`)).toBeLessThan(Date.parse(d.contentCreated));
          expect(r.OrganizationId).toBe(t.tenantId);
          expect(typeof r.Operation).toBe('string');
          expect(typeof r.Workload).toBe('string');
          expect(raw.length).toBeGreaterThanOrEqual(1000);
          types.add(r.RecordType as number);
          if (r.RecordType === 40) expect(JSON.parse(r.Data as string)).toHaveProperty('tid', t.tenantId);
          if (r.RecordType === 15) expect(r).toHaveProperty('ActorIpAddress');
          if (r.RecordType === 2) expect(r).toHaveProperty('Item.ParentFolder.Path');
          if (r.RecordType === 6) expect(r).toHaveProperty('SourceFileName');
          if (r.RecordType === 11) expect(r).toHaveProperty('SharePointMetaData.SiteCollectionUrl');
          if (r.RecordType === 13) expect(r).toHaveProperty('ExchangeMetaData.MessageID');
        }
      }
      seenTypes.set(ct, types);
    }
    expect([...(seenTypes.get('Audit.AzureActiveDirectory') ?? [])].sort()).toEqual([15, 8].sort());
    expect([...(seenTypes.get('Audit.Exchange') ?? [])].sort((a, b) => a - b)).toEqual([1, 2, 3, 50]);
    expect([...(seenTypes.get('Audit.SharePoint') ?? [])].sort((a, b) => a - b)).toEqual([4, 6, 14]);
    expect([...(seenTypes.get('Audit.General') ?? [])].sort((a, b) => a - b)).toEqual([20, 25, 28, 40, 261]);
    expect([...(seenTypes.get('DLP.All') ?? [])].sort((a, b) => a - b)).toEqual([11, 13, 63]);
  });
});

describe('large records', () => {
  it('streams records bigger than a write chunk intact', async () => {
    const { sim, c, t } = await boot({ contentTypes: ['Audit.General'], blobsPerContentType: 1, recordsPerBlob: 5, recordSizeTarget: 60_000 });
    const token = await c.token(t);
    const { descriptors } = await naiveFetchAll(sim, c, t, 'Audit.General', 7 * HOUR);
    const recs = JSON.parse((await c.get(`${descriptors[0]!.contentUri}?PublisherIdentifier=x`, token)).text) as Array<{ Id: string }>;
    expect(recs.map((r) => r.Id)).toEqual([...sim.groundTruth(t.tenantId, 'Audit.General')]);
    expect(JSON.stringify(recs[0]).length).toBeGreaterThan(59_000);
  });
});

describe('determinism', () => {
  it('repeats tenants, descriptors and blob bodies by seed, and differs across seeds', async () => {
    const now = Date.UTC(2024, 5, 1, 8);
    const snap = async (seed: number): Promise<string> => {
      const { sim, c, t } = await boot({ seed, now: () => now, blobsPerContentType: 5, recordsPerBlob: 5, faults: { duplicateRecords: 0.5, foreignContentUri: 0.2 } });
      const token = await c.token(t);
      const { descriptors } = await naiveFetchAll(sim, c, t, 'Audit.SharePoint', 7 * HOUR);
      let out = `${t.tenantId}|${t.clientId}|${t.clientSecret}|`;
      for (const d of descriptors) {
        out += d.contentId.replace(/\d{17}/g, '');
        if (d.contentUri.startsWith(sim.apiUrl)) out += (await c.get(`${d.contentUri}?PublisherIdentifier=x`, token)).text;
      }
      return out;
    };
    const a = await snap(11);
    expect(await snap(11)).toBe(a);
    expect(await snap(12)).not.toBe(a);
  });
});

describe('scale', () => {
  it('a 1,000,000-record config starts and lists without allocating the records', async () => {
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    const t0 = Date.now();
    const { sim, c, t } = await boot({ contentTypes: ['Audit.Exchange'], blobsPerContentType: 2000, recordsPerBlob: 500, pageSize: 1000, spanMs: 20 * HOUR });
    expect(Date.now() - t0, 'start (certificates, servers, feeds) under 2 s').toBeLessThan(2000);
    const token = await c.token(t);
    let listed = 0;
    const root = `${sim.apiUrl}/api/v1.0/${t.tenantId}/activity/feed`;
    for (let end = sim.now() + 1000; end > sim.now() - 21 * HOUR; end -= 24 * HOUR) {
      let url: string | undefined = `${root}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(end - 24 * HOUR)}&endTime=${fmt(end)}&PublisherIdentifier=x`;
      while (url !== undefined) {
        const r = await c.get(url, token);
        listed += (JSON.parse(r.text) as unknown[]).length;
        url = r.headers.get('nextpageuri') ?? undefined;
      }
    }
    expect(listed).toBe(2000);
    const grown = process.memoryUsage().heapUsed - before;
    // 1M records of ~1 KB would be ~1 GB; the feed itself is a 16 KB Float64Array.
    expect(grown).toBeLessThan(40 * 1024 * 1024);
  });

  it('streams a huge blob with bounded memory', async () => {
    const bytes = 32 * 1024 * 1024; // memory is bounded by the chunk size, not the blob: 512 MB behaves the same, only slower
    const { sim, c, t } = await boot({ contentTypes: ['Audit.SharePoint'], blobsPerContentType: 1, hugeBlobBytes: bytes });
    const token = await c.token(t);
    const list = await c.get(`${sim.apiUrl}/api/v1.0/${t.tenantId}/activity/feed/subscriptions/content?contentType=Audit.SharePoint&startTime=${fmt(sim.now() - 7 * HOUR)}&endTime=${fmt(sim.now())}&PublisherIdentifier=x`, token);
    const [d] = JSON.parse(list.text) as Array<{ contentUri: string }>;
    const agent = new Agent({ connect: { ca: sim.caPem } });
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let received = 0;
    const t0 = Date.now();
    const r = await request(`${d!.contentUri}?PublisherIdentifier=x`, { dispatcher: agent as Dispatcher, headers: { authorization: `Bearer ${token}` } });
    for await (const chunk of r.body) {
      received += (chunk as Buffer).length;
      if ((received & 0xfffff) < 65536) peak = Math.max(peak, process.memoryUsage().rss);
    }
    await agent.close();
    const secs = (Date.now() - t0) / 1000;
    expect(received).toBeGreaterThanOrEqual(bytes * 0.9);
    expect(peak - rssBefore).toBeLessThan(24 * 1024 * 1024);
    console.log(`huge blob: ${(received / 1048576).toFixed(0)} MiB in ${secs.toFixed(1)} s, rss +${((peak - rssBefore) / 1048576).toFixed(0)} MiB`);
  });
});
