// The Management API surface: window validation codes, half-open filtering and ordering, paging
// (every descriptor exactly once), header variants, subscriptions, blobs and PublisherIdentifier
// accounting.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from './index.js';
import { type NaiveClient, fmt, naiveClient, withPublisher } from './test-client.js';
import type { SimTenant, Simulator, SimulatorOptions } from './types.js';
import { checkWindow, parseApiTime } from './windows.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface Desc {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

let open: Array<{ sim: Simulator; c: NaiveClient }> = [];
async function boot(o: SimulatorOptions): Promise<{ sim: Simulator; c: NaiveClient; t: SimTenant; token: string; root: string }> {
  const sim = await startSimulator(o);
  const c = naiveClient(sim);
  open.push({ sim, c });
  const t = sim.tenants[0] as SimTenant;
  return { sim, c, t, token: await c.token(t), root: `${sim.apiUrl}/api/v1.0/${t.tenantId}/activity/feed` };
}
afterEach(async () => {
  for (const { sim, c } of open) {
    await sim.close();
    await c.close();
  }
  open = [];
});

describe('window rules (pure)', () => {
  const now = Date.UTC(2024, 2, 10, 12, 0, 0);
  it('accepts the documented and observed formats', () => {
    for (const v of ['2024-03-09', '2024-03-09T13:05', '2024-03-09T13:05:07', '2024-03-09T13:05:07Z', '2024-03-09T13:05:07.123Z', '2024-03-09T13:05:07.123456789Z']) {
      expect(parseApiTime(v), v).toBeTypeOf('number');
    }
    expect(parseApiTime('2024-03-09T13:05:07.5Z')).toBe(Date.UTC(2024, 2, 9, 13, 5, 7, 500));
    for (const v of ['2024-3-9', '2024-03-09 13:05', '2024-02-30', '2024-03-09T25:00', '09/03/2024', '2024-03-09T13:05:07+01:00']) {
      expect(parseApiTime(v), v).toBeUndefined();
    }
  });
  it('gives each violation its code', () => {
    expect(checkWindow(null, null, now)).toEqual({ ok: true, start: now - DAY, end: now });
    expect(checkWindow('2024-03-09T12:00:00', null, now)).toMatchObject({ ok: false, code: 'AF20030' });
    expect(checkWindow('2024-03-09T12:00:00', '2024-03-09T12:00:00', now)).toMatchObject({ ok: false, code: 'AF20055' });
    expect(checkWindow('2024-03-09T12:00:00', '2024-03-09T11:00:00', now)).toMatchObject({ ok: false, code: 'AF20055' });
    expect(checkWindow('2024-03-08T11:59:59', '2024-03-09T12:00:00', now)).toMatchObject({ ok: false, code: 'AF20030', over24h: true });
    expect(checkWindow('2024-03-08T12:00:00', '2024-03-09T12:00:00', now)).toMatchObject({ ok: true });
    expect(checkWindow('2024-03-03T11:59:59', '2024-03-03T13:00:00', now)).toMatchObject({ ok: false, code: 'AF20030', over24h: false });
    expect(checkWindow('2024-03-03T12:00:00', '2024-03-03T13:00:00', now)).toMatchObject({ ok: true });
    expect(checkWindow('yesterday', '2024-03-09T12:00:00', now)).toMatchObject({ ok: false, code: 'AF20002' });
  });
});

