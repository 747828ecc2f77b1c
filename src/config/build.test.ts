import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManagementApi } from '../api/types.js';
import type { Logger } from '../logging/types.js';
import { MemoryStateStore } from '../state/memory-store.js';
import { managementApiOptions } from './api-options.js';
import { buildCollectorOptions } from './build.js';
import { loadConfigText } from './load.js';

const T = '7d1b4c2a-0000-4000-8000-000000000001';
const T2 = 'b2c4d6e8-0000-4000-8000-000000000003';
const C = '9f0e8d7c-0000-4000-8000-000000000002';
const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function fakeApi(tenantId: string): ManagementApi {
  return {
    tenantId,
    counters: { requests: 0, retries: 0, throttled: 0, refusedUrls: 0, tokenRefreshes: 0 },
    listSubscriptions: async () => [],
    startSubscription: async () => {},
    listContent: async function* () {},
    fetchBlob: async () => {},
    serverNow: () => Date.now(),
    clockSkew: () => undefined,
    close: async () => {},
  };
}

const yaml = `tenants:
  - tenant_id: ${T}
    client_id: ${C}
    client_secret: s3cret-value-1
    label: contoso
    publisher_identifier: ${T2}
    api_url: https://127.0.0.1:8443
    content_types: [Audit.Exchange]
  - tenant_id: ${T2}
    client_id: ${C}
    client_secret: s3cret-value-2
    cloud: dod
window: 2h
lookback: 45m
blob_concurrency: 2
request_timeout: 30s
blob_timeout: 3m
commit_interval: 2s
interval: 5m
retry: { max_attempts: 3, base_delay: 2s, max_delay: 10s }
outputs:
  - { type: file, path: out.ndjson }
  - { type: stdout, format: wazuh }
`;

describe('buildCollectorOptions', () => {
  it('maps each tenant and the global settings onto CollectorOptions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'o365-build-'));
    const config = loadConfigText(yaml, { env: {}, file: join(dir, 'c.yaml') });
    const built = buildCollectorOptions(config, { logger, apiFactory: (t) => fakeApi(t.tenantId), state: new MemoryStateStore() });
    const o = built.options;
    expect(o.intervalMs).toBe(300_000);
    expect(o.commitIntervalMs).toBe(2000);
    expect(o.tenants.map((t) => [t.tenantId, t.label, t.contentTypes.length])).toEqual([
      [T, 'contoso', 1],
      [T2, undefined, 5],
    ]);
    expect(o.tenants[0]!.settings).toEqual({ windowMs: 7_200_000, lookbackMs: 2_700_000, initialIntervalMs: 7 * 86_400_000, onlyFutureEvents: false, blobConcurrency: 2 });
    expect(o.outputs.map((x) => x.name)).toEqual(['file', 'stdout']);
    expect(built.apis).toHaveLength(2);
    await built.close();
  });

  it('gives the API client the cloud, publisher id, timeouts and retry policy', () => {
    const config = loadConfigText(yaml, { env: {} });
    const a = managementApiOptions(config.tenants[0]!, config, logger);
    expect(a).toMatchObject({
      tenantId: T,
      clientId: C,
      credential: { type: 'secret', secret: 's3cret-value-1' },
      cloud: 'commercial',
      apiUrl: 'https://127.0.0.1:8443',
      publisherId: T2,
      timeouts: { loginMs: 30_000, listHeadersMs: 30_000, listBodyIdleMs: 30_000, blobHeadersMs: 180_000, blobBodyIdleMs: 180_000 },
      retry: { maxAttempts: 3, baseDelayMs: 2000, maxDelayMs: 10_000 },
    });
    const b = managementApiOptions(config.tenants[1]!, config, logger);
    expect(b).toMatchObject({ cloud: 'dod', publisherId: T2 });
    expect(b.loginUrl).toBeUndefined();
  });
});
