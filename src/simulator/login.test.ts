// Token flow against the simulator's login endpoint: secrets (v2, v1, Basic), certificate
// assertions (hand-signed and through MSAL), Entra error codes, and how the API treats tokens.

import { createPrivateKey, createHash, X509Certificate, sign, constants } from 'node:crypto';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { Agent, type Dispatcher, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from './index.js';
import type { SimTenant, Simulator } from './types.js';

let sim: Simulator;
let agent: Agent;
let t: SimTenant;
let t2: SimTenant;

beforeAll(async () => {
  sim = await startSimulator({ tenantSpecs: [{ certificate: true }, { readDlp: false }], blobsPerContentType: 2, recordsPerBlob: 2 });
  agent = new Agent({ connect: { ca: sim.caPem } });
  t = sim.tenants[0] as SimTenant;
  t2 = sim.tenants[1] as SimTenant;
});
afterAll(async () => {
  await sim.close();
  await agent.close();
});

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url, { dispatcher: agent as Dispatcher, method: 'POST', body: new URLSearchParams(form), headers });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

function v2(tenant: string): string {
  return `${sim.loginUrl}/${tenant}/oauth2/v2.0/token`;
}

const SCOPE = 'https://manage.office.com/.default';

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
}

function assertion(tenant: SimTenant, aud: string, alg: 'RS256' | 'PS256', opts: { expOffset?: number; key?: string } = {}): string {
  const cert = tenant.certificate!;
  const der = new X509Certificate(cert.certPem).raw;
  const header = alg === 'PS256' ? { alg, typ: 'JWT', 'x5t#S256': createHash('sha256').update(der).digest('base64url') } : { alg, typ: 'JWT', x5t: createHash('sha1').update(der).digest('base64url') };
  const now = Math.floor(Date.now() / 1000);
  const payload = { aud, iss: tenant.clientId, sub: tenant.clientId, jti: crypto.randomUUID(), nbf: now, iat: now, exp: now + (opts.expOffset ?? 600) };
  const data = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const key = createPrivateKey(opts.key ?? cert.privateKeyPem);
  const sig = alg === 'PS256' ? sign('sha256', Buffer.from(data), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }) : sign('sha256', Buffer.from(data), key);
  return `${data}.${sig.toString('base64url')}`;
}

describe('discovery', () => {
  it('serves v2 and v1 OpenID configuration for the tenant GUID and its domain', async () => {
    for (const path of [`${t.tenantId}/v2.0`, `${t.domain}/v2.0`, t.tenantId]) {
      const r = await fetch(`${sim.loginUrl}/${path}/.well-known/openid-configuration`, { dispatcher: agent as Dispatcher });
      expect(r.status).toBe(200);
      const j = (await r.json()) as Record<string, string>;
      expect(j.token_endpoint).toContain(`/${t.tenantId}/oauth2/`);
      expect(j.authorization_endpoint).toBeTruthy();
      expect(j.issuer).toContain(t.tenantId);
      expect(j.jwks_uri).toBeTruthy();
    }
  });

  it('answers AADSTS90002 for an unknown tenant', async () => {
    const r = await fetch(`${sim.loginUrl}/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration`, { dispatcher: agent as Dispatcher });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });
});

describe('client secret', () => {
  it('issues a v2 token whose claims carry tid, appid, aud, roles and exp', async () => {
    const r = await post(v2(t.tenantId), { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: SCOPE });
    expect(r.status).toBe(200);
    expect(r.body.token_type).toBe('Bearer');
    expect(r.body.expires_in).toBe(3599);
    const p = payloadOf(r.body.access_token as string);
    expect(p).toMatchObject({ tid: t.tenantId, appid: t.clientId, aud: 'https://manage.office.com' });
    expect(p.roles).toEqual(expect.arrayContaining(['ActivityFeed.Read', 'ActivityFeed.ReadDlp']));
    expect(p.exp).toBe(Math.floor(sim.now() / 1000) + 3599);
    expect(sim.stats().tokensIssued).toBeGreaterThan(0);
  });

  it('issues v1 tokens with string numbers and accepts Basic credentials and the domain', async () => {
    const r = await post(`${sim.loginUrl}/${t.domain}/oauth2/token`, { grant_type: 'client_credentials', resource: 'https://manage.office.com' }, {
      authorization: `Basic ${Buffer.from(`${t.clientId}:${t.clientSecret}`).toString('base64')}`,
    });
    expect(r.status).toBe(200);
    expect(r.body.expires_in).toBe('3599');
    expect(typeof r.body.expires_on).toBe('string');
    expect(r.body.resource).toBe('https://manage.office.com');
  });

  it('leaves ActivityFeed.ReadDlp out when the tenant is configured without it', async () => {
    const r = await post(v2(t2.tenantId), { grant_type: 'client_credentials', client_id: t2.clientId, client_secret: t2.clientSecret, scope: SCOPE });
    expect(payloadOf(r.body.access_token as string).roles).not.toContain('ActivityFeed.ReadDlp');
  });

  it.each([
    ['unknown client', () => ({ tenant: t.tenantId, form: { client_id: 'aaaaaaaa-0000-0000-0000-000000000000', client_secret: 'x', scope: SCOPE } }), 400, 700016, 'unauthorized_client'],
    ['client of another tenant', () => ({ tenant: t.tenantId, form: { client_id: t2.clientId, client_secret: t2.clientSecret, scope: SCOPE } }), 400, 700016, 'unauthorized_client'],
    ['wrong secret', () => ({ tenant: t.tenantId, form: { client_id: t.clientId, client_secret: 'wrong', scope: SCOPE } }), 401, 7000215, 'invalid_client'],
    ['unknown tenant', () => ({ tenant: 'nobody.example.com', form: { client_id: t.clientId, client_secret: t.clientSecret, scope: SCOPE } }), 400, 90002, 'invalid_request'],
    ['bad scope', () => ({ tenant: t.tenantId, form: { client_id: t.clientId, client_secret: t.clientSecret, scope: 'https://graph.example.com/.default' } }), 400, 70011, 'invalid_scope'],
    ['mixed scopes', () => ({ tenant: t.tenantId, form: { client_id: t.clientId, client_secret: t.clientSecret, scope: `${SCOPE} https://graph.microsoft.com/.default` } }), 400, 70011, 'invalid_scope'],
  ])('%s -> Entra error', async (_name, make, status, code, error) => {
    const { tenant, form } = make();
    const r = await post(v2(tenant), { grant_type: 'client_credentials', ...form });
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
    expect(r.body.error_codes).toEqual([code]);
    expect(String(r.body.error_description)).toMatch(new RegExp(`^AADSTS${code}: `));
    expect(r.body.trace_id).toBeTruthy();
  });
});

