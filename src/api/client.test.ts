import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManagementApi, type ManagementApiOptions } from './client.js';
import type { ContentDescriptor, ManagementApi, RawRecord } from './types.js';
import { sendJson, startHttpsDouble, testCertificate, type HttpsDouble, type RecordedRequest } from './testing/https-double.js';
import { createLoginDouble, type LoginDouble } from './testing/login-double.js';
import type { Logger } from '../logging/types.js';
import type { RefusedUrlInfo } from './url-guard.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'Sup3r~Secret.Value_for-tests';
const PID = '99999999-8888-7777-6666-555555555555';
const ROOT = `/api/v1.0/${TENANT}/activity/feed`;

type ApiHandler = (req: RecordedRequest, res: ServerResponse, n: number) => void | Promise<void>;

let server: HttpsDouble;
let foreign: HttpsDouble;
let ca: string;
let login: LoginDouble;
let api: ApiHandler;
let apiRequests: RecordedRequest[];
const logLines: string[] = [];
const errorsSeen: unknown[] = [];
const refused: RefusedUrlInfo[] = [];
const logger: Logger = {
  debug: (o, m) => logLines.push(JSON.stringify({ level: 'debug', o, m })),
  info: (o, m) => logLines.push(JSON.stringify({ level: 'info', o, m })),
  warn: (o, m) => logLines.push(JSON.stringify({ level: 'warn', o, m })),
  error: (o, m) => logLines.push(JSON.stringify({ level: 'error', o, m })),
};
const clients: ManagementApi[] = [];

beforeAll(async () => {
  ca = (await testCertificate()).cert;
  server = await startHttpsDouble((req, res) => {
    if (login.handle(req, res, server.origin)) return;
    apiRequests.push(req);
    return api(req, res, apiRequests.length);
  });
  foreign = await startHttpsDouble((_req, res) => sendJson(res, 200, []));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  await foreign.close();
});
beforeEach(() => {
  login = createLoginDouble({ tenantId: TENANT, clientId: CLIENT, secret: SECRET });
  apiRequests = [];
  refused.length = 0;
  foreign.requests.length = 0;
  api = (_req, res) => sendJson(res, 500, { error: { code: 'AF50000', message: 'no handler' } });
});

function client(extra: Partial<ManagementApiOptions> = {}): ManagementApi {
  const c = createManagementApi({
    tenantId: TENANT,
    clientId: CLIENT,
    credential: { type: 'secret', secret: SECRET },
    loginUrl: server.origin,
    apiUrl: server.origin,
    publisherId: PID,
    caCerts: [ca],
    useEnvProxy: false,
    retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 },
    logger,
    onRefused: (i) => refused.push(i),
    ...extra,
  });
  clients.push(c);
  return c;
}

async function caught(p: Promise<unknown>): Promise<Record<string, unknown> & { code: string; message: string; context: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    errorsSeen.push(e);
    return e as never;
  }
  throw new Error('expected a rejection');
}

async function collect(it: AsyncIterable<ContentDescriptor[]>): Promise<ContentDescriptor[][]> {
  const pages: ContentDescriptor[][] = [];
  for await (const p of it) pages.push(p);
  return pages;
}

function descriptor(id: string, origin = server.origin): Record<string, string> {
  return {
    contentType: 'Audit.Exchange',
    contentId: id,
    contentUri: `${origin}${ROOT}/audit/${id}`,
    contentCreated: '2024-03-01T10:15:03.123Z',
    contentExpiration: '2024-03-08T10:15:03.123Z',
  };
}

function desc(id: string, origin = server.origin): ContentDescriptor {
  return { ...descriptor(id, origin), contentType: 'Audit.Exchange', contentCreated: 0, contentExpiration: 0 } as ContentDescriptor;
}

function query(req: RecordedRequest): URLSearchParams {
  return new URL(req.url, 'https://x').searchParams;
}

const T0 = Date.UTC(2024, 2, 1, 10, 0, 0);
const HOUR = 3_600_000;

