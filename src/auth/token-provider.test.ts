import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { createHash, X509Certificate } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { createDispatcher } from '../api/dispatcher.js';
import { startHttpsDouble, testCertificate, type HttpsDouble } from '../api/testing/https-double.js';
import { createLoginDouble, type LoginDouble, type LoginDoubleOptions } from '../api/testing/login-double.js';
import { TokenProvider, type ClientCredential } from './token-provider.js';
import type { Logger } from '../logging/types.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'Sup3r~Secret.Value_for-tests';

let server: HttpsDouble;
let login: LoginDouble;
let dispatcher: Dispatcher;
let ca: string;
const logLines: string[] = [];
const logger: Logger = {
  debug: (o, m) => logLines.push(JSON.stringify([o, m])),
  info: (o, m) => logLines.push(JSON.stringify([o, m])),
  warn: (o, m) => logLines.push(JSON.stringify([o, m])),
  error: (o, m) => logLines.push(JSON.stringify([o, m])),
};

beforeAll(async () => {
  ca = (await testCertificate()).cert;
  server = await startHttpsDouble(() => undefined);
  dispatcher = createDispatcher({ caCerts: [ca], useEnvProxy: false });
});
afterAll(async () => {
  await dispatcher.close();
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
});

function useLogin(o: Partial<LoginDoubleOptions> & { secret?: string }): LoginDouble {
  login = createLoginDouble({ tenantId: TENANT, clientId: CLIENT, ...o });
  server.handler = (req, res) => {
    if (!login.handle(req, res, server.origin)) {
      res.statusCode = 404;
      res.end('not found');
    }
  };
  return login;
}

function provider(credential: ClientCredential, extra: Partial<ConstructorParameters<typeof TokenProvider>[0]> = {}): TokenProvider {
  return new TokenProvider({
    tenantId: TENANT,
    clientId: CLIENT,
    credential,
    loginUrl: server.origin,
    scope: 'https://manage.office.com/.default',
    dispatcher,
    logger,
    ...extra,
  });
}

