// A deliberately naive client of the simulator for tests and benchmarks: gets a token, lists every
// 24 h window back over the span, follows NextPageUri (adding PublisherIdentifier), and fetches
// every API-host blob, retrying transient failures. Not the collector: a reference to compare with.

import { Agent, type Dispatcher, fetch } from 'undici';
import type { SimTenant, Simulator } from './types.js';

export interface NaiveClient {
  agent: Agent;
  token(tenant: SimTenant): Promise<string>;
  get(url: string, token: string, init?: { method?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; text: string }>;
  close(): Promise<void>;
}

export function naiveClient(sim: Simulator): NaiveClient {
  const agent = new Agent({ connect: { ca: sim.caPem }, connections: 16 });
  return {
    agent,
    async token(t) {
      const r = await fetch(`${sim.loginUrl}/${t.tenantId}/oauth2/v2.0/token`, {
        dispatcher: agent as Dispatcher,
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: 'https://manage.office.com/.default' }),
      });
      const j = (await r.json()) as { access_token?: string };
      if (j.access_token === undefined) throw new Error(`token request failed with HTTP ${r.status}`);
      return j.access_token;
    },
    async get(url, token, init = {}) {
      const r = await fetch(url, { dispatcher: agent as Dispatcher, method: init.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...init.headers } });
      return { status: r.status, headers: r.headers as unknown as Headers, text: await r.text() };
    },
    close: () => agent.close(),
  };
}

export function withPublisher(url: string, pid: string): string {
  return /[?&]PublisherIdentifier=/i.test(url) ? url : `${url}${url.includes('?') ? '&' : '?'}PublisherIdentifier=${pid}`;
}

export function fmt(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

interface Descriptor {
  contentUri: string;
  contentId: string;
  contentCreated: string;
}

/** Every record Id reachable now for one tenant and content type, fetching naively. */
export async function naiveFetchAll(sim: Simulator, c: NaiveClient, t: SimTenant, contentType: string, spanMs: number): Promise<{ ids: string[]; descriptors: Descriptor[] }> {
  const token = await c.token(t);
  const pid = t.tenantId;
  const root = `${sim.apiUrl}/api/v1.0/${t.tenantId}/activity/feed`;
  const descriptors: Descriptor[] = [];
  const now = sim.now();
  const DAY = 86400_000;
  for (let end = now + 1000; end > now - spanMs - 1000; end -= DAY) {
    const start = Math.max(end - DAY, now - 7 * DAY + 60_000);
    let url: string | undefined = `${root}/subscriptions/content?contentType=${contentType}&startTime=${fmt(start)}&endTime=${fmt(end)}`;
    while (url !== undefined) {
      const r = await retry(() => c.get(withPublisher(url as string, pid), token));
      if (r.status !== 200) throw new Error(`listing answered HTTP ${r.status}: ${r.text}`);
      descriptors.push(...(JSON.parse(r.text) as Descriptor[]));
      const next = r.headers.get('nextpageuri') ?? r.headers.get('nextpageurl');
      url = next === null || !next.trim().startsWith(sim.apiUrl) ? undefined : next.trim();
    }
  }
  const ids: string[] = [];
  for (const d of descriptors) {
    if (!d.contentUri.startsWith(sim.apiUrl)) continue;
    const r = await retry(() => c.get(withPublisher(d.contentUri, pid), token));
    if (r.status !== 200) continue;
    for (const rec of JSON.parse(r.text) as Array<{ Id: string }>) ids.push(rec.Id);
  }
  return { ids, descriptors };
}

async function retry<T extends { status: number }>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      const r = await fn();
      if ((r.status === 403 || r.status === 429 || r.status >= 500) && i < 10) continue;
      return r;
    } catch (e) {
      if (i >= 10) throw e;
    }
  }
}