describe('subscriptions', () => {
  it('lists subscriptions with the bearer token and PublisherIdentifier', async () => {
    api = (_req, res) => sendJson(res, 200, [{ contentType: 'Audit.Exchange', status: 'enabled', webhook: null }, { contentType: 'Audit.General', webhook: null }]);
    const subs = await client().listSubscriptions();
    expect(subs).toEqual([{ contentType: 'Audit.Exchange', status: 'enabled', webhook: undefined }, { contentType: 'Audit.General', webhook: undefined }]);
    const req = apiRequests[0]!;
    expect(req.url).toBe(`${ROOT}/subscriptions/list?PublisherIdentifier=${PID}`);
    expect(req.headers.authorization).toBe(`Bearer ${login.issued[0]}`);
  });

  it('treats 400 AF20024 (already enabled) on start as success', async () => {
    api = (_req, res) => sendJson(res, 400, { error: { code: 'AF20024', message: 'The subscription is already enabled. No property change.' } });
    await client().startSubscription('Audit.Exchange');
    expect(apiRequests[0]!.method).toBe('POST');
    expect(apiRequests[0]!.url).toBe(`${ROOT}/subscriptions/start?contentType=Audit.Exchange&PublisherIdentifier=${PID}`);
  });

  it('explains the non-AF "Tenant … does not exist" start error as unified audit logging being off', async () => {
    api = (_req, res) =>
      sendJson(res, 400, {
        error: {
          code: `StartSubscription [CorrId=5a1c][TenantId=${TENANT},ContentType=Audit.Exchange,ApplicationId=${CLIENT},PublisherId=${PID}][AppId`,
          message: `…failed. Exception: Microsoft.Office.Compliance.Audit.DataServiceException: Tenant ${TENANT} does not exist.\r\n   at Microsoft.Office.Compliance.Audit…`,
        },
      });
    const err = await caught(client().startSubscription('Audit.Exchange'));
    expect(err.code).toBe('O365_ERR_API');
    expect(err['hint']).toMatch(/unified audit logging is not enabled.*Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled \$true.*1–2 h/);
    expect(err['retryable']).toBe(false);
    expect(apiRequests).toHaveLength(1);
  });
});

