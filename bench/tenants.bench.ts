// Item 4: 500 tenants x 5 content types (50 with --quick) in one collector process, one `--once`
// pass. Figures: pass time, peak RSS, and fairness = slowest / fastest tenant completion. Wazuh
// walks tenants one after another at <= 100 events/s in total (peer-wazuh-and-others.md §2).

import { round } from './e2e.bench.js';
import { collectorPass } from './lib/collector-run.js';
import type { BenchContext, CaseResult } from './lib/context.js';
import { load } from './lib/machine.js';

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function benchTenants(ctx: BenchContext): Promise<CaseResult> {
  const before = load();
  const tenants = ctx.quick ? 50 : 500;
  const blobs = 2;
  const perBlob = 50;
  const expected = tenants * 5 * blobs * perBlob;
  ctx.log(`tenants: ${tenants} tenants x 5 content types, ${expected.toLocaleString('en')} records`);
  const pass = await collectorPass(
    ctx,
    'tenants',
    { tenants, blobsPerContentType: blobs, recordsPerBlob: perBlob, recordSizeTarget: 1024, spanMs: 3600_000 },
    { initialInterval: '2h' },
  );
  const { run, result } = pass;
  const done = Object.values(result.tenantDoneSeconds).sort((a, b) => a - b);
  const fastest = done[0] ?? NaN;
  const slowest = done.at(-1) ?? NaN;
  const peak = Math.max(run.usage?.peakRssMiB ?? 0, run.polledPeakRssMiB);
  const out: CaseResult = {
    name: 'tenants',
    title: `${tenants} tenants x 5 content types, one --once pass`,
    metrics: {
      tenants,
      streams: tenants * 5,
      records: result.records,
      expectedRecords: expected,
      complete: result.records + result.duplicatesDropped === expected && result.failedStreams === 0,
      duplicatesDropped: result.duplicatesDropped,
      failedStreams: result.failedStreams,
      tenantsCompleted: done.length,
      wallSeconds: round(run.wallSeconds, 2),
      runSeconds: round(result.runSeconds, 2),
      recordsPerSecond: Math.round(result.records / run.wallSeconds),
      cpuSecondsPerMillion: round((run.usage?.cpuSeconds ?? NaN) / (result.records / 1e6), 2),
      peakRssMiB: peak,
      heapUsedAtPeakMiB: result.memoryAtPeak['heapUsed'] ?? null,
      externalAtPeakMiB: result.memoryAtPeak['external'] ?? null,
      fastestTenantSeconds: fastest,
      medianTenantSeconds: quantile(done, 0.5),
      slowestTenantSeconds: slowest,
      fairness: round(slowest / fastest, 2),
      simulatorRequests: pass.simStats.requests,
      simulatorCpuSeconds: round(pass.simCpuSeconds, 2),
    },
    targets: [
      { text: `${tenants} tenants in one pass`, holds: result.failedStreams === 0 && done.length === tenants },
      { text: 'peak RSS <= 512 MB', holds: peak * 2 ** 20 <= 512e6 },
    ],
    load: { before, after: load() },
    at: new Date().toISOString(),
  };
  if (pass.profile) out.profile = pass.profile;
  if (result.streamErrors.length > 0) out.notes = result.streamErrors.map((e) => `stream error: ${e}`);
  return out;
}
