// Child process for the kill -9 test: a collector with a FileStateStore and a FileOutput, against a
// deterministic fake API slow enough to be killed mid-run. Prints the summary when it finishes.
// Usage: node --import tsx kill-child.ts <state_dir> <out_file>

import { FileOutput } from '../../outputs/file/file-output.js';
import { FileStateStore } from '../../state/file-store.js';
import { createCollector } from '../collector.js';
import { FakeManagementApi, makeRecords } from './fake-api.js';
import { HOUR, MIN, MemoryLogger, settings } from './test-kit.js';

export const KILL_T0 = Date.UTC(2024, 2, 10, 12, 0, 0);
export const KILL_TYPES = ['Audit.Exchange', 'Audit.SharePoint', 'DLP.All'];
export const KILL_BLOBS = 20;
export const KILL_RECORDS = 40;

/** The scripted tenant: every blob repeats the last 3 records of the one before it. */
export function killWorld(): FakeManagementApi {
  const api = new FakeManagementApi({
    tenantId: 'kill-tenant',
    now: () => KILL_T0,
    subscriptions: Object.fromEntries(KILL_TYPES.map((t) => [t, 'enabled' as const])),
    recordHook: (_id, i) => (i % 4 === 0 ? new Promise<void>((r) => setTimeout(r, 2)) : undefined),
  });
  for (const ct of KILL_TYPES) {
    for (let b = 0; b < KILL_BLOBS; b++) {
      const recs = makeRecords(`${ct}-${b}`, KILL_RECORDS);
      if (b > 0) recs.push(...makeRecords(`${ct}-${b - 1}`, KILL_RECORDS).slice(-3));
      api.addBlob(ct, { contentId: `${ct}-${b}`, contentCreated: KILL_T0 - 5 * HOUR + b * 12 * MIN, records: recs });
    }
  }
  return api;
}

const [stateDir, outFile] = process.argv.slice(2);
if (stateDir && outFile) {
  const summary = await createCollector({
    tenants: [{ tenantId: 'kill-tenant', contentTypes: KILL_TYPES, api: killWorld(), settings: settings({ initialIntervalMs: 6 * HOUR, windowMs: HOUR, blobConcurrency: 3 }) }],
    outputs: [new FileOutput(outFile, { batchBytes: 2048 })],
    state: new FileStateStore(stateDir),
    intervalMs: 1000,
    commitIntervalMs: 15,
    logger: new MemoryLogger(),
    now: () => KILL_T0,
  }).run({ once: true });
  process.stdout.write(JSON.stringify({ records: summary.records, failedStreams: summary.failedStreams }) + '\n');
}