describe('listContent', () => {
  it('sends an explicit UTC window as YYYY-MM-DDTHH:MM:SS that round-trips through a URL parser', async () => {
    api = (_req, res) => sendJson(res, 200, [descriptor('a$b$audit_exchange$emea0012')]);
    const pages = await collect(client().listContent({ contentType: 'Audit.Exchange', start: T0 + 999, end: T0 + HOUR }));
    const req = apiRequests[0]!;
    expect(req.url).not.toContain('&amp;');
    expect(Object.fromEntries(query(req))).toEqual({ contentType: 'Audit.Exchange', startTime: '2024-03-01T10:00:00', endTime: '2024-03-01T11:00:00', PublisherIdentifier: PID });
    expect(pages).toEqual([
      [{ contentType: 'Audit.Exchange', contentId: 'a$b$audit_exchange$emea0012', contentUri: `${server.origin}${ROOT}/audit/a$b$audit_exchange$emea0012`, contentCreated: Date.UTC(2024, 2, 1, 10, 15, 3, 123), contentExpiration: Date.UTC(2024, 2, 8, 10, 15, 3, 123) }],
    ]);
  });

  it('refuses a window over 24 h (or empty) before sending anything', async () => {
    api = (_req, res) => sendJson(res, 200, []);
    const c = client();
    const err = await caught(collect(c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + 24 * HOUR + 1000 })));
    expect(err.code).toBe('O365_ERR_BUG');
    expect((await caught(collect(c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 })))).code).toBe('O365_ERR_BUG');
    await collect(c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + 24 * HOUR })).catch(() => undefined);
    expect(apiRequests).toHaveLength(1); // exactly 24 h is allowed
  });

  it('follows NextPageUri / NextPageUrl in any header case, trims the value, adds PublisherIdentifier, stops when absent', async () => {
    const base = `${server.origin}/api/v1/${TENANT}/activity/feed/subscriptions/content?contentType=Audit.Exchange&startTime=2024-03-01T10:00:00&endTime=2024-03-01T11:00:00`;
    api = (_req, res, n) => {
      if (n === 1) res.setHeader('NextPageUri', `  ${base}&nextPage=p2  `);
      if (n === 2) res.setHeader('nEXTpAGEuRL', `${base}&nextPage=p3&publisheridentifier=${PID}\t`);
      sendJson(res, 200, [descriptor(`blob${n}`)]);
    };
    const pages = await collect(client().listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + HOUR }));
    expect(pages.map((p) => p.map((d) => d.contentId))).toEqual([['blob1'], ['blob2'], ['blob3']]);
    expect(apiRequests).toHaveLength(3);
    expect(apiRequests[1]!.url).toBe(`/api/v1/${TENANT}/activity/feed/subscriptions/content?contentType=Audit.Exchange&startTime=2024-03-01T10:00:00&endTime=2024-03-01T11:00:00&nextPage=p2&PublisherIdentifier=${PID}`);
    // Present already (other case): not added twice.
    expect(apiRequests[2]!.url.match(/publisheridentifier=/gi)).toHaveLength(1);
    for (const r of apiRequests) expect(r.url.toLowerCase()).toContain(`publisheridentifier=${PID}`);
  });

  it('refuses a foreign NextPageUri: no request reaches it, counted, reported, logged by origin only', async () => {
    api = (_req, res) => {
      res.setHeader('NextPageUri', `${foreign.origin}${ROOT}/subscriptions/content?nextPage=secret-page-token`);
      sendJson(res, 200, [descriptor('first')]);
    };
    const c = client();
    const pages: ContentDescriptor[][] = [];
    const err = await caught(
      (async () => {
        for await (const p of c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + HOUR })) pages.push(p);
      })(),
    );
    expect(err.code).toBe('O365_ERR_REFUSED_URL');
    expect(pages).toHaveLength(1);
    expect(foreign.requests).toHaveLength(0);
    expect(c.counters.refusedUrls).toBe(1);
    expect(refused).toEqual([{ source: 'NextPageUri', origin: foreign.origin, reason: expect.any(String), contentType: 'Audit.Exchange' }]);
    const warn = logLines.filter((l) => l.includes('"warn"') && l.includes('refused')).at(-1)!;
    expect(warn).toContain(foreign.origin);
    expect(warn).not.toContain('secret-page-token');
  });

  it('drops descriptors whose contentUri is off the API origin (other port, http scheme) and reports them', async () => {
    const httpSameHost = descriptor('plainhttp', server.origin.replace('https:', 'http:'));
    api = (_req, res) => sendJson(res, 200, [descriptor('good'), descriptor('evil', foreign.origin), httpSameHost]);
    const c = client();
    const pages = await collect(c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + HOUR }));
    expect(pages.flat().map((d) => d.contentId)).toEqual(['good']);
    expect(c.counters.refusedUrls).toBe(2);
    expect(refused.map((r) => [r.source, r.contentId])).toEqual([
      ['contentUri', 'evil'],
      ['contentUri', 'plainhttp'],
    ]);
  });

  it('restarts the window from its first page on AF20031 (bounded)', async () => {
    let failures = 0;
    api = (req, res) => {
      if (req.url.includes('nextPage=p2') && failures++ < 1) return sendJson(res, 400, { error: { code: 'AF20031', message: 'Invalid nextPage Input: p2.' } });
      if (!req.url.includes('nextPage')) res.setHeader('NextPageUri', `${server.origin}${ROOT}/subscriptions/content?contentType=Audit.Exchange&nextPage=p2`);
      sendJson(res, 200, [descriptor(req.url.includes('nextPage') ? 'second' : 'first')]);
    };
    const pages = await collect(client().listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + HOUR }));
    expect(pages.map((p) => p[0]!.contentId)).toEqual(['first', 'first', 'second']);
    expect(apiRequests).toHaveLength(4);

    api = (req, res) => {
      if (req.url.includes('nextPage')) return sendJson(res, 400, { error: { code: 'AF20031', message: 'Invalid nextPage Input' } });
      res.setHeader('NextPageUri', `${server.origin}${ROOT}/subscriptions/content?nextPage=bad`);
      sendJson(res, 200, []);
    };
    const err = await caught(collect(client({ maxListRestarts: 2 }).listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + HOUR })));
    expect(err['afCode']).toBe('AF20031');
  });
});