describe('certificate assertion', () => {
  it.each(['RS256', 'PS256'] as const)('accepts a %s assertion signed with the registered key', async (alg) => {
    const r = await post(v2(t.tenantId), {
      grant_type: 'client_credentials',
      client_id: t.clientId,
      scope: SCOPE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion(t, v2(t.tenantId), alg),
    });
    expect(r.status).toBe(200);
    expect(payloadOf(r.body.access_token as string).tid).toBe(t.tenantId);
  });

  it('refuses a wrong audience, an expired assertion and a foreign key', async () => {
    const other = await startSimulator({ tenantSpecs: [{ certificate: true }], blobsPerContentType: 1 });
    try {
      const cases: Array<[string, number]> = [
        [assertion(t, 'https://login.example.com/x/oauth2/v2.0/token', 'RS256'), 700212],
        [assertion(t, v2(t.tenantId), 'RS256', { expOffset: -3600 }), 700024],
        [assertion(t, v2(t.tenantId), 'RS256', { key: other.tenants[0]!.certificate!.privateKeyPem }), 700027],
      ];
      for (const [jwt, code] of cases) {
        const r = await post(v2(t.tenantId), { grant_type: 'client_credentials', client_id: t.clientId, scope: SCOPE, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
        expect(r.status).toBe(401);
        expect(r.body.error_codes).toEqual([code]);
      }
    } finally {
      await other.close();
    }
  });

  it('works end to end with MSAL (secret and certificate)', async () => {
    const host = new URL(sim.loginUrl).host;
    const networkClient = {
      async sendGetRequestAsync<T>(url: string, o?: { headers?: Record<string, string> }) {
        const r = await fetch(url, { dispatcher: agent as Dispatcher, headers: o?.headers });
        return { status: r.status, headers: Object.fromEntries(r.headers), body: (await r.json()) as T };
      },
      async sendPostRequestAsync<T>(url: string, o?: { headers?: Record<string, string>; body?: string }) {
        const r = await fetch(url, { dispatcher: agent as Dispatcher, method: 'POST', headers: o?.headers, body: o?.body });
        return { status: r.status, headers: Object.fromEntries(r.headers), body: (await r.json()) as T };
      },
    };
    const auth = { authority: `${sim.loginUrl}/${t.tenantId}`, knownAuthorities: [host], clientId: t.clientId };
    const bySecret = new ConfidentialClientApplication({ auth: { ...auth, clientSecret: t.clientSecret }, system: { networkClient } });
    const a = await bySecret.acquireTokenByClientCredential({ scopes: [SCOPE] });
    expect(payloadOf(a!.accessToken).appid).toBe(t.clientId);
    const byCert = new ConfidentialClientApplication({
      auth: { ...auth, clientCertificate: { thumbprintSha256: t.certificate!.thumbprintSha256, privateKey: t.certificate!.privateKeyPem } },
      system: { networkClient },
    });
    const b = await byCert.acquireTokenByClientCredential({ scopes: [SCOPE] });
    expect(payloadOf(b!.accessToken).tid).toBe(t.tenantId);
  });
});

describe('the API and tokens', () => {
  async function call(token: string | undefined, tenantId = t.tenantId): Promise<{ status: number; body: { error?: { code: string } } }> {
    const r = await fetch(`${sim.apiUrl}/api/v1.0/${tenantId}/activity/feed/subscriptions/list?PublisherIdentifier=${t.tenantId}`, {
      dispatcher: agent as Dispatcher,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: r.status, body: (await r.json()) as { error?: { code: string } } };
  }

  it('rejects missing, forged, expired and foreign-tenant tokens with 401', async () => {
    const ok = await post(v2(t.tenantId), { grant_type: 'client_credentials', client_id: t.clientId, client_secret: t.clientSecret, scope: SCOPE });
    const token = ok.body.access_token as string;
    expect((await call(token)).status).toBe(200);
    const before = sim.stats().unauthorized;
    expect((await call(undefined)).status).toBe(401);
    const [h, p] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payloadOf(token), exp: 9999999999 })).toString('base64url')}.${token.split('.')[2]}`;
    expect((await call(forged)).status).toBe(401);
    expect(p).toBeTruthy();
    const foreign = await call(token, t2.tenantId);
    expect(foreign.status).toBe(401);
    expect(foreign.body.error?.code).toBe('AF20010');
    expect((await call(token, 'tenant1.example.com')).body.error?.code).toBe('AF20013');
    sim.advance(3600_000);
    expect((await call(token)).status).toBe(401);
    sim.advance(-3600_000);
    expect(sim.stats().unauthorized - before).toBe(4);
  });
});
