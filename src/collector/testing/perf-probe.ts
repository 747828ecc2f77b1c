// Throughput probe (not a test): N records through the collector into a file. Usage: tsx perf-probe.ts N
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOutput } from '../../outputs/file/file-output.js';
import { FileStateStore } from '../../state/file-store.js';
import { createCollector } from '../collector.js';
import { FakeManagementApi } from './fake-api.js';
import { HOUR, MemoryLogger, settings } from './test-kit.js';

const n = Number(process.argv[2] ?? 200_000);
const T0 = Date.UTC(2024, 2, 10, 12);
const api = new FakeManagementApi({ tenantId: 't', now: () => T0, subscriptions: { 'Audit.Exchange': 'enabled' } });
const perBlob = 1000;
const base = '{"CreationTime":"2024-03-01T09:58:41","Operation":"FileDownloaded","RecordType":6,"UserId":"user@contoso.com","Workload":"SharePoint","ObjectId":"https://contoso.sharepoint.com/sites/x/Shared Documents/a.docx"';
for (let b = 0; b < n / perBlob; b++) {
  const recs: string[] = [];
  for (let i = 0; i < perBlob; i++) recs.push(`${base},"Id":"${b}-${i}-0000-4000-8000-000000000000"}`);
  api.addBlob('Audit.Exchange', { contentId: `b${b}`, contentCreated: T0 - 50 * 60_000 + b, records: recs });
}
const dir = await mkdtemp(join(tmpdir(), 'o365-perf-'));
const t = process.hrtime.bigint();
const s = await createCollector({
  tenants: [{ tenantId: 't', contentTypes: ['Audit.Exchange'], api, settings: settings({ initialIntervalMs: HOUR }) }],
  outputs: [new FileOutput(join(dir, 'out.ndjson'))],
  state: new FileStateStore(join(dir, 'state')),
  intervalMs: 1000,
  commitIntervalMs: 1000,
  logger: new MemoryLogger(),
  now: () => T0,
}).run({ once: true });
const ms = Number(process.hrtime.bigint() - t) / 1e6;
console.log(JSON.stringify({ records: s.records, ms: Math.round(ms), perSec: Math.round((s.records / ms) * 1000), rssMB: Math.round(process.memoryUsage().rss / 1e6) }));
await rm(dir, { recursive: true, force: true });
