// startSimulator(): an HTTPS double of the Entra login endpoint and the Office 365 Management
// Activity API on one origin, plus a "foreign host" on another origin that records who calls it.
//
// Ground truth: `groundTruth(tenant, type, {at})` holds the Ids of every record in blobs that a
// correct collector listing at `at` (default now()) can fetch: blobs listed by then (late-listed
// ones only after their delay), created within 7 days of `at`, not expired by fault and not moved
// to the foreign host. Duplicated records count once. A foreign NextPageUri only ever follows a
// complete listing, so it hides nothing.

import { createServer } from 'node:https';
import { DEFAULT_CIPHERS as tlsDefaultCiphers } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Catalog } from './catalog.js';
import type { SimContext, TenantState } from './context.js';
import { Feed } from './data-model.js';
import { FaultState } from './faults.js';
import { Stream, hash, unit } from './rng.js';
import { tenantProfile } from './records/index.js';
import { foreignHandler, mainHandler } from './server.js';
import { StatsRecorder } from './stats.js';
import { clientCertificate, serverCredentials } from './tls.js';
import { TokenAuthority } from './tokens.js';
import { CONTENT_TYPES, type ContentType, type FaultOptions, type SimTenant, type SimTenantSpec, type Simulator, type SimulatorOptions } from './types.js';

export * from './types.js';

const MAX_SPAN = 7 * 86400_000;