describe('fetchBlob', () => {
  function blobHandler(records: object[], opts: { chunk?: number } = {}): ApiHandler {
    return async (_req, res) => {
      const body = Buffer.from(JSON.stringify(records, null, 2));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      const step = opts.chunk ?? 7;
      for (let i = 0; i < body.length; i += step) {
        res.write(body.subarray(i, i + step));
        if (i % (step * 20) === 0) await new Promise((r) => setImmediate(r));
      }
      res.end();
    };
  }
  const recs = [
    { Id: 'r1', Operation: 'FileDownloaded', n: 1 },
    { Id: 'r2', Operation: 'Send', ObjectId: 'x "quoted" ü' },
  ];

  it('streams records in order and uses contentUri verbatim (with $) plus PublisherIdentifier', async () => {
    api = blobHandler(recs);
    const got: RawRecord[] = [];
    const d = { contentType: 'Audit.Exchange', contentId: 'a$b$c', contentUri: `${server.origin}${ROOT}/audit/a$b$audit_exchange$Audit_Exchange$emea0036`, contentCreated: 0, contentExpiration: 0 };
    await client().fetchBlob(d, { onRecord: (r) => void got.push(r) });
    expect(got).toEqual(recs.map((r) => ({ raw: JSON.stringify(r), id: r.Id, bytes: Buffer.byteLength(JSON.stringify(r)) })));
    expect(apiRequests[0]!.url).toBe(`${ROOT}/audit/a$b$audit_exchange$Audit_Exchange$emea0036?PublisherIdentifier=${PID}`);
  });

  it('asks for gzip on blobs and decodes it; a truncated gzip body is re-fetched', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(Buffer.from(JSON.stringify(recs)));
    api = async (req, res, n) => {
      expect(req.headers['accept-encoding']).toContain('gzip');
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      if (n === 1) {
        res.write(gz.subarray(0, gz.length - 10));
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return;
      }
      res.end(gz);
    };
    const c = client();
    const ids: (string | undefined)[] = [];
    await c.fetchBlob(desc('gz'), { onRecord: (r) => void ids.push(r.id) });
    expect(ids.slice(-2)).toEqual(['r1', 'r2']);
    expect(c.counters.requests).toBe(2);
  });

  it('refuses a foreign contentUri without sending anything', async () => {
    const c = client();
    const err = await caught(c.fetchBlob(desc('x', foreign.origin), { onRecord: () => undefined }));
    expect(err.code).toBe('O365_ERR_REFUSED_URL');
    expect(foreign.requests).toHaveLength(0);
    expect(c.counters.refusedUrls).toBe(1);
    expect(refused[0]).toMatchObject({ source: 'contentUri', origin: foreign.origin, contentId: 'x' });
  });

  it('re-fetches a blob whose body is cut off mid-stream; records already passed stay passed', async () => {
    api = async (req, res, n) => {
      if (n === 1) {
        const body = Buffer.from(JSON.stringify(recs));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.write(body.subarray(0, body.length - 12));
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return;
      }
      return blobHandler(recs)(req, res, n);
    };
    const c = client();
    const ids: (string | undefined)[] = [];
    await c.fetchBlob(desc('cut'), { onRecord: (r) => void ids.push(r.id) });
    expect(ids).toEqual(['r1', 'r1', 'r2']);
    expect(c.counters.retries).toBe(1);
    expect(c.counters.requests).toBe(2);
  });

  it('re-fetches when a 200 body is invalid JSON mid-stream (no content-length)', async () => {
    api = (req, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('[{"Id":"r1"},{"Id":"r2"} garbage');
        return;
      }
      return blobHandler(recs)(req, res, n);
    };
    const ids: (string | undefined)[] = [];
    const c = client();
    await c.fetchBlob(desc('bad'), { onRecord: (r) => void ids.push(r.id) });
    // Records of the bad attempt may or may not have been passed on (same chunk as the error);
    // the retry delivers the whole blob.
    expect(ids.slice(-2)).toEqual(['r1', 'r2']);
    expect(c.counters.retries).toBe(1);
  });

  /** Sends `body` one byte every `everyMs`: never silent long enough for an idle timeout. */
  function trickle(body: string, everyMs: number): ApiHandler {
    return async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (const ch of Buffer.from(body)) {
        if (res.destroyed) return;
        res.write(Buffer.from([ch]));
        await new Promise((r) => setTimeout(r, everyMs));
      }
      res.end();
    };
  }

  it('a blob body that trickles ends at blob_deadline (per attempt), retried, then a retryable error naming the deadline', async () => {
    api = trickle(JSON.stringify([{ Id: 'r1', pad: 'x'.repeat(400) }]), 20); // ~9 s in full
    const c = client({ timeouts: { blobBodyIdleMs: 1000, blobTotalMs: 300 }, retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 } });
    const t0 = Date.now();
    const err = await caught(c.fetchBlob(desc('slow'), { onRecord: () => undefined }));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'O365_ERR_API', retryable: true });
    expect(err.message).toMatch(/blob \(Audit\.Exchange\) did not finish within blob_deadline/);
    expect(c.counters.requests).toBe(2);
  });

  it('a listing page that trickles ends at request_deadline', async () => {
    api = trickle(JSON.stringify([descriptor('a'), descriptor('b')]), 20);
    const c = client({ timeouts: { listBodyIdleMs: 1000, listTotalMs: 300 }, retry: { baseDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 } });
    const t0 = Date.now();
    const err = await caught(collect(c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + 3600_000 })));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err.message).toMatch(/did not finish within request_deadline/);
  });

  it('time spent waiting for a slow output (back-pressure) does not count against blob_deadline', async () => {
    api = blobHandler(recs);
    const c = client({ timeouts: { blobTotalMs: 200 } });
    const got: RawRecord[] = [];
    await c.fetchBlob(desc('bp'), { onRecord: (r) => new Promise<void>((res) => setTimeout(() => (got.push(r), res()), 300)) });
    expect(got).toHaveLength(2);
    expect(c.counters.requests).toBe(1);
  });

  it('does not retry when onRecord throws: the caller gets its own error', async () => {
    api = blobHandler(recs);
    const boom = new Error('output full');
    const c = client();
    await expect(c.fetchBlob(desc('x'), { onRecord: () => { throw boom; } })).rejects.toBe(boom);
    expect(c.counters.requests).toBe(1);
  });

  it.each([
    [404, undefined, /does not exist \(HTTP 404\)/],
    [400, 'AF20051', /expired/],
    [400, 'AF20050', /does not exist/],
    [400, 'AF20052', /invalid/],
  ])('reports HTTP %s %s as a non-retryable lost blob', async (status, af, hint) => {
    api = (_req, res) => (af ? sendJson(res, status, { error: { code: af, message: 'Content … has expired/does not exist.' } }) : sendJson(res, status, { message: 'Not Found' }));
    const c = client();
    const err = await caught(c.fetchBlob(desc('gone'), { onRecord: () => undefined }));
    expect(err).toMatchObject({ code: 'O365_ERR_API', retryable: false, status, afCode: af });
    expect(err['hint']).toMatch(hint);
    expect(c.counters.requests).toBe(1);
  });
});

