// The Management Activity API of one tenant as WireMock stubs: a token endpoint, an enabled
// subscription, a listing of the given blobs (the same for every window: the collector must cope
// with blobs it already has) and each blob's body. Records are built here, not by the simulator.

import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StubResponse, WireMock } from './wiremock.js';

export const TENANT = '6f2d3c1a-8b7e-4d5f-9a0b-1c2d3e4f5a6b';
export const CLIENT = '0a9b8c7d-6e5f-4a3b-8c1d-2e3f4a5b6c7d';
export const SECRET = 'wm8Q~independent-server-secret-value-123';
export const TOKEN = 'opaque-access-token-that-is-not-a-jwt-0123456789';
export const CONTENT_TYPE = 'Audit.AzureActiveDirectory';

const FEED = `/api/v1.0/${TENANT}/activity/feed`;

export function record(id: string, at: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CreationTime: new Date(at).toISOString().slice(0, 19),
    Id: id,
    Operation: 'UserLoggedIn',
    OrganizationId: TENANT,
    RecordType: 15,
    ResultStatus: 'Success',
    UserKey: 'user@contoso.example',
    UserType: 0,
    Version: 1,
    Workload: 'AzureActiveDirectory',
    UserId: 'user@contoso.example',
    ...extra,
  };
}

export interface BlobSpec {
  contentId: string;
  created: number;
  /** Default: 7 days after `created`. */
  expires?: number;
  /** What GET contentUri answers (default: 200 with the JSON array of `records`). */
  response?: StubResponse;
  records?: Record<string, unknown>[];
}

export function blob(created: number, records: Record<string, unknown>[], response?: StubResponse): BlobSpec {
  const b: BlobSpec = { contentId: `${created}$${randomUUID()}`, created, records };
  if (response) b.response = response;
  return b;
}

export function records(n: number, at: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => record(randomUUID(), at + i * 1000));
}

/**
 * Stubs the tenant. `headers` go on every API response (e.g. a skewed `Date`); `listing` overrides
 * the listing response (e.g. a trickle).
 */
export async function stubTenant(wm: WireMock, blobs: BlobSpec[], o: { headers?: Record<string, string>; listing?: Partial<StubResponse> } = {}): Promise<void> {
  const headers = { 'content-type': 'application/json; charset=utf-8', ...o.headers };
  await wm.stub({
    method: 'POST',
    path: `/${TENANT}/oauth2/v2.0/token`,
    response: { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: TOKEN }) },
  });
  await wm.stub({
    method: 'GET',
    path: `${FEED}/subscriptions/list`,
    response: { headers, body: JSON.stringify([{ contentType: CONTENT_TYPE, status: 'enabled', webhook: null }]) },
  });
  await wm.stub({ method: 'POST', path: `${FEED}/subscriptions/start`, response: { headers, body: JSON.stringify({ contentType: CONTENT_TYPE, status: 'enabled', webhook: null }) } });
  const listing = blobs.map((b) => ({
    contentType: CONTENT_TYPE,
    contentId: b.contentId,
    contentUri: `${wm.origin}${FEED}/audit/${encodeURIComponent(b.contentId)}`,
    contentCreated: new Date(b.created).toISOString(),
    contentExpiration: new Date(b.expires ?? b.created + 7 * 86400_000).toISOString(),
  }));
  await wm.stub({ method: 'GET', path: `${FEED}/subscriptions/content`, response: { headers, body: JSON.stringify(listing), ...o.listing } });
  for (const b of blobs) {
    await wm.stub({
      method: 'GET',
      path: `${FEED}/audit/${encodeURIComponent(b.contentId)}`,
      response: b.response ? { headers, ...b.response } : { headers, body: JSON.stringify(b.records ?? []) },
    });
  }
}

/** Writes a collector config for the WireMock tenant into `dir`; returns its path. */
export function writeWireMockConfig(dir: string, wm: WireMock, extra = ''): string {
  mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'ca.pem'), wm.caPem);
  writeFileSync(join(dir, 'secrets', 't.secret'), `${SECRET}\n`, { mode: 0o600 });
  const lines = [
    'tenants:',
    `  - tenant_id: ${TENANT}`,
    `    client_id: ${CLIENT}`,
    '    client_secret_file: secrets/t.secret',
    `    login_url: ${wm.origin}`,
    `    api_url: ${wm.origin}`,
    `content_types: [${CONTENT_TYPE}]`,
    'ca_file: ca.pem',
    'state_dir: state',
    'output: { type: file, path: out.ndjson }',
    'retry: { max_attempts: 3, base_delay: 1s, max_delay: 1s }',
  ];
  const path = join(dir, 'config.yaml');
  writeFileSync(path, `${lines.join('\n')}\n${extra}`);
  return path;
}