describe('content listing', () => {
  it('rejects bad windows over HTTP with 400 + AF code and counts them', async () => {
    const { sim, c, t, token, root } = await boot({ blobsPerContentType: 3 });
    const now = sim.now();
    const cases: Array<[string, string]> = [
      [`&startTime=${fmt(now - HOUR)}`, 'AF20030'],
      [`&startTime=${fmt(now - 2 * DAY)}&endTime=${fmt(now)}`, 'AF20030'],
      [`&startTime=${fmt(now - 8 * DAY)}&endTime=${fmt(now - 8 * DAY + HOUR)}`, 'AF20030'],
      [`&startTime=${fmt(now)}&endTime=${fmt(now - HOUR)}`, 'AF20055'],
    ];
    for (const [q, code] of cases) {
      const r = await c.get(`${root}/subscriptions/content?contentType=Audit.Exchange${q}&PublisherIdentifier=${t.tenantId}`, token);
      expect(r.status, q).toBe(400);
      expect(JSON.parse(r.text), q).toMatchObject({ error: { code } });
    }
    const s = sim.stats();
    expect(s.rejectedWindows).toBe(4);
    expect(s.windowsOver24h).toBe(1);
  });

  it('lists half-open [start, end) in contentCreated order, each descriptor exactly once across pages', async () => {
    const { sim, c, t, token, root } = await boot({ blobsPerContentType: 57, pageSize: 5, spanMs: 6 * HOUR });
    const now = sim.now();
    const all: Desc[] = [];
    let url: string | undefined = `${root}/subscriptions/content?contentType=Audit.SharePoint&startTime=${fmt(now - 7 * HOUR)}&endTime=${fmt(now + 1000)}`;
    let pages = 0;
    while (url !== undefined) {
      const r = await c.get(withPublisher(url, t.tenantId), token);
      expect(r.status).toBe(200);
      all.push(...(JSON.parse(r.text) as Desc[]));
      pages++;
      const next = r.headers.get('NextPageUri');
      if (next !== null) expect(next).toMatch(/startTime=.*endTime=.*nextPage=/);
      url = next ?? undefined;
    }
    expect(pages).toBe(12);
    expect(all).toHaveLength(57);
    expect(new Set(all.map((d) => d.contentId)).size).toBe(57);
    const created = all.map((d) => Date.parse(d.contentCreated));
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    for (const d of all) {
      expect(d.contentId).toContain('$');
      expect(d.contentUri).toBe(`${root}/audit/${d.contentId}`);
      expect(Date.parse(d.contentExpiration) - Date.parse(d.contentCreated)).toBe(7 * DAY);
      expect(d.contentCreated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    // Half-open: a window ending exactly at a blob's contentCreated excludes it; one starting there includes it.
    const pivot = all[20] as Desc;
    const pivotMs = Date.parse(pivot.contentCreated);
    const before = await c.get(`${root}/subscriptions/content?contentType=Audit.SharePoint&startTime=${new Date(pivotMs - HOUR).toISOString()}&endTime=${pivot.contentCreated}&PublisherIdentifier=x`, token);
    const after = await c.get(`${root}/subscriptions/content?contentType=Audit.SharePoint&startTime=${pivot.contentCreated}&endTime=${new Date(pivotMs + HOUR).toISOString()}&PublisherIdentifier=x`, token);
    expect((JSON.parse(before.text) as Desc[]).map((d) => d.contentId)).not.toContain(pivot.contentId);
    expect((JSON.parse(after.text) as Desc[])[0]?.contentId).toBe(pivot.contentId);
  });

  it('sends the next-page header under another name with trailing whitespace and /api/v1/ when asked', async () => {
    const { sim, c, t, token, root } = await boot({ blobsPerContentType: 4, pageSize: 2, nextPageHeader: 'NextPageUrl', nextPageTrailingWhitespace: true, nextPageApiV1: true });
    const now = sim.now();
    const r = await c.get(`${root}/subscriptions/content?contentType=DLP.All&startTime=${fmt(now - 7 * HOUR)}&endTime=${fmt(now)}&PublisherIdentifier=${t.tenantId}`, token);
    expect(r.headers.get('NextPageUri')).toBeNull();
    const next = r.headers.get('nextpageurl') as string;
    expect(next).toContain('/api/v1/');
    const page2 = await c.get(withPublisher(next.trim(), t.tenantId), token);
    expect(page2.status).toBe(200);
    expect(JSON.parse(page2.text)).toHaveLength(2);
  });

  it('answers AF20031 for an invalid nextPage and keeps tokens bound to their window', async () => {
    const { sim, c, t, token, root } = await boot({ blobsPerContentType: 6, pageSize: 2 });
    const now = sim.now();
    const base = `${root}/subscriptions/content?contentType=Audit.General&startTime=${fmt(now - 7 * HOUR)}&endTime=${fmt(now)}&PublisherIdentifier=${t.tenantId}`;
    const bad = await c.get(`${base}&nextPage=2024010100R000000001999999`, token);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { code: 'AF20031' } });
    const first = await c.get(base, token);
    const tokenValue = /nextPage=([^&\s]+)/.exec(first.headers.get('nextpageuri') as string)?.[1];
    const other = await c.get(`${root}/subscriptions/content?contentType=Audit.General&startTime=${fmt(now - 8 * HOUR)}&endTime=${fmt(now)}&nextPage=${tokenValue}&PublisherIdentifier=x`, token);
    expect(JSON.parse(other.text)).toMatchObject({ error: { code: 'AF20031' } });
  });

  it('answers 401 for DLP.All without ActivityFeed.ReadDlp while other types work', async () => {
    const { sim, c, t, token, root } = await boot({ tenantSpecs: [{ readDlp: false }], blobsPerContentType: 2 });
    const now = sim.now();
    const q = `&startTime=${fmt(now - 7 * HOUR)}&endTime=${fmt(now)}&PublisherIdentifier=${t.tenantId}`;
    expect((await c.get(`${root}/subscriptions/content?contentType=DLP.All${q}`, token)).status).toBe(401);
    expect((await c.get(`${root}/subscriptions/content?contentType=Audit.Exchange${q}`, token)).status).toBe(200);
  });
});