describe('retries and throttling', () => {
  it('backs off and retries 403 AF429, counting the throttle', async () => {
    api = (_req, res, n) => (n === 1 ? sendJson(res, 403, { error: { code: 'AF429', message: 'Too many requests. Method=GetContents, PublisherId=00000000-0000-0000-0000-000000000000' } }) : sendJson(res, 200, []));
    const c = client();
    await c.listSubscriptions();
    expect(c.counters).toMatchObject({ requests: 2, retries: 1, throttled: 1 });
  });

  it('honours Retry-After (seconds) on 429', async () => {
    api = (_req, res, n) => (n === 1 ? sendJson(res, 429, { error: { code: 'AF429', message: 'Too many requests' } }, { 'retry-after': '1' }) : sendJson(res, 200, []));
    const c = client();
    const t = Date.now();
    await c.listSubscriptions();
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    expect(c.counters).toMatchObject({ retries: 1, throttled: 1 });
  });

  it('retries 500, 503 with a non-JSON body, 408 and unknown AF5xxxx', async () => {
    api = (_req, res, n) => {
      if (n === 1) return sendJson(res, 500, { error: { code: 'AF50000', message: 'An internal error occurred. Retry the request.' } });
      if (n === 2) {
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html>Service Unavailable</html>');
        return;
      }
      if (n === 3) return sendJson(res, 408, {});
      if (n === 4) return sendJson(res, 400, { error: { code: 'AF59999', message: 'new internal error' } });
      return sendJson(res, 200, []);
    };
    const c = client({ retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 6 } });
    await c.listSubscriptions();
    expect(c.counters).toMatchObject({ requests: 5, retries: 4, throttled: 0 });
  });

  it('retries a connection reset before the response', async () => {
    api = (_req, res, n) => {
      if (n === 1) {
        res.socket?.destroy();
        return;
      }
      sendJson(res, 200, []);
    };
    const c = client();
    await c.listSubscriptions();
    expect(c.counters).toMatchObject({ requests: 2, retries: 1 });
  });

  it('gives up after maxAttempts with the last error, marked retryable for the caller', async () => {
    api = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('Bad gateway');
    };
    const c = client();
    const err = await caught(c.listSubscriptions());
    expect(err).toMatchObject({ code: 'O365_ERR_API', status: 502, retryable: true });
    expect(err.context['attempts']).toBe(4);
    expect(err.message).toContain('non-JSON body: Bad gateway');
    expect(c.counters.requests).toBe(4);
  });

  it.each(['AF20022', 'AF20023', 'AF20099', 'AF10001'])('does not retry %s', async (code) => {
    api = (_req, res) => sendJson(res, 400, { error: { code, message: 'nope' } });
    const c = client();
    const err = await caught(collect(c.listContent({ contentType: 'Audit.Exchange', start: T0, end: T0 + HOUR })));
    expect(err).toMatchObject({ afCode: code, retryable: false });
    expect(c.counters.requests).toBe(1);
    if (code === 'AF20022') expect(err['hint']).toMatch(/subscription missing: starting it/);
    if (code === 'AF10001') expect(err['hint']).toMatch(/ActivityFeed\.Read/);
  });

  it('stops waiting when the signal aborts during a backoff', async () => {
    const ac = new AbortController();
    let answeredAt = 0;
    api = (_req, res) => {
      sendJson(res, 429, { error: { code: 'AF429', message: 'slow down' } }, { 'retry-after': '30' });
      answeredAt = Date.now();
      // Abort once the client is surely in its 30 s backoff.
      setTimeout(() => ac.abort(new Error('shutdown')), 200);
    };
    await expect(client().listSubscriptions(ac.signal)).rejects.toThrow('shutdown');
    expect(answeredAt).toBeGreaterThan(0);
    expect(Date.now() - answeredAt).toBeLessThan(5000);
    expect(apiRequests).toHaveLength(1);
  });
});