describe('TokenProvider (client secret)', () => {
  it('gets a token with one POST to the v2 token endpoint and no discovery calls', async () => {
    useLogin({ secret: SECRET });
    const tp = provider({ type: 'secret', secret: SECRET });
    const token = await tp.getToken();
    expect(token).toBe(login.issued[0]);
    expect(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([`POST /${TENANT}/oauth2/v2.0/token`]);
    const form = new URLSearchParams(server.requests[0]!.body);
    expect(form.get('scope')).toContain('https://manage.office.com/.default');
    expect(form.get('grant_type')).toBe('client_credentials');
  });

  it('serves many concurrent and later calls from one token request', async () => {
    useLogin({ secret: SECRET });
    const tp = provider({ type: 'secret', secret: SECRET });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => tp.getToken()));
    for (let i = 0; i < 5; i++) tokens.push(await tp.getToken());
    expect(new Set(tokens).size).toBe(1);
    expect(login.tokenRequests).toBe(1);
  });

  it('renews a short-lived token before it expires', async () => {
    // A 10 s life leaves seconds of slack on both sides (MSAL keeps expiry in whole seconds), so a
    // loaded CI machine (engines starting beside the tests) cannot push either check over its edge;
    // a 2 s life once failed that way in a fresh-clone run.
    useLogin({ secret: SECRET, expiresIn: 10 });
    const kinds: string[] = [];
    const tp = provider({ type: 'secret', secret: SECRET }, { onAcquired: (k) => kinds.push(k) });
    const t1 = await tp.getToken();
    expect(await tp.getToken()).toBe(t1); // still in its first half of life
    await new Promise((r) => setTimeout(r, 6500)); // past half of a 10 s life, not yet expired
    const t2 = await tp.getToken();
    expect(t2).not.toBe(t1);
    expect(login.tokenRequests).toBe(2);
    expect(kinds).toEqual(['initial', 'renewal']);
  });

  it('does not hand out a token that would expire within the requested validity', async () => {
    useLogin({ secret: SECRET, expiresIn: 600 });
    const tp = provider({ type: 'secret', secret: SECRET });
    const t1 = await tp.getToken();
    expect(await tp.getToken({ minValidityMs: 60_000 })).toBe(t1);
    const t2 = await tp.getToken({ minValidityMs: 700_000 });
    expect(t2).not.toBe(t1);
  });

  it.each([
    ['0', 0],
    ['negative', -300],
    ['not a number', 'soon'],
    ['an empty string', ''],
  ])('an expires_in that is %s is clamped to a minimum lifetime: one token request for many calls, renewed later', async (_name, expiresIn) => {
    useLogin({ secret: SECRET, expiresIn });
    let clock = Date.now();
    const warnings: string[] = [];
    const tp = provider({ type: 'secret', secret: SECRET }, { now: () => clock, logger: { ...logger, warn: (o, m) => warnings.push(JSON.stringify([o, m])) } });
    const t1 = await tp.getToken();
    for (let i = 0; i < 20; i++) expect(await tp.getToken()).toBe(t1);
    expect(login.tokenRequests).toBe(1);
    // 60 s assumed, renewed at half-life: later there is a new one.
    clock += 31_000;
    expect(await tp.getToken()).not.toBe(t1);
    expect(login.tokenRequests).toBe(2);
    expect(warnings.join('\n')).toMatch(/unusable token lifetime/);
    expect(warnings.join('\n')).not.toContain(SECRET);
  });

  it('a huge expires_in is clamped to 24 h: the token is renewed before a day is over', async () => {
    useLogin({ secret: SECRET, expiresIn: 1e12 });
    let clock = Date.now();
    const tp = provider({ type: 'secret', secret: SECRET }, { now: () => clock });
    const t1 = await tp.getToken();
    clock += 23 * 3600_000;
    expect(await tp.getToken()).toBe(t1);
    clock += 3600_000 - 4 * 60_000; // within 5 minutes of the clamped expiry
    expect(await tp.getToken()).not.toBe(t1);
    expect(login.tokenRequests).toBe(2);
  });

  it('forceRefresh gets a new token once, even when several requests saw the same 401', async () => {
    useLogin({ secret: SECRET });
    const tp = provider({ type: 'secret', secret: SECRET });
    const t1 = await tp.getToken();
    const after = await Promise.all([tp.forceRefresh(t1), tp.forceRefresh(t1), tp.forceRefresh(t1)]);
    expect(new Set(after).size).toBe(1);
    expect(after[0]).not.toBe(t1);
    expect(await tp.forceRefresh(t1)).toBe(after[0]); // already replaced: no new request
    expect(login.tokenRequests).toBe(2);
  });

  it('maps AADSTS7000215 to the "secret ID instead of value" hint without leaking the secret', async () => {
    useLogin({ secret: 'the-real-value' });
    logLines.length = 0;
    const tp = provider({ type: 'secret', secret: SECRET });
    const err = (await tp.getToken().catch((e: unknown) => e)) as { code: string; message: string; context: Record<string, unknown>; retryable: boolean };
    expect(err.code).toBe('O365_ERR_AUTH');
    expect(err.context['aadsts']).toBe('AADSTS7000215');
    expect(err.message).toMatch(/secret ID instead of its value/);
    expect(err.retryable).toBe(false);
    expect(JSON.stringify(err.context) + err.message + logLines.join('\n')).not.toContain(SECRET);
  });

  it('maps AADSTS700016 to the swapped ids / consent / cloud hint', async () => {
    useLogin({ secret: SECRET, clientId: 'another-app' });
    const tp = provider({ type: 'secret', secret: SECRET });
    const err = (await tp.getToken().catch((e: unknown) => e)) as { context: Record<string, unknown>; message: string };
    expect(err.context['aadsts']).toBe('AADSTS700016');
    expect(err.message).toMatch(/swapped/);
    expect(err.message).toMatch(/consent/);
    expect(err.message).toMatch(/cloud/);
  });

  it('maps a 5xx from Entra to a retryable AuthError', async () => {
    useLogin({ secret: SECRET, failWith: { status: 503, body: { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server is busy.' } } });
    const err = (await provider({ type: 'secret', secret: SECRET }).getToken().catch((e: unknown) => e)) as { retryable: boolean; code: string };
    expect(err.code).toBe('O365_ERR_AUTH');
    expect(err.retryable).toBe(true);
  });

  it('explains an unreachable login host (wrong cloud / login_url / proxy)', async () => {
    const tp = new TokenProvider({ tenantId: TENANT, clientId: CLIENT, credential: { type: 'secret', secret: SECRET }, loginUrl: 'https://127.0.0.1:9', scope: 's/.default', dispatcher, timeoutMs: 2000 });
    const err = (await tp.getToken().catch((e: unknown) => e)) as { code: string; message: string; retryable: boolean };
    expect(err.code).toBe('O365_ERR_AUTH');
    expect(err.message).toMatch(/cannot reach the login host 127\.0\.0\.1:9/);
    expect(err.message).toMatch(/login_url/);
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain(SECRET);
  });

  it('explains a non-JSON answer from the login host', async () => {
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy login page</html>');
    };
    const err = (await provider({ type: 'secret', secret: SECRET }).getToken().catch((e: unknown) => e)) as { code: string; message: string };
    expect(err.code).toBe('O365_ERR_AUTH');
    expect(err.message).toMatch(/non-JSON/);
  });
});

describe('TokenProvider (certificate)', () => {
  let app: { key: string; cert: string };
  beforeAll(async () => {
    const g = await generate([{ name: 'commonName', value: 'o365-audit test app' }], { keySize: 2048, algorithm: 'sha256' });
    app = { key: g.private, cert: g.cert };
  });

  it('sends a client_assertion JWT (PS256, x5t#S256 from the certificate) that verifies', async () => {
    useLogin({ certificatePem: app.cert });
    const tp = provider({ type: 'certificate', privateKeyPem: app.key, certificatePem: app.cert });
    const token = await tp.getToken();
    expect(token).toBe(login.issued[0]);
    expect(login.assertions).toHaveLength(1);
    expect(login.assertions[0]!.header['alg']).toBe('PS256');
    const form = new URLSearchParams(server.requests.at(-1)!.body);
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  it('accepts an explicit SHA-1 thumbprint (RS256 + x5t) and a combined key+cert PEM', async () => {
    useLogin({ certificatePem: app.cert });
    const sha1 = createHash('sha1').update(new X509Certificate(app.cert).raw).digest('hex').toUpperCase().match(/../g)!.join(':');
    await provider({ type: 'certificate', privateKeyPem: app.key, thumbprint: sha1 }).getToken();
    expect(login.assertions.at(-1)!.header['alg']).toBe('RS256');
    await provider({ type: 'certificate', privateKeyPem: `${app.key}\n${app.cert}` }).getToken();
    expect(login.assertions.at(-1)!.header['alg']).toBe('PS256');
    expect(login.tokenRequests).toBe(2);
  });

  it('refuses a certificate that does not match the key, before any request', async () => {
    useLogin({ certificatePem: app.cert });
    expect(() => provider({ type: 'certificate', privateKeyPem: app.key, certificatePem: ca })).toThrow(/does not match the private key/);
    expect(login.tokenRequests).toBe(0);
  });

  it('rejects a wrong key with AADSTS700027 mapped to a hint', async () => {
    useLogin({ certificatePem: ca });
    const err = (await provider({ type: 'certificate', privateKeyPem: app.key, certificatePem: app.cert }).getToken().catch((e: unknown) => e)) as { context: Record<string, unknown>; message: string };
    expect(err.context['aadsts']).toBe('AADSTS700027');
    expect(err.message).toMatch(/upload this certificate/);
  });
});