describe('subscriptions', () => {
  it('starts, refuses repeats (AF20024, 429 within 15 min), stops (AF20023), counts starts', async () => {
    const { sim, c, t, token, root } = await boot({ initiallySubscribed: false, blobsPerContentType: 2 });
    const now = sim.now();
    const list = async (): Promise<unknown> => JSON.parse((await c.get(`${root}/subscriptions/list?PublisherIdentifier=${t.tenantId}`, token)).text);
    const start = (ct: string): Promise<{ status: number; text: string }> => c.get(`${root}/subscriptions/start?contentType=${ct}&PublisherIdentifier=${t.tenantId}`, token, { method: 'POST' });
    const content = (ct: string): Promise<{ status: number; text: string }> => c.get(`${root}/subscriptions/content?contentType=${ct}&startTime=${fmt(now - HOUR)}&endTime=${fmt(now)}&PublisherIdentifier=${t.tenantId}`, token);
    expect(await list()).toEqual([]);
    expect(JSON.parse((await content('Audit.Exchange')).text)).toMatchObject({ error: { code: 'AF20022' } });
    const s1 = await start('Audit.Exchange');
    expect(s1.status).toBe(200);
    expect(JSON.parse(s1.text)).toEqual({ contentType: 'Audit.Exchange', status: 'enabled', webhook: null });
    expect(await list()).toEqual([{ contentType: 'Audit.Exchange', status: 'enabled', webhook: null }]);
    const s2 = await start('Audit.Exchange');
    expect(s2.status).toBe(429);
    expect(s2.text).toContain('Too many frequent subscription start requests');
    sim.advance(16 * 60_000);
    const s3 = await start('Audit.Exchange');
    expect(s3.status).toBe(400);
    expect(JSON.parse(s3.text)).toMatchObject({ error: { code: 'AF20024' } });
    expect((await c.get(`${root}/subscriptions/stop?contentType=Audit.Exchange&PublisherIdentifier=${t.tenantId}`, token, { method: 'POST' })).status).toBe(200);
    expect(JSON.parse((await c.get(`${root}/subscriptions/content?contentType=Audit.Exchange&PublisherIdentifier=x`, token)).text)).toMatchObject({ error: { code: 'AF20023' } });
    expect((await start('Audit.Exchange')).status).toBe(200);
    expect(JSON.parse((await start('Bogus.Type')).text)).toMatchObject({ error: { code: 'AF20020' } });
    // An invalid content type is refused before it counts as a start.
    expect(sim.stats().starts[t.tenantId]).toEqual({ 'Audit.Exchange': 4 });
  });

  it('answers the audit-disabled diagnostic for a tenant without unified audit logging', async () => {
    const { c, t, token, root } = await boot({ tenantSpecs: [{ auditDisabled: true }], blobsPerContentType: 1 });
    const r = await c.get(`${root}/subscriptions/start?contentType=Audit.General&PublisherIdentifier=${t.tenantId}`, token, { method: 'POST' });
    expect(r.status).toBe(400);
    const e = JSON.parse(r.text) as { error: { code: string; message: string } };
    expect(e.error.code).toMatch(/^StartSubscription \[CorrId=[0-9a-f-]+\]\[TenantId=/);
    expect(e.error.message).toContain(`Tenant ${t.tenantId} does not exist.`);
  });
});

describe('blobs and accounting', () => {
  it('serves a blob as a JSON array, answers AF20050/AF20052, and counts calls without PublisherIdentifier', async () => {
    const { sim, c, t, token, root } = await boot({ blobsPerContentType: 3, recordsPerBlob: 7 });
    const now = sim.now();
    const list = await c.get(`${root}/subscriptions/content?contentType=Audit.AzureActiveDirectory&startTime=${fmt(now - 7 * HOUR)}&endTime=${fmt(now)}`, token);
    const d = (JSON.parse(list.text) as Desc[])[0] as Desc;
    const blob = await c.get(d.contentUri, token);
    expect(blob.status).toBe(200);
    expect(blob.headers.get('date')).toBe(new Date(sim.now()).toUTCString());
    const recs = JSON.parse(blob.text) as Array<Record<string, unknown>>;
    expect(recs).toHaveLength(7);
    expect(recs.every((r) => r.OrganizationId === t.tenantId)).toBe(true);
    const unknown = await c.get(`${root}/audit/${d.contentId.replace(/^(\d{17})\d{6}/, '$1999999').replace(/\$(\d{17})\d{6}/, '$$$1999999')}?PublisherIdentifier=x`, token);
    expect(JSON.parse(unknown.text)).toMatchObject({ error: { code: 'AF20050' } });
    const malformed = await c.get(`${root}/audit/not-a-content-id?PublisherIdentifier=x`, token);
    expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: 'AF20052' } });
    const types = await c.get(`${root}/resources/dlpSensitiveTypes`, token, { headers: { 'accept-language': 'en-US' } });
    expect(JSON.parse(types.text)[0]).toHaveProperty('id');
    expect(JSON.parse((await c.get(`${root}/resources/dlpSensitiveTypes?PublisherIdentifier=x`, token, { headers: { 'accept-language': 'en-US, fr-FR' } })).text)).toMatchObject({ error: { code: 'AF20053' } });
    expect(JSON.parse((await c.get(`${root}/resources/dlpSensitiveTypes?PublisherIdentifier=x`, token, { headers: { 'accept-language': 'en_US!' } })).text)).toMatchObject({ error: { code: 'AF20054' } });
    sim.setFaults({ slow: { rate: 1, delayMs: 300 } });
    await Promise.all([0, 1, 2].map(() => c.get(`${d.contentUri}?PublisherIdentifier=x`, token)));
    const s = sim.stats();
    expect(s.maxConcurrentBlobs[t.tenantId]).toBe(3);
    expect(s.withoutPublisherIdentifier).toBe(3);
    expect(s.requestsByRoute.audit).toBe(6);
    expect(s.requestsByRoute['resources/dlpSensitiveTypes']).toBe(3);
  });
});