function secret(s: Stream): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.';
  let out = '';
  for (let i = 0; i < 37; i++) out += abc[s.int(abc.length)];
  return `${out.slice(0, 3)}8Q~${out.slice(3)}`;
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function applyMissing(ctx: SimContext, seed: number): void {
  const rate = ctx.faults.share('missingSubscription');
  if (rate <= 0) return;
  for (const t of ctx.tenants) {
    CONTENT_TYPES.forEach((ct, ci) => {
      if (unit(hash(seed, t.index, ci, 0x5b)) < rate) t.subs.delete(ct);
    });
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = (options.seed ?? 1) >>> 0;
  let offset = 0;
  const clock = options.now ?? Date.now;
  const now = (): number => clock() + offset;
  const startedAt = now();
  const spanMs = Math.min(options.spanMs ?? 6 * 3600_000, MAX_SPAN);
  const specs: SimTenantSpec[] = options.tenantSpecs ?? Array.from({ length: options.tenants ?? 1 }, () => ({}));
  const recordSizeTarget = options.recordSizeTarget ?? 1024;

  const faults = new FaultState(seed, options.faults ?? {}, options.maxConsecutiveFaults ?? 3);
  const stats = new StatsRecorder();
  const [creds, certs] = await Promise.all([
    serverCredentials(),
    Promise.all(specs.map((sp, i) => (sp.certificate === true ? clientCertificate(`o365-audit-sim-app-${i + 1}`) : Promise.resolve(undefined)))),
  ]);

  const tenants: TenantState[] = specs.map((sp, i) => {
    const s = new Stream(hash(seed, i, 0x7e4));
    const tenantId = (sp.tenantId ?? s.guid()).toLowerCase();
    const clientId = (sp.clientId ?? s.guid()).toLowerCase();
    const clientSecret = sp.clientSecret ?? secret(s);
    const domain = `tenant${i + 1}.example.com`;
    const contentTypes = sp.contentTypes ?? options.contentTypes ?? [...CONTENT_TYPES];
    const pub: SimTenant = { tenantId, domain, clientId, clientSecret, contentTypes: [...contentTypes] };
    const cert = certs[i];
    if (cert !== undefined) pub.certificate = cert;
    const profile = tenantProfile(seed, i, tenantId, domain);
    const feeds = new Map<string, Feed>();
    contentTypes.forEach((ct: ContentType, k) => {
      const huge = i === 0 && k === 0 && options.hugeBlobBytes !== undefined;
      feeds.set(
        ct,
        new Feed({
          seed,
          tenantIndex: i,
          ctIndex: CONTENT_TYPES.indexOf(ct),
          contentType: ct,
          tenant: profile,
          blobs: options.blobsPerContentType ?? 20,
          recordsPerBlob: options.recordsPerBlob ?? 50,
          recordSizeTarget,
          spanMs,
          futureMs: options.futureMs ?? 0,
          startedAt,
          ...(huge ? { hugeBlobRecords: Math.ceil((options.hugeBlobBytes as number) / Math.max(recordSizeTarget, 900)) } : {}),
        }),
      );
    });
    const subscribed = sp.initiallySubscribed ?? options.initiallySubscribed ?? true;
    const subs = new Map<string, { status: 'enabled' | 'disabled' }>();
    if (subscribed && sp.auditDisabled !== true) for (const ct of contentTypes) subs.set(ct, { status: 'enabled' });
    return { pub, index: i, readDlp: sp.readDlp ?? true, auditDisabled: sp.auditDisabled ?? false, subs, feeds };
  });

  // AES-128-GCM first: blob bodies dominate the CPU, and it encrypts ~30% faster than AES-256.
  const tlsOptions = {
    key: creds.keyPem,
    cert: creds.certPem,
    ciphers: `TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:${tlsDefaultCiphers}`,
    honorCipherOrder: true,
  };
  const main = createServer(tlsOptions);
  const foreign = createServer(tlsOptions);
  const [port, foreignPort] = await Promise.all([listen(main, options.port ?? 0), listen(foreign, 0)]);
  const origin = `https://127.0.0.1:${port}`;

  const ctx: SimContext = {
    opts: {
      seed,
      pageSize: options.pageSize ?? 100,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
      nextPageHeader: options.nextPageHeader ?? 'NextPageUri',
      nextPageTrailingWhitespace: options.nextPageTrailingWhitespace ?? false,
      nextPageApiV1: options.nextPageApiV1 ?? false,
      nextPageKeepsPublisher: options.nextPageKeepsPublisher ?? false,
      startCooldownMs: options.startCooldownMs ?? 15 * 60_000,
    },
    now,
    startedAt,
    tenants,
    byId: new Map(tenants.map((t) => [t.pub.tenantId, t])),
    byLoginName: new Map(tenants.flatMap((t) => [[t.pub.tenantId, t] as const, [t.pub.domain, t] as const])),
    tokens: new TokenAuthority(),
    faults,
    catalog: new Catalog(seed, faults, startedAt),
    stats,
    loginUrl: origin,
    apiUrl: origin,
    foreignUrl: `https://127.0.0.1:${foreignPort}`,
  };
  applyMissing(ctx, seed);
  main.on('request', mainHandler(ctx));
  foreign.on('request', foreignHandler(ctx));

  return {
    loginUrl: ctx.loginUrl,
    apiUrl: ctx.apiUrl,
    foreignUrl: ctx.foreignUrl,
    caPem: creds.caPem,
    tenants: tenants.map((t) => t.pub),
    startedAt,
    now,
    stats: () => stats.snapshot(),
    groundTruth(tenantId, contentType, o = {}) {
      const feed = ctx.byId.get(tenantId.toLowerCase())?.feeds.get(contentType);
      if (feed === undefined) return new Set();
      return ctx.catalog.groundTruth(feed, o.at ?? now(), o.since);
    },
    blobRecords(tenantId, contentType, blob) {
      const feed = ctx.byId.get(tenantId.toLowerCase())?.feeds.get(contentType);
      if (feed === undefined || blob < 0 || blob >= feed.blobs) throw new Error(`no blob ${blob} of ${tenantId}/${contentType}`);
      return { contentId: feed.contentId(blob), ids: Array.from({ length: feed.count(blob) }, (_, r) => feed.recordId(blob, r)) };
    },
    setFaults(partial: FaultOptions) {
      faults.set(partial);
      if ('missingSubscription' in partial) applyMissing(ctx, seed);
    },
    advance(ms: number) {
      offset += ms;
    },
    close: async () => {
      await Promise.all(
        [main, foreign].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}
