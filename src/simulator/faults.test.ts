// Each fault does what it says, stays deterministic, and never hides a record it should not.

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from './index.js';
import { type NaiveClient, fmt, naiveClient, withPublisher } from './test-client.js';
import type { SimTenant, Simulator, SimulatorOptions } from './types.js';

const HOUR = 3600_000;

interface Desc {
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

let open: Array<{ sim: Simulator; c: NaiveClient }> = [];
afterEach(async () => {
  for (const { sim, c } of open) {
    await sim.close();
    await c.close();
  }
  open = [];
});

async function boot(o: SimulatorOptions) {
  const sim = await startSimulator({ blobsPerContentType: 6, recordsPerBlob: 5, contentTypes: ['Audit.Exchange'], ...o });
  const c = naiveClient(sim);
  open.push({ sim, c });
  const t = sim.tenants[0] as SimTenant;
  const token = await c.token(t);
  const root = `${sim.apiUrl}/api/v1.0/${t.tenantId}/activity/feed`;
  const listUrl = (): string => `${root}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(sim.now() - 7 * HOUR)}&endTime=${fmt(sim.now() + 1000)}&PublisherIdentifier=${t.tenantId}`;
  const list = async (): Promise<Desc[]> => {
    const r = await c.get(listUrl(), token);
    expect(r.status).toBe(200);
    return JSON.parse(r.text) as Desc[];
  };
  return { sim, c, t, token, root, listUrl, list };
}

describe('transient faults', () => {
  it('throttle403: 403 + AF429 without Retry-After, then through (count-capped)', async () => {
    const { sim, c, token, listUrl } = await boot({ faults: { throttle403: { rate: 1, count: 2 } } });
    const a = await c.get(listUrl(), token);
    expect(a.status).toBe(403);
    expect(a.headers.get('retry-after')).toBeNull();
    expect(JSON.parse(a.text).error.code).toBe('AF429');
    expect(JSON.parse(a.text).error.message).toContain('PublisherId=');
    expect((await c.get(listUrl(), token)).status).toBe(403);
    expect((await c.get(listUrl(), token)).status).toBe(200);
    expect(sim.stats().throttles).toBe(2);
  });

  it('throttle429 sends Retry-After; serverError 500/503 AF50000; unknownAf5 AF50006; streaks end after 3', async () => {
    const { sim, c, token, listUrl } = await boot({ faults: { throttle429: { rate: 1, retryAfterSeconds: 7 } } });
    const a = await c.get(listUrl(), token);
    expect(a.status).toBe(429);
    expect(a.headers.get('retry-after')).toBe('7');
    sim.setFaults({ throttle429: 0, serverError: 1 });
    sim.advance(2000); // a fresh request key (its window differs), so no streak carries over
    const statuses: number[] = [];
    const url = listUrl();
    for (let i = 0; i < 4; i++) statuses.push((await c.get(url, token)).status);
    expect(statuses.slice(0, 3).every((s) => s === 500 || s === 503)).toBe(true);
    expect(statuses[3]).toBe(200);
    sim.setFaults({ serverError: 0, unknownAf5: 1 });
    const u = await c.get(url, token);
    expect(u.status).toBe(500);
    expect(JSON.parse(u.text).error.code).toBe('AF50006');
  });

  it('trickleBody sends listing pages and blobs one byte at a time, on every attempt', async () => {
    const { sim, c, token, list } = await boot({ blobsPerContentType: 1, recordsPerBlob: 1, recordSizeTarget: 200, faults: { trickleBody: { intervalMs: 2 } } });
    const d = (await list())[0] as Desc;
    const t0 = Date.now();
    const blob = await c.get(d.contentUri, token);
    const ms = Date.now() - t0;
    expect(JSON.parse(blob.text)).toHaveLength(1);
    // One byte per 2 ms (timers take at least that): the body took at least its length in ms.
    expect(ms).toBeGreaterThanOrEqual(Buffer.byteLength(blob.text));
    expect(sim.stats().trickledBytes).toBeGreaterThan(Buffer.byteLength(blob.text));
    sim.setFaults({ trickleBody: { intervalMs: 2, listings: false } });
    const before = sim.stats().trickledBytes;
    await list();
    expect(sim.stats().trickledBytes).toBe(before);
    await c.get(d.contentUri, token);
    expect(sim.stats().trickledBytes).toBe(before + Buffer.byteLength(blob.text));
  });

  it('cutBody sends part of a blob then drops the connection; the retry gets it whole', async () => {
    const { sim, c, token, list } = await boot({ recordsPerBlob: 200, faults: { cutBody: { rate: 1, count: 1 } } });
    const d = (await list())[0] as Desc;
    await expect(c.get(d.contentUri, token)).rejects.toThrow();
    expect(sim.stats().cutBodies).toBe(1);
    const whole = await c.get(d.contentUri, token);
    expect(JSON.parse(whole.text)).toHaveLength(200);
  });

  it('slow delays the answer', async () => {
    const { c, token, listUrl } = await boot({ faults: { slow: { rate: 1, delayMs: 400 } } });
    const t0 = Date.now();
    expect((await c.get(listUrl(), token)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
  });

  it('shortTokens: small expires_in, and the API refuses the token once it expired', async () => {
    const { sim, c, t, listUrl } = await boot({ faults: { shortTokens: 5 } });
    const token = await c.token(t);
    expect((await c.get(listUrl(), token)).status).toBe(200);
    sim.advance(6000);
    expect((await c.get(listUrl(), token)).status).toBe(401);
  });

  it('draws the same faults for the same requests under the same seed', async () => {
    const run = async (): Promise<number[]> => {
      const { c, token, listUrl, sim } = await boot({ seed: 42, now: () => Date.UTC(2024, 4, 1, 12), faults: { throttle403: 0.3, serverError: 0.2 } });
      const url = listUrl();
      const out: number[] = [];
      for (let i = 0; i < 15; i++) out.push((await c.get(url, token)).status);
      expect(sim.stats().throttles + sim.stats().serverErrors).toBe(out.filter((s) => s !== 200).length);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.some((s) => s !== 200)).toBe(true);
  });
});

describe('structural faults', () => {
  it('lateListed: recent blobs appear only after the delay, and groundTruth follows', async () => {
    const { sim, t, list } = await boot({ blobsPerContentType: 20, spanMs: HOUR, faults: { lateListed: { rate: 0.5, delaySeconds: 30, maxLagSeconds: 3600 } } });
    const early = await list();
    const truthEarly = sim.groundTruth(t.tenantId, 'Audit.Exchange');
    sim.advance(31_000);
    const late = await list();
    expect(early.length).toBeLessThan(late.length);
    expect(late).toHaveLength(20);
    expect(sim.groundTruth(t.tenantId, 'Audit.Exchange').size).toBe(100);
    expect(truthEarly.size).toBe(early.length * 5);
    // Late blobs keep their earlier contentCreated: a collector must re-list behind its cursor.
    const lastEarly = Math.max(...early.map((d) => Date.parse(d.contentCreated)));
    expect(late.some((d) => Date.parse(d.contentCreated) < lastEarly && !early.find((e) => e.contentId === d.contentId))).toBe(true);
  });

  it('duplicateRecords: the same Id in two nearby blobs; groundTruth counts it once', async () => {
    // Copies come from blobs at most 20 min older (dense feed: 6 blobs in 30 min).
    const { sim, c, t, token, list } = await boot({ spanMs: 30 * 60_000, faults: { duplicateRecords: 1 } });
    const seen = new Map<string, number>();
    let total = 0;
    for (const d of await list()) {
      const recs = JSON.parse((await c.get(d.contentUri, token)).text) as Array<{ Id: string }>;
      expect(new Set(recs.map((r) => r.Id)).size, 'no Id twice within one blob').toBe(recs.length);
      for (const r of recs) {
        total++;
        seen.set(r.Id, (seen.get(r.Id) ?? 0) + 1);
      }
    }
    expect(total).toBeGreaterThan(seen.size);
    expect([...seen.values()].some((n) => n > 1)).toBe(true);
    expect(sim.groundTruth(t.tenantId, 'Audit.Exchange')).toEqual(new Set(seen.keys()));
  });

  it('duplicateRecords: no copy from a blob more than 20 min older (sparse feed)', async () => {
    const { c, token, list } = await boot({ spanMs: 6 * HOUR, faults: { duplicateRecords: 1 } });
    const seen = new Set<string>();
    for (const d of await list()) {
      for (const r of JSON.parse((await c.get(d.contentUri, token)).text) as Array<{ Id: string }>) {
        expect(seen.has(r.Id), `copy of ${r.Id} from a blob an hour older`).toBe(false);
        seen.add(r.Id);
      }
    }
  });

  it('distantRepeats: the same Id in blobs at least a day apart; groundTruth counts it once', async () => {
    const { sim, c, t, token, root } = await boot({ spanMs: 3 * 24 * HOUR, blobsPerContentType: 12, faults: { distantRepeats: 1 } });
    const firstSeen = new Map<string, number>();
    let repeats = 0;
    // Listings reach 24 h at most: one per day, oldest first.
    for (let day = 3; day >= 1; day--) {
      const start = sim.now() - day * 24 * HOUR;
      const url = `${root}/subscriptions/content?contentType=Audit.Exchange&startTime=${fmt(start)}&endTime=${fmt(start + 24 * HOUR)}&PublisherIdentifier=${t.tenantId}`;
      for (const d of JSON.parse((await c.get(url, token)).text) as Desc[]) {
        const created = Date.parse(d.contentCreated);
        const recs = JSON.parse((await c.get(d.contentUri, token)).text) as Array<{ Id: string }>;
        expect(new Set(recs.map((r) => r.Id)).size, 'no Id twice within one blob').toBe(recs.length);
        for (const r of recs) {
          const first = firstSeen.get(r.Id);
          if (first === undefined) firstSeen.set(r.Id, created);
          else {
            repeats++;
            expect(created - first, `repeat of ${r.Id}`).toBeGreaterThanOrEqual(24 * HOUR);
          }
        }
      }
    }
    expect(repeats).toBeGreaterThan(0);
    expect(sim.groundTruth(t.tenantId, 'Audit.Exchange')).toEqual(new Set(firstSeen.keys()));
  });

  it('expiredContent: listed already expired, GET AF20051, records not in groundTruth', async () => {
    const { sim, c, t, token, list } = await boot({ blobsPerContentType: 20, faults: { expiredContent: 0.4 } });
    const ds = await list();
    const expired = ds.filter((d) => Date.parse(d.contentExpiration) <= sim.now());
    expect(expired.length).toBeGreaterThan(0);
    expect(expired.length).toBeLessThan(20);
    const r = await c.get(expired[0]!.contentUri, token);
    expect(JSON.parse(r.text).error.code).toBe('AF20051');
    expect(sim.groundTruth(t.tenantId, 'Audit.Exchange').size).toBe((20 - expired.length) * 5);
  });

  it('foreignContentUri and foreignNextPage point at the foreign host, which records credentials', async () => {
    const { sim, c, t, token, list, listUrl } = await boot({ blobsPerContentType: 20, faults: { foreignContentUri: 0.3, foreignNextPage: 1 } });
    const ds = await list();
    const foreign = ds.filter((d) => d.contentUri.startsWith(sim.foreignUrl));
    expect(foreign.length).toBeGreaterThan(0);
    expect(sim.groundTruth(t.tenantId, 'Audit.Exchange').size).toBe((20 - foreign.length) * 5);
    // A careless client follows it with its token: the foreign host sees that.
    const leaked = await c.get(foreign[0]!.contentUri, token);
    expect(leaked.status).toBe(200);
    const onApi = await c.get(foreign[0]!.contentUri.replace(sim.foreignUrl, sim.apiUrl), token);
    expect(JSON.parse(onApi.text).error.code).toBe('AF20050');
    const r = await c.get(listUrl(), token);
    const next = r.headers.get('nextpageuri') as string;
    expect(next.startsWith(sim.foreignUrl)).toBe(true);
    await c.get(withPublisher(next, t.tenantId), token);
    const s = sim.stats();
    expect(s.foreignRequests).toBe(2);
    expect(s.foreignWithAuthorization).toBe(2);
    expect(s.foreignLog[1]?.url).toContain('nextPage=');
  });

  it('foreignNextPage is drawn per attempt of a window: re-listing gets a clean last page', async () => {
    const { c, token, listUrl } = await boot({ faults: { foreignNextPage: 1 } });
    const url = listUrl();
    const links: Array<string | null> = [];
    for (let i = 0; i < 4; i++) links.push((await c.get(url, token)).headers.get('nextpageuri'));
    expect(links.slice(0, 3).every((l) => l !== null)).toBe(true);
    expect(links[3]).toBeNull();
  });

  it('dateSkew: the Date header is off on every response or on a share of them; windows and expiry are not', async () => {
    const DAY = 24 * HOUR;
    const { sim, c, token, listUrl } = await boot({ faults: { dateSkew: 8 * DAY } });
    const r = await c.get(listUrl(), token);
    expect(r.status).toBe(200);
    expect(Math.abs(Date.parse(r.headers.get('date')!) - (sim.now() + 8 * DAY))).toBeLessThan(2000);
    expect(JSON.parse(r.text)).toHaveLength(6); // listing still follows the real clock
    sim.setFaults({ dateSkew: { ms: -8 * DAY, rate: 0.5 } });
    const skews: number[] = [];
    for (let i = 0; i < 20; i++) skews.push(Date.parse((await c.get(listUrl(), token)).headers.get('date')!) - sim.now());
    expect(skews.some((d) => d < -8 * DAY + 2000)).toBe(true);
    expect(skews.some((d) => Math.abs(d) < 2000)).toBe(true);
  });

  it('missingSubscription: AF20022 until started', async () => {
    const { c, token, listUrl, root, t } = await boot({ faults: { missingSubscription: 1 } });
    expect(JSON.parse((await c.get(listUrl(), token)).text).error.code).toBe('AF20022');
    expect((await c.get(`${root}/subscriptions/start?contentType=Audit.Exchange&PublisherIdentifier=${t.tenantId}`, token, { method: 'POST' })).status).toBe(200);
    expect((await c.get(listUrl(), token)).status).toBe(200);
  });
});
