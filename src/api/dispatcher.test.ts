import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { request } from 'undici';
import { createDispatcher, secureContextFor } from './dispatcher.js';
import { createManagementApi } from './client.js';
import { sendJson, startHttpsDouble, testCertificate, type HttpsDouble } from './testing/https-double.js';
import { createLoginDouble } from './testing/login-double.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

// A minimal CONNECT proxy that records the tunnels it opened.
async function startConnectProxy(): Promise<{ url: string; connects: string[]; close(): Promise<void> }> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.statusCode = 405;
    res.end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('dispatcher: proxy and CA', () => {
  let apiServer: HttpsDouble;
  let loginServer: HttpsDouble;
  let ca: string;
  const login = createLoginDouble({ tenantId: TENANT, clientId: CLIENT, secret: 's3cret' });

  beforeAll(async () => {
    ca = (await testCertificate()).cert;
    apiServer = await startHttpsDouble((_req, res) => sendJson(res, 200, []));
    loginServer = await startHttpsDouble((req, res) => {
      if (!login.handle(req, res, loginServer.origin)) sendJson(res, 404, {});
    });
  });
  afterAll(async () => {
    await apiServer.close();
    await loginServer.close();
  });

  it('sends both login and API traffic through the configured proxy', async () => {
    const proxy = await startConnectProxy();
    const api = createManagementApi({
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { type: 'secret', secret: 's3cret' },
      loginUrl: loginServer.origin,
      apiUrl: apiServer.origin,
      proxyUrl: proxy.url,
      caCerts: [ca],
    });
    try {
      await api.listSubscriptions();
      expect(proxy.connects).toContain(`127.0.0.1:${loginServer.port}`);
      expect(proxy.connects).toContain(`127.0.0.1:${apiServer.port}`);
      expect(login.tokenRequests).toBe(1);
    } finally {
      await api.close();
      await proxy.close();
    }
  });

  it('honours HTTPS_PROXY and NO_PROXY when no proxy is configured', async () => {
    const proxy = await startConnectProxy();
    const viaEnv = createDispatcher({ caCerts: [ca], env: { HTTPS_PROXY: proxy.url } });
    const bypass = createDispatcher({ caCerts: [ca], env: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    const ignored = createDispatcher({ caCerts: [ca], useEnvProxy: false, env: { HTTPS_PROXY: proxy.url } });
    try {
      await (await request(`${apiServer.origin}/x`, { dispatcher: viaEnv })).body.dump();
      expect(proxy.connects).toHaveLength(1);
      await (await request(`${apiServer.origin}/x`, { dispatcher: bypass })).body.dump();
      await (await request(`${apiServer.origin}/x`, { dispatcher: ignored })).body.dump();
      expect(proxy.connects).toHaveLength(1);
    } finally {
      await Promise.all([viaEnv.close(), bypass.close(), ignored.close()]);
      await proxy.close();
    }
  });

  it('adds extra CAs to the default roots: the self-signed server is refused without them', async () => {
    const without = createDispatcher({ useEnvProxy: false });
    const withCa = createDispatcher({ useEnvProxy: false, caCerts: [ca] });
    try {
      await expect(request(`${apiServer.origin}/x`, { dispatcher: without })).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
      expect((await request(`${apiServer.origin}/x`, { dispatcher: withCa })).statusCode).toBe(200);
    } finally {
      await Promise.all([without.close(), withCa.close()]);
    }
  });

  it('dispatchers with the same extra CAs share one TLS context, and each still verifies the server', async () => {
    const unrelated = (await generate([{ name: 'commonName', value: 'unrelated CA' }], { keySize: 2048, algorithm: 'sha256' })).cert;
    expect(secureContextFor([ca])).toBe(secureContextFor([ca]));
    expect(secureContextFor([ca])).not.toBe(secureContextFor([unrelated]));
    const a = createDispatcher({ useEnvProxy: false, caCerts: [ca] });
    const b = createDispatcher({ useEnvProxy: false, caCerts: [ca] });
    const other = createDispatcher({ useEnvProxy: false, caCerts: [unrelated] });
    try {
      expect((await request(`${apiServer.origin}/x`, { dispatcher: a })).statusCode).toBe(200);
      expect((await request(`${apiServer.origin}/x`, { dispatcher: b })).statusCode).toBe(200);
      await expect(request(`${apiServer.origin}/x`, { dispatcher: other })).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });

  it('handles with equal settings share one pool: one socket for both, closing one leaves the other working', async () => {
    let connects = 0;
    const onConnect = (): void => void connects++;
    subscribe('undici:client:connected', onConnect);
    // One connection per origin, and a keep-alive no other test uses (so this pool is private).
    const settings = { useEnvProxy: false, caCerts: [ca], keepAliveMs: 12_345, maxConnections: 1 };
    const a = createDispatcher(settings);
    const b = createDispatcher(settings);
    const order: string[] = [];
    const prev = apiServer.handler;
    apiServer.handler = async (req, res) => {
      if (req.url === '/slow') await new Promise((r) => setTimeout(r, 200));
      order.push(req.url);
      sendJson(res, 200, []);
    };
    try {
      // Separate pools would each open a socket and answer /fast first; one shared pool of one
      // socket queues /fast behind /slow.
      await Promise.all([
        request(`${apiServer.origin}/slow`, { dispatcher: a }).then((r) => r.body.dump()),
        request(`${apiServer.origin}/fast`, { dispatcher: b }).then((r) => r.body.dump()),
      ]);
      expect(order).toEqual(['/slow', '/fast']);
      expect(connects).toBe(1);
      await a.close();
      expect((await request(`${apiServer.origin}/x`, { dispatcher: b })).statusCode).toBe(200);
      await expect(request(`${apiServer.origin}/x`, { dispatcher: a })).rejects.toMatchObject({ code: 'UND_ERR_CLOSED' });
      await b.close();
      // The last handle closed the pool: a new handle opens a new socket.
      const c = createDispatcher(settings);
      await (await request(`${apiServer.origin}/x`, { dispatcher: c })).body.dump();
      expect(connects).toBe(2);
      await c.close();
    } finally {
      apiServer.handler = prev;
      unsubscribe('undici:client:connected', onConnect);
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a TLS verification failure is not retried and names ca_certs', async () => {
    const api = createManagementApi({
      tenantId: TENANT,
      clientId: CLIENT,
      credential: { type: 'secret', secret: 'unused' },
      apiUrl: apiServer.origin,
      useEnvProxy: false,
      tokenSource: { getToken: async () => 'opaque', forceRefresh: async () => 'opaque' },
    });
    try {
      const err = (await api.listSubscriptions().catch((e: unknown) => e)) as { code: string; retryable: boolean; hint?: string };
      expect(err).toMatchObject({ code: 'O365_ERR_API', retryable: false });
      expect(err.hint).toMatch(/ca_certs/);
      expect(api.counters.requests).toBe(1);
    } finally {
      await api.close();
    }
  });
});