describe('tokens', () => {
  it('uses one token request for many calls', async () => {
    api = (_req, res) => sendJson(res, 200, []);
    const c = client();
    await Promise.all(Array.from({ length: 5 }, () => c.listSubscriptions()));
    for (let i = 0; i < 5; i++) await c.listSubscriptions();
    expect(login.tokenRequests).toBe(1);
    expect(new Set(apiRequests.map((r) => r.headers.authorization)).size).toBe(1);
    expect(c.counters.tokenRefreshes).toBe(0);
  });

  it('surfaces a login failure as the AuthError with its hint, without retrying or calling the API', async () => {
    login = createLoginDouble({ tenantId: TENANT, clientId: CLIENT, secret: 'another-value' });
    const err = await caught(client().listSubscriptions());
    expect(err.code).toBe('O365_ERR_AUTH');
    expect(err.context['aadsts']).toBe('AADSTS7000215');
    expect(login.tokenRequests).toBe(1);
    expect(apiRequests).toHaveLength(0);
  });

  it('on 401 refreshes the token once and retries with the new one', async () => {
    api = (req, res) => (req.headers.authorization === `Bearer ${login.issued[0]}` ? sendJson(res, 401, { error: { code: 'invalid_token', message: 'expired' } }) : sendJson(res, 200, []));
    const c = client();
    await c.listSubscriptions();
    expect(login.tokenRequests).toBe(2);
    expect(apiRequests.map((r) => r.headers.authorization)).toEqual([`Bearer ${login.issued[0]}`, `Bearer ${login.issued[1]}`]);
    expect(c.counters.tokenRefreshes).toBe(1);
  });

  it('a persistent 401 on DLP.All refreshes once, then says to grant ActivityFeed.ReadDlp', async () => {
    api = (_req, res) => sendJson(res, 401, { error: { code: 'Unauthorized', message: 'Authorization has been denied' } });
    const c = client();
    const err = await caught(collect(c.listContent({ contentType: 'DLP.All', start: T0, end: T0 + HOUR })));
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect(err['hint']).toBe('grant ActivityFeed.ReadDlp (Application permission) and admin consent');
    expect(apiRequests).toHaveLength(2);
    expect(login.tokenRequests).toBe(2);
  });

  it('renews short-lived tokens before they expire', async () => {
    login = createLoginDouble({ tenantId: TENANT, clientId: CLIENT, secret: SECRET, expiresIn: 2 });
    api = (_req, res) => sendJson(res, 200, []);
    const c = client();
    await c.listSubscriptions();
    await c.listSubscriptions();
    expect(login.tokenRequests).toBe(2); // 2 s tokens never outlive a request's headers timeout + margin
    expect(c.counters.tokenRefreshes).toBe(1);
  });
});

describe('opaque tokens echoed back', () => {
  it('an API error that quotes the (non-JWT) bearer token, with or without "Bearer", never shows it', async () => {
    api = (req, res) => {
      const token = String(req.headers.authorization).replace(/^Bearer /, '');
      sendJson(res, 400, { error: { code: 'AF20010', message: `token ${token} is not valid for this tenant (got Authorization ${req.headers.authorization})` } });
    };
    const c = client();
    // Not through caught(): the hygiene test below forbids even "Bearer [REDACTED]" in what it collects.
    const err = (await c.listSubscriptions().then(() => undefined, (e: unknown) => e)) as { message: string; context: unknown };
    expect(err).toBeDefined();
    const issued = login.issued[0]!;
    expect(issued).toMatch(/^tok-/); // opaque: no JWT shape to recognise
    expect(err.message).toContain('is not valid for this tenant');
    expect(err.message).not.toContain(issued);
    expect(JSON.stringify(err.context)).not.toContain(issued);
    const { scrub } = await import('../logging/redact.js');
    expect(scrub(`stderr line with ${issued}`)).not.toContain(issued);
  });
});

describe('clock', () => {
  it('estimates the server clock from the Date header', async () => {
    api = (_req, res) => sendJson(res, 200, [], { date: new Date(Date.now() + 2 * HOUR).toUTCString() });
    const c = client();
    await c.listSubscriptions();
    expect(Math.abs(c.serverNow() - (Date.now() + 2 * HOUR))).toBeLessThan(2000);
  });

  it('remembers a skew seen on some responses only, next to the normal ones', async () => {
    let skew = -8 * 24 * HOUR;
    api = (_req, res) => sendJson(res, 200, [], { date: new Date(Date.now() + skew).toUTCString() });
    const c = client();
    expect(c.clockSkew()).toBeUndefined();
    await c.listSubscriptions();
    skew = 0;
    await c.listSubscriptions();
    const s = c.clockSkew()!;
    expect(Math.abs(s.lastMs)).toBeLessThan(2000);
    expect(Math.abs(s.minMs + 8 * 24 * HOUR)).toBeLessThan(2000);
    expect(s.samples).toBe(2);
  });
});

describe('hygiene', () => {
  it('never puts the client secret or a token into a log line or an error', async () => {
    // Make sure the run above produced material to inspect.
    expect(logLines.length).toBeGreaterThan(5);
    expect(errorsSeen.length).toBeGreaterThan(10);
    const tokens = [SECRET];
    const text = [...logLines, ...errorsSeen.map((e) => { const x = e as { message: string; context?: unknown; cause?: { message?: string } }; return `${x.message} ${JSON.stringify(x.context)} ${x.cause?.message ?? ''}`; })].join('\n');
    for (const t of tokens) expect(text).not.toContain(t);
    expect(text).not.toMatch(/tok-\d+-[a-z0-9]+/);
    expect(text).not.toMatch(/Bearer /);
  });
});
